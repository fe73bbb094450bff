"""What the lambdalint GitHub Action (action.yml) runs: install lambdalint, run
`lambdalint check`, leave SARIF for code scanning or print annotations, and exit
with lambdalint's exit code (0 clean, 1 findings, 2 a configuration or usage error).

It reads its inputs from environment variables, the way action.yml passes them,
so it runs the same on a laptop:

    LAMBDALINT_VERSION=current GITHUB_ACTION_PATH=. LAMBDALINT_PATHS=examples python3 action/run.py

Inputs (see `INPUTS`): the lambdalint to install, whether to install it at all (a
workflow that installed it already says `false`), the paths to check, more
`lambdalint check` options, and whether to write SARIF (for the upload step of
action.yml) instead of printing annotations. Outputs, in `$GITHUB_OUTPUT` when it
is set: `exit-code`, and `sarif-file` (an absolute path) when one was written.

Standard library only: it runs before lambdalint is installed, on whatever
Python the runner has.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Environment variable -> (action input, default).
INPUTS = {
    "LAMBDALINT_VERSION": ("version", "current"),
    "LAMBDALINT_INSTALL": ("install", "true"),
    "LAMBDALINT_PATHS": ("paths", "."),
    "LAMBDALINT_ARGS": ("args", ""),
    "LAMBDALINT_UPLOAD_SARIF": ("upload-sarif", "false"),
    "LAMBDALINT_SARIF_FILE": ("sarif-file", "lambdalint.sarif"),
}
EXIT_ERROR = 2
# Options the action sets itself: the report goes where the chosen mode needs it.
OWN_OPTIONS = ("--output-format", "-o", "--output-file")
VERSION = re.compile(r"^\d+(\.\d+)*([a-z]+\d*)?(\.(post|dev)\d+)?$")
SHOWN_RESULTS = 50


class InputError(Exception):
    """An input the action cannot use; the message names it."""


def get(name: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or INPUTS[name][1]


def flag(name: str) -> bool:
    value = get(name).lower()
    if value not in ("true", "false"):
        raise InputError(f"input `{INPUTS[name][0]}` must be true or false, not {get(name)!r}")
    return value == "true"


def requirement(version: str) -> str:
    """What pip installs for the `version` input."""
    if version == "current":
        action_path = os.environ.get("GITHUB_ACTION_PATH", "").strip()
        if not action_path or not (Path(action_path) / "pyproject.toml").is_file():
            raise InputError("input `version: current` installs lambdalint from the action's own checkout, "
                             "but GITHUB_ACTION_PATH does not name one")
        return str(Path(action_path).resolve())
    if version == "latest":
        return "lambdalint"
    if VERSION.match(version):
        return f"lambdalint=={version}"
    if version[0] in "<>=!~":
        return f"lambdalint{version}"
    if os.path.exists(version):
        return str(Path(version).resolve())
    raise InputError(f"input `version` must be `current`, `latest`, a version such as 0.1.0, a pip "
                     f"specifier such as `>=0.1,<0.2`, or a local path; not {version!r}")


def group(title: str) -> None:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::group::{title}", flush=True)
    else:
        print(f"== {title}", flush=True)


def end_group() -> None:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print("::endgroup::", flush=True)


def install(version: str) -> list[str]:
    """Install lambdalint into a virtualenv of its own (the runner's Python may be
    externally managed, and the project's own packages stay untouched); returns the
    command that runs it."""
    wanted = requirement(version)
    base = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    venv = Path(tempfile.mkdtemp(prefix="lambdalint-action-", dir=base))
    group(f"Install lambdalint ({wanted})")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wanted],
                       check=True)
    finally:
        end_group()
    return [str(python), "-m", "lambdalint"]


def installed() -> list[str]:
    """The lambdalint the workflow installed itself."""
    found = shutil.which("lambdalint")
    return [found] if found else [sys.executable, "-m", "lambdalint"]


def check_args(sarif: Path | None) -> list[str]:
    args = shlex.split(get("LAMBDALINT_ARGS"))
    clash = [a for a in args if a.split("=", 1)[0] in OWN_OPTIONS]
    if clash:
        raise InputError(f"input `args` must not set {clash[0].split('=', 1)[0]}: the action chooses the "
                         "report's format (annotations, or SARIF with `upload-sarif: true`)")
    paths = get("LAMBDALINT_PATHS").split()
    mode = ["--output-format", "sarif", "-o", str(sarif)] if sarif is not None else ["--output-format", "github"]
    return ["check", *mode, *args, *paths]


def show_sarif(path: Path) -> None:
    """The SARIF's results in the log, one line each (the annotations are left to code scanning)."""
    try:
        log = json.loads(path.read_text(encoding="utf-8"))
        results = [result for run in log.get("runs", []) for result in run.get("results", [])]
    except (OSError, ValueError, AttributeError):
        print(f"lambdalint: {path} is not a SARIF file lambdalint wrote", flush=True)
        return
    for result in results[:SHOWN_RESULTS]:
        where = result.get("locations", [{}])[0].get("physicalLocation", {})
        uri = where.get("artifactLocation", {}).get("uri", "?")
        region = where.get("region", {})
        print(f"{uri}:{region.get('startLine', '?')}:{region.get('startColumn', '?')}: "
              f"{result.get('ruleId')} {result.get('message', {}).get('text', '')}", flush=True)
    more = len(results) - SHOWN_RESULTS
    print(("" if more <= 0 else f"... and {more} more\n")
          + f"Wrote {len(results)} result{'s' if len(results) != 1 else ''} to {path}.", flush=True)


def set_outputs(**outputs: str) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        for name, value in outputs.items():
            handle.write(f"{name}={value}\n")


def main() -> int:
    try:
        sarif = Path(get("LAMBDALINT_SARIF_FILE")).resolve() if flag("LAMBDALINT_UPLOAD_SARIF") else None
        args = check_args(sarif)
        command = install(get("LAMBDALINT_VERSION")) if flag("LAMBDALINT_INSTALL") else installed()
    except InputError as error:
        print(f"::error title=lambdalint action::{error}", flush=True)
        set_outputs(**{"exit-code": str(EXIT_ERROR)})
        return EXIT_ERROR
    except subprocess.CalledProcessError as error:
        print(f"::error title=lambdalint action::installing lambdalint failed (exit code {error.returncode})",
              flush=True)
        set_outputs(**{"exit-code": str(EXIT_ERROR)})
        return EXIT_ERROR
    subprocess.run([*command, "--version"], check=False)
    if sarif is not None and sarif.exists():
        sarif.unlink()  # a stale file from an earlier step must not be uploaded
    print("$ lambdalint " + shlex.join(args), flush=True)
    code = subprocess.run([*command, *args], check=False).returncode
    outputs = {"exit-code": str(code)}
    if sarif is not None and sarif.is_file():
        show_sarif(sarif)
        outputs["sarif-file"] = str(sarif)
    set_outputs(**outputs)
    return code


if __name__ == "__main__":
    sys.exit(main())
