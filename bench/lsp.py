"""How long the language server takes to answer an edit, on a real project.

    python bench/lsp.py                                  # examples/, examples/src/api/app.py
    python bench/lsp.py --project DIR --file DIR/x.py --rounds 30

Two measurements, each over ``--rounds`` edits that add a comment to the file:
- in process: `Checker.check` of the edited text, the work a change costs;
- end to end: a real `lambdalint server` subprocess driven over its pipes by the
  tests' LSP client (tests/lsp_client.py). Each edit is a didChange followed by a
  didSave, which checks at once (a change alone waits DEBOUNCE seconds for more
  typing first); the time runs from the didChange to the publishDiagnostics of
  that version.

The first check of a session builds the engine and reads the project (and the
results cache) and is shown apart. Prints the median, the 90th percentile and the
slowest of the rest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))


def summary(label: str, first: float, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (f"{label:<12} first {first * 1000:6.0f} ms | then median {statistics.median(times) * 1000:5.0f} ms, "
            f"p90 {p90 * 1000:5.0f} ms, max {max(times) * 1000:5.0f} ms ({len(times)} edits)")


def in_process(project: Path, file: Path, rounds: int) -> str:
    from lambdalint.lsp.checker import Checker

    checker = Checker([project])
    text = file.read_text(encoding="utf-8")
    times = []
    for index in range(rounds + 1):
        start = time.perf_counter()
        checker.check(file, text + f"\n# edit {index}\n")
        times.append(time.perf_counter() - start)
    return summary("in process", times[0], times[1:])


def end_to_end(project: Path, file: Path, rounds: int) -> str:
    from lsp_client import Client

    client = Client(project)
    try:
        client.initialize(project)
        text = file.read_text(encoding="utf-8")
        start = time.perf_counter()
        uri = client.open(file, text)
        client.diagnostics(uri, version=1)
        first = time.perf_counter() - start
        times = []
        for version in range(2, rounds + 2):
            mark = client.mark()
            start = time.perf_counter()
            client.change(uri, text + f"\n# edit {version}\n", version)
            client.save(uri)
            client.diagnostics(uri, after=mark, version=version)
            times.append(time.perf_counter() - start)
        client.shutdown()
    finally:
        client.kill()
    return summary("end to end", first, times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=REPO / "examples")
    parser.add_argument("--file", type=Path, default=REPO / "examples" / "src" / "api" / "app.py")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    project, file = args.project.resolve(), args.file.resolve()
    os.chdir(project)
    print(f"{file.relative_to(project)} in {project}")
    print(in_process(project, file, args.rounds))
    print(end_to_end(project, file, args.rounds))


if __name__ == "__main__":
    main()
