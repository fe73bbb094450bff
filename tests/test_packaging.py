"""The built wheel works on its own: `rules/` ships as `lambdalint.rules`.

Builds a wheel from a copy of the source tree (so the checkout gets no build/
leftovers), installs it into a brand-new virtualenv, and runs the installed
`lambdalint` from a folder outside the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from lambdalint.registry import load_registry

REPO = Path(__file__).resolve().parent.parent
SOURCE_ITEMS = ("pyproject.toml", "README.md", "LICENSE", "lambdalint", "rules")


def _run(args: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if sys.platform == "win32" else "bin") / name


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(virtualenv, wheel): the wheel built from this checkout, installed in a fresh venv."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in SOURCE_ITEMS:
        item = REPO / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=ignore)
        elif item.is_file():
            shutil.copy2(item, source / name)
    dist = base / "dist"
    built = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)], cwd=base)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels = list(dist.glob("lambdalint-*.whl"))
    assert len(wheels) == 1, wheels

    venv = base / "venv"
    created = _run([sys.executable, "-m", "venv", str(venv)], cwd=base)
    assert created.returncode == 0, created.stderr
    pip = _run([str(_bin(venv, "python")), "-m", "pip", "install", "--quiet", str(wheels[0])], cwd=base)
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    return venv, wheels[0]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working folder outside the repository, with one file to check."""
    (tmp_path / "app.py").write_text(textwrap.dedent('''\
        import boto3


        def lambda_handler(event, context):
            s3 = boto3.client("s3")
            return s3.head_bucket(Bucket="reports")
    '''), encoding="utf-8")
    assert REPO not in tmp_path.parents
    return tmp_path


@pytest.mark.slow
def test_wheel_ships_rules_as_lambdalint_rules(installed):
    _, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert "lambdalint/rules/__init__.py" in names
    assert "lambdalint/rules/lam101_client_in_handler.py" in names
    assert "lambdalint/py.typed" in names
    assert not [n for n in names if n.startswith(("rules/", "tests/", "examples/"))]
    shipped = {Path(n).name for n in names if n.startswith("lambdalint/rules/")}
    in_checkout = {p.name for p in (REPO / "rules").glob("*.py")}
    assert in_checkout <= shipped


@pytest.mark.slow
def test_installed_rules_package_is_importable(installed, outside):
    venv, _ = installed
    probe = _run([str(_bin(venv, "python")), "-c",
                  "import lambdalint, lambdalint.rules; print(lambdalint.rules.__file__); "
                  "print(lambdalint.__version__)"], cwd=outside)
    assert probe.returncode == 0, probe.stderr
    location, version = probe.stdout.split()
    assert Path(location).resolve().is_relative_to(venv.resolve())
    assert version == __import__("lambdalint").__version__


@pytest.mark.slow
def test_installed_lambdalint_rules_lists_every_rule(installed, outside):
    venv, _ = installed
    run = _run([str(_bin(venv, "lambdalint")), "rules", "--output-format", "json"], cwd=outside)
    assert run.returncode == 0, run.stderr
    codes = {item["code"] for item in json.loads(run.stdout)}
    assert "LAM101" in codes
    assert codes == set(load_registry(include_plugins=False).rules)
    text = _run([str(_bin(venv, "lambdalint")), "rules"], cwd=outside)
    assert any(line.startswith("LAM101 ") for line in text.stdout.splitlines())


@pytest.mark.slow
def test_installed_lambdalint_checks_a_file(installed, outside):
    venv, _ = installed
    run = _run([str(_bin(venv, "lambdalint")), "check", "--output-format", "json", "app.py"], cwd=outside)
    assert run.returncode == 1, run.stderr
    assert [(item["filename"], item["code"]) for item in json.loads(run.stdout)] == [("app.py", "LAM101")]
    doc = _run([str(_bin(venv, "lambdalint")), "rule", "LAM101"], cwd=outside)
    assert doc.returncode == 0 and doc.stdout.startswith("# LAM101 client-in-handler")
    module = _run([str(_bin(venv, "python")), "-m", "lambdalint", "check", "app.py"], cwd=outside)
    assert module.returncode == 1 and "LAM101" in module.stdout


@pytest.mark.slow
def test_a_third_party_rule_pack_registers_through_the_entry_point_group(installed, tmp_path):
    """The README's plugin example, packaged and installed next to the wheel, is picked up."""
    venv, _ = installed
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rule_source = next(block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "(Rule)" in block)
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "mycorp_lambdalint.py").write_text(rule_source, encoding="utf-8")
    (plugin / "pyproject.toml").write_text(textwrap.dedent('''\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "mycorp-lambdalint"
        version = "0.1.0"

        [project.entry-points."lambdalint.rules"]
        mycorp = "mycorp_lambdalint"

        [tool.setuptools]
        py-modules = ["mycorp_lambdalint"]
    '''), encoding="utf-8")
    pip = _run([str(_bin(venv, "python")), "-m", "pip", "install", "--quiet", str(plugin)], cwd=tmp_path)
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    try:
        work = tmp_path / "work"
        work.mkdir()
        (work / "app.py").write_text('def lambda_handler(event, context):\n    print("hi")\n', encoding="utf-8")
        rules = _run([str(_bin(venv, "lambdalint")), "rules"], cwd=work)
        assert rules.returncode == 0 and rules.stderr == "", rules.stderr
        assert any(line.startswith("LAM951 ") for line in rules.stdout.splitlines())
        check = _run([str(_bin(venv, "lambdalint")), "check", "--output-format", "json", "app.py"], cwd=work)
        assert check.returncode == 1, check.stderr
        assert [(i["filename"], i["location"]["row"], i["code"]) for i in json.loads(check.stdout)] == [
            ("app.py", 2, "LAM951")]
    finally:
        _run([str(_bin(venv, "python")), "-m", "pip", "uninstall", "--yes", "--quiet", "mycorp-lambdalint"],
             cwd=tmp_path)
