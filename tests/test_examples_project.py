"""The example project in examples/ is what a new user runs lambdalint on first.

The findings below are written by hand from the mistakes examples/README.md
describes. Codes whose rule module has not landed yet are dropped from the
expectation at test time, so this test tightens by itself as rules arrive.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambdalint.registry import load_registry

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

# (file, line, code): every finding the example project must produce, and nothing else.
EXPECTED = {
    ("examples/src/api/app.py", 25, "LAM107"),  # re.compile(<literal>) in the handler
    ("examples/src/api/app.py", 29, "LAM101"),  # boto3.client("dynamodb") in the handler
    ("examples/src/api/app.py", 37, "LAM105"),  # uncached get_secret_value per request
    ("examples/src/orders/worker.py", 27, "LAM106"),  # sys.exit(1) in the handler
    ("examples/src/orders/worker.py", 52, "LAM102"),  # requests.Session() per message
    ("examples/src/shared/aws.py", 29, "LAM101"),  # boto3.resource via the shared helper
    ("examples/src/thumbnails/app.py", 20, "LAM108"),  # os.environ["AWS_REGION"] = ...
    ("examples/reports/template.yaml", 19, "LAM004"),  # default 3 s timeout, calls S3
    ("examples/reports/template.yaml", 33, "LAM003"),  # Timeout 10 < requests timeout (3, 9)
    ("examples/reports/template.yaml", 35, "LAM005"),  # returns batchItemFailures, not enabled
    ("examples/reports/template.yaml", 44, "LAM001"),  # reports.archive.handler does not exist
    ("examples/reports/template.yaml", 45, "LAM002"),  # python3.9 is deprecated
    ("examples/terraform/main.tf", 31, "LAM004"),  # no timeout, calls S3 and DynamoDB
    ("examples/terraform/main.tf", 35, "LAM002"),  # var.python_runtime defaults to python3.9
}

# name of the handler -> (file, line of its def, functions that must be in its invocation scope)
# Module names start at each function's code root (the templates' `CodeUri`).
HANDLERS = {
    "thumbnails.app.lambda_handler": (
        "examples/src/thumbnails/app.py", 31, {"thumbnails.app.make_thumbnail"}),
    "orders.worker.handle_batch": (
        "examples/src/orders/worker.py", 24,
        {"orders.worker.notify_shipping", "shared.aws.orders_table"}),
    "api.app.lambda_handler": (
        "examples/src/api/app.py", 19,
        {"api.app.api_key", "shared.aws.secrets_client"}),
    "reports.daily.build_report": ("examples/reports/src/reports/daily.py", 12, set()),
    "reports.export.process": (
        "examples/reports/src/reports/export.py", 10, {"reports.export.send"}),
    "reports.archive.archive_reports": (
        "examples/reports/src/reports/archive.py", 4, set()),
    "receipts.lambda_handler": ("examples/terraform/src/receipts.py", 15, set()),
}


def _lambdalint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambdalint", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )


def _available_codes() -> set[str]:
    return set(load_registry(include_plugins=False).rules)


def test_the_example_project_reports_exactly_the_documented_mistakes():
    result = _lambdalint("check", "examples/", "--output-format", "json")
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    findings = json.loads(result.stdout)
    actual = {(f["filename"], f["location"]["row"], f["code"]) for f in findings}
    expected = {item for item in EXPECTED if item[2] in _available_codes()}
    assert actual == expected, "\n".join(
        f"{f['filename']}:{f['location']['row']}: {f['code']} {f['message']}" for f in findings
    )


def test_the_good_patterns_in_the_examples_stay_quiet():
    """Module-level clients, lazy init and cached secrets must never be reported."""
    result = _lambdalint("check", "examples/", "--output-format", "json", "--exit-zero")
    rows = {(f["filename"], f["location"]["row"]) for f in json.loads(result.stdout)}
    quiet = {
        ("examples/src/thumbnails/app.py", 23),  # s3 = boto3.client("s3") at module scope
        ("examples/src/thumbnails/app.py", 28),  # IMAGE_KEY = re.compile(...) at module scope
        ("examples/src/shared/aws.py", 23),  # lazy init behind `if _secrets is None`
        ("examples/src/orders/worker.py", 65),  # get_secret_value inside an lru_cache'd function
    }
    assert not rows & quiet


def test_every_line_named_in_the_examples_readme_is_expected():
    """examples/README.md and EXPECTED describe the same mistakes."""
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for path, line, code in EXPECTED:
        short = path.removeprefix("examples/")
        assert f"`{short}:{line}` | {code}" in text, (path, line, code)


def test_handlers_lists_every_handler_and_its_invocation_scope():
    result = _lambdalint("handlers", "examples/", "--output-format", "json")
    assert result.returncode == 0, result.stderr
    entries = {entry["handler"]: entry for entry in json.loads(result.stdout)}
    assert set(entries) == set(HANDLERS)
    for name, (path, line, scope) in HANDLERS.items():
        entry = entries[name]
        assert (entry["file"], entry["line"], entry["kind"]) == (path, line, "handler")
        assert scope <= {item["function"] for item in entry["invocation_scope"]}
    # The cached secret reader is init-once code, not invocation scope.
    worker_scope = {item["function"] for item in entries["orders.worker.handle_batch"]["invocation_scope"]}
    assert "orders.worker.webhook_token" not in worker_scope


def test_handlers_text_output_names_each_handler():
    result = _lambdalint("handlers", "examples/")
    assert result.returncode == 0, result.stderr
    for name, (path, line, _) in HANDLERS.items():
        assert f"{path}:{line}: {name} [handler:" in result.stdout


@pytest.mark.parametrize("handler", ["thumbnails.app.lambda_handler", "orders.worker.handle_batch",
                                     "api.app.lambda_handler"])
def test_template_handlers_name_functions_that_exist(handler):
    """Each `Handler:` in template.yaml points at a real module and function."""
    template = (EXAMPLES / "template.yaml").read_text(encoding="utf-8")
    assert f"Handler: {handler}" in template
    module, _, function = handler.rpartition(".")
    source = (EXAMPLES / "src" / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
    assert f"\ndef {function}(event, context):" in source
    assert "Runtime: python3.12" in template


def test_the_terraform_function_is_shown_with_its_address():
    result = _lambdalint("handlers", "examples/terraform")
    assert result.returncode == 0, result.stderr
    assert ("examples/terraform/src/receipts.py:15: receipts.lambda_handler "
            "[handler: examples/terraform/main.tf (aws_lambda_function.receipts)]") in result.stdout
    assert ("deployed as aws_lambda_function.receipts (examples/terraform/main.tf:31): runtime python3.9, "
            "timeout 3 s (default), memory 256 MB") in result.stdout
