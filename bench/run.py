"""Benchmark lambdalint beside its peers on a pinned corpus of real code.

    python bench/run.py                # everything, 3 alternating rounds
    python bench/run.py --rounds 5 --only lambdalint,libcst
    python bench/run.py --corpus /tmp/some-monorepo   # any local folder, with the peers
    python bench/run.py --corpus /tmp/some-monorepo --edit shared/db.py   # the helper file to edit

The corpus (sdists of boto3, botocore, Powertools, requests, urllib3 at pinned
versions) is fetched once with `pip download` into the cache folder; the peers
are installed once into their own virtualenv there. Every tool runs as its own
process, the tools alternate within each round (so a noisy neighbour hurts them
all alike), and the table shows medians: wall time, CPU time, peak memory,
files per second, and each wall time as a multiple of the bare LibCST parse of
the same files, which is the floor any LibCST-based linter stands on.

On a local folder two more runs are measured, with the warm cache: after editing
one helper module (a comment appended, so every file that depends on it is
checked again; `--edit`, else the module other files import most), and a
pre-commit run naming only that edited file from the folder's root. The file is
restored after each run. The warm, edited and pre-commit runs are measured again
through a daemon (`check --daemon`, started before the first round, stopped at
the end; its own CPU time and memory are not in the table).

lambdalint's own modules are compiled to bytecode first, as an installation
does (with PYTHONDONTWRITEBYTECODE set, every run would compile them again).
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS_PACKAGES = [
    "boto3==1.44.8",
    "botocore==1.44.8",
    "aws-lambda-powertools==3.37.0",
    "requests==2.34.2",
    "urllib3==2.8.0",
]
PEERS = ["fixit", "bandit", "flake8", "flake8-bugbear", "pylint", "ruff"]
LAMBDA_COPIES = 40  # copies of examples/ in the handler-heavy corpus

PARSE_ALL = """
import sys, pathlib, libcst
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    try:
        libcst.parse_module(path.read_bytes())
    except Exception:
        pass
"""


@dataclass
class Sample:
    wall: float
    cpu: float
    peak_mb: float
    code: int


@dataclass
class Tool:
    name: str
    argv: list[str]
    samples: list[Sample] = field(default_factory=list)
    setup: list[str] | None = None  # run once before the first round (e.g. warm a cache)
    cwd: Path | None = None  # where it runs (default: this repository)
    around: Callable[[], Callable[[], None]] | None = None  # before each run; returns what undoes it


def edit_file(path: Path) -> Callable[[], Callable[[], None]]:
    """Append a comment no run has seen (so the cache cannot know it); undone after the run."""
    def edit() -> Callable[[], None]:
        original = path.read_bytes()
        path.write_bytes(original + f"\n# lambdalint bench edit {time.time_ns()}\n".encode())
        return lambda: path.write_bytes(original)
    return edit


IMPORT_LINE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)


def most_imported(corpus: Path) -> Path | None:
    """The module of the folder that its other files import most (by the last part of the
    dotted name, outside tests): a shared helper."""
    stems: dict[str, list[Path]] = {}
    for path in corpus.rglob("*.py"):
        if path.stem != "__init__" and not any(part.startswith("test") for part in path.relative_to(corpus).parts):
            stems.setdefault(path.stem, []).append(path)
    counts: Counter[Path] = Counter()
    for path in corpus.rglob("*.py"):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in IMPORT_LINE.finditer(text):
            last = (match.group(1) or match.group(2)).rsplit(".", 1)[-1]
            for candidate in stems.get(last, ()):
                if candidate != path:
                    counts[candidate] += 1
    return counts.most_common(1)[0][0] if counts else None


def run_measured(argv: list[str], cwd: Path, around: Callable[[], Callable[[], None]] | None = None) -> Sample:
    """Wall, CPU (user + system) and peak RSS of one process and its children."""
    undo = around() if around is not None else None
    try:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    finally:
        if undo is not None:
            undo()
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(wall, cpu, usage.ru_maxrss / 1024, process.returncode)


def fetch_corpus(cache: Path) -> Path:
    corpus = cache / "corpus"
    if corpus.is_dir() and any(corpus.iterdir()):
        return corpus
    downloads = cache / "sdists"
    downloads.mkdir(parents=True, exist_ok=True)
    for spec in CORPUS_PACKAGES:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", spec, "-d", str(downloads)], check=True)
    tmp = cache / "corpus.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for archive in sorted(downloads.glob("*.tar.gz")):
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(tmp)
    tmp.rename(corpus)
    return corpus


def lambda_corpus(cache: Path) -> Path:
    target = cache / "lambda-corpus"
    if target.is_dir():
        return target
    tmp = cache / "lambda-corpus.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for index in range(LAMBDA_COPIES):
        # Without the Terraform app, so the corpus (and its figures) stay those of a
        # tree without Terraform, which is what most Lambda code bases are.
        shutil.copytree(REPO / "examples", tmp / f"service{index:02d}", ignore=shutil.ignore_patterns("terraform"))
    tmp.rename(target)
    return target


def peers_venv(cache: Path) -> Path:
    venv = cache / "peers"
    marker = venv / ".installed"
    python = venv / "bin" / "python"
    if not marker.exists() or not python.exists() or subprocess.run(
            [str(python), "-c", "pass"], capture_output=True).returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *PEERS], check=True)
        marker.write_text("\n".join(PEERS))
    return venv / "bin"


def pre_commit_project(corpus: Path, edit: Path) -> str:
    """Which project the pre-commit run judges the edited file in: in a repository, the
    top of the repository at the latest. A folder extracted without its `.git` may
    hold no project marker, and the file is then checked as a project of its own,
    which is not what pre-commit does: say so (`git init` the folder first)."""
    sys.path.insert(0, str(REPO))
    from lambdalint.discovery import project_root

    root = project_root(edit)
    if root is None or (root != corpus and corpus not in root.parents):
        return " (pre-commit: the file is a project of its own; `git init` the folder to measure it in its project)"
    return f" (pre-commit: judged inside {root.relative_to(corpus).as_posix() or 'the folder'})"


def lambdalint_argv(extra: list[str], corpus: Path) -> list[str]:
    return [sys.executable, "-m", "lambdalint", "check", "--exit-zero", "--quiet",
            "--output-format", "json", *extra, str(corpus)]


def build_tools(corpus: Path, peers: Path | None, only: set[str] | None, cache: Path,
                edit: Path | None = None) -> list[Tool]:
    cores = os.cpu_count() or 1
    cache_dir = (cache / "lambdalint-cache").resolve()
    tools = [
        Tool("libcst parse (floor)", [sys.executable, "-c", PARSE_ALL, str(corpus)]),
        Tool("lambdalint cold --jobs 1", lambdalint_argv(["--jobs", "1", "--no-cache"], corpus)),
        Tool(f"lambdalint cold --jobs {cores}", lambdalint_argv(["--jobs", str(cores), "--no-cache"], corpus)),
        Tool("lambdalint warm cache", lambdalint_argv(["--cache-dir", str(cache_dir)], corpus),
             setup=lambdalint_argv(["--cache-dir", str(cache_dir)], corpus)),
    ]
    daemon = [sys.executable, "-m", "lambdalint", "daemon", "start"]
    # Through a running daemon (`check --daemon`): the table's CPU and memory are the
    # client's; the daemon is started before the first round.
    tools.append(Tool("lambdalint warm cache --daemon", lambdalint_argv(["--daemon", "--cache-dir", str(cache_dir)], corpus),
                      setup=daemon))
    if edit is not None:
        tools += [
            Tool(f"lambdalint warm, {edit.name} edited", lambdalint_argv(["--cache-dir", str(cache_dir)], corpus),
                 around=edit_file(edit)),
            Tool(f"lambdalint warm --daemon, {edit.name} edited",
                 lambdalint_argv(["--daemon", "--cache-dir", str(cache_dir)], corpus), around=edit_file(edit)),
            Tool(f"lambdalint pre-commit, {edit.name} edited",
                 [sys.executable, "-m", "lambdalint", "check", "--exit-zero", "--quiet", "--force-exclude",
                  "--cache-dir", str(cache_dir), str(edit.relative_to(corpus))], cwd=corpus, around=edit_file(edit)),
            Tool(f"lambdalint pre-commit --daemon, {edit.name} edited",
                 [sys.executable, "-m", "lambdalint", "check", "--daemon", "--exit-zero", "--quiet",
                  "--force-exclude", "--cache-dir", str(cache_dir), str(edit.relative_to(corpus))],
                 cwd=corpus, around=edit_file(edit), setup=daemon),
        ]
    if peers is not None:
        tools += [
            # Fixit skips a folder git ignores (bench/work is), unless it is named itself.
            Tool("fixit", [str(peers / "fixit"), "lint", *sorted(str(p) for p in corpus.iterdir() if p.is_dir())]),
            Tool("bandit", [str(peers / "bandit"), "-q", "-r", str(corpus)]),
            Tool("flake8 + bugbear", [str(peers / "flake8"), "--exit-zero", str(corpus)]),
            Tool("pylint (2 checks)", [str(peers / "pylint"), "--disable=all",
                                       "--enable=missing-timeout,broad-exception-caught",
                                       "--exit-zero", str(corpus)]),
            Tool("ruff", [str(peers / "ruff"), "check", "--no-cache", "--exit-zero", "--select", "ALL",
                          str(corpus)]),
        ]
    if only:
        tools = [t for t in tools if any(word in t.name for word in only)]
    return tools


def table(tools: list[Tool], files: int) -> str:
    floor = next((t for t in tools if t.name.startswith("libcst")), None)
    floor_wall = statistics.median(s.wall for s in floor.samples) if floor and floor.samples else None
    cold = next((t for t in tools if t.name.startswith("lambdalint cold --jobs 1")), None)
    cold_wall = statistics.median(s.wall for s in cold.samples) if cold and cold.samples else None
    rows = [("tool", "wall s", "× floor", "% of cold", "CPU s", "peak MB", "files/s", "runs")]
    for tool in tools:
        if not tool.samples:
            continue
        wall = statistics.median(s.wall for s in tool.samples)
        cpu = statistics.median(s.cpu for s in tool.samples)
        peak = statistics.median(s.peak_mb for s in tool.samples)
        ratio = f"{wall / floor_wall:.2f}" if floor_wall else "-"
        failed = sum(1 for s in tool.samples if s.code not in (0, 1))
        runs = f"{len(tool.samples)}" + (f" ({failed} failed)" if failed else "")
        share = f"{100 * wall / cold_wall:.0f}" if cold_wall else "-"
        rows.append((tool.name, f"{wall:.2f}", ratio, share, f"{cpu:.2f}", f"{peak:.0f}", f"{files / wall:.0f}", runs))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=HERE / "work")
    parser.add_argument("--only", help="comma-separated words; run the tools whose name contains one")
    parser.add_argument("--no-peers", action="store_true", help="skip installing and running the peers")
    parser.add_argument("--edit", type=Path, metavar="FILE",
                        help="on a local folder: the helper module to edit (relative to the folder; default: "
                             "the one its files import most)")
    parser.add_argument("--corpus", action="append", metavar="pinned|lambda|both|DIR",
                        help="what to measure: the pinned library corpus, the Lambda-shaped corpus, both "
                             "(the default), or any local folder (a repository checked out beside the "
                             "project, say); repeat for several")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    for package in ("lambdalint", "rules"):
        compileall.compile_dir(REPO / package, quiet=1)
    only = set(args.only.split(",")) if args.only else None
    corpora = []
    for choice in args.corpus or ["both"]:
        if choice in ("pinned", "both"):
            corpora.append(("pinned corpus (boto3, botocore, Powertools, requests, urllib3)",
                            fetch_corpus(args.cache), True))
        if choice in ("lambda", "both"):
            corpora.append((f"Lambda-shaped corpus ({LAMBDA_COPIES} copies of examples/)",
                            lambda_corpus(args.cache), False))
        if choice not in ("pinned", "lambda", "both"):
            folder = Path(choice).resolve()
            if not folder.is_dir():
                parser.error(f"--corpus {choice}: not pinned, lambda, both or a folder")
            corpora.append((f"local corpus {folder.name} ({folder})", folder, True))
    peers = None if args.no_peers else peers_venv(args.cache)
    # The benchmark's daemon is its own, stopped at the end.
    os.environ["LAMBDALINT_DAEMON_DIR"] = str((args.cache / "daemon").resolve())
    try:
        measure(args, corpora, peers, only)
    finally:
        subprocess.run([sys.executable, "-m", "lambdalint", "daemon", "stop"], cwd=REPO,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(args: argparse.Namespace, corpora: list[tuple[str, Path, bool]], peers: Path | None,
            only: set[str] | None) -> None:
    for title, corpus, with_peers in corpora:
        files = sum(1 for _ in corpus.rglob("*.py"))
        lines = sum(p.read_bytes().count(b"\n") for p in corpus.rglob("*.py"))
        edit = None
        if not title.startswith("pinned"):  # never edit the library corpus
            edit = (corpus / args.edit) if args.edit is not None else most_imported(corpus)
            if edit is not None:
                title += f"; edited: {edit.relative_to(corpus)}" + pre_commit_project(corpus, edit)
        tools = build_tools(corpus, peers if with_peers else None, only, args.cache, edit)
        for tool in tools:
            if tool.setup:
                run_measured(tool.setup, REPO)
        for round_number in range(args.rounds):
            for tool in tools:
                tool.samples.append(run_measured(tool.argv, tool.cwd or REPO, tool.around))
                print(f"  round {round_number + 1}/{args.rounds}: {tool.name}: "
                      f"{tool.samples[-1].wall:.2f} s", file=sys.stderr)
        print(f"\n### {title}: {files} files, {lines} lines, {os.cpu_count()} cores, "
              f"Python {sys.version.split()[0]}\n")
        print(table(tools, files))


if __name__ == "__main__":
    main()
