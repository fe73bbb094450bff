"""Each function imports from its own environment, as Lambda builds `sys.path`: its code
root, then its layers (defined in the template, or found by the packages it imports
when the template names them by ARN), never another function's files. Module names
start at the code root. Files named one by one are judged inside their project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import copy_distribution, pyproject, run_cli, write

from lambdalint.environments import Deployed, layout
from lambdalint.model.imports import Environment, ImportSpace, infer_root, layer_roots
from lambdalint.prescan import scan

CLIENT_HELPER = '''\
import boto3


def connect():
    return boto3.client("s3")
'''
CLEAN_HELPER = '''\
def connect():
    return {"ok": True}
'''
HANDLER = '''\
import utils


def handler(event, context):
    return utils.connect()
'''


def _json(*args: str) -> list[dict]:
    run = run_cli("check", "--no-cache", "--output-format", "json", *args)
    assert run.exit_code in (0, 1), run.stderr
    return json.loads(run.stdout)


def _where(findings: list[dict]) -> list[tuple[str, str, int]]:
    return sorted((f["filename"], f["code"], f["location"]["row"]) for f in findings)


TWO_FUNCTIONS = '''\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/a/
      Handler: app.handler
      Layers: [!Ref Common]
  B:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/b/
      Handler: app.handler
      Layers: [!Ref Common]
  Common:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/common/
'''


def test_same_named_modules_resolve_within_their_own_function(workdir):
    write(workdir, {"template.yaml": TWO_FUNCTIONS,
                    "functions/a/app.py": HANDLER, "functions/a/utils.py": CLIENT_HELPER,
                    "functions/b/app.py": HANDLER, "functions/b/utils.py": CLEAN_HELPER})
    assert _where(_json(".")) == [("functions/a/utils.py", "LAM101", 5)]


def test_a_layer_module_imports_from_the_function_that_runs_it(workdir):
    """`import utils` in a layer means the code root's `utils` of whichever function
    runs it (/var/task comes first on the path): analysed once per environment."""
    layer_db = "import utils\n\n\ndef get():\n    return utils.connect()\n"
    caller = "from common.db import get\n\n\ndef handler(event, context):\n    return get()\n"
    write(workdir, {"template.yaml": TWO_FUNCTIONS,
                    "layers/common/python/common/__init__.py": "",
                    "layers/common/python/common/db.py": layer_db,
                    "functions/a/app.py": caller, "functions/a/utils.py": CLIENT_HELPER,
                    "functions/b/app.py": caller, "functions/b/utils.py": CLEAN_HELPER})
    findings = _json(".")
    assert _where(findings) == [("functions/a/utils.py", "LAM101", 5)]
    assert "called from `handler -> get`" in findings[0]["message"]


def test_a_shared_layer_helper_is_reported_once_for_the_functions_that_reach_it(workdir):
    helper = "import boto3\n\n\ndef table():\n    return boto3.resource('dynamodb').Table('t')\n"
    caller = "from common.db import table\n\n\ndef handler(event, context):\n    return table().get_item(Key={})\n"
    write(workdir, {"template.yaml": TWO_FUNCTIONS,
                    "layers/common/python/common/db.py": helper,
                    "functions/a/app.py": caller, "functions/b/app.py": caller})
    assert _where(_json(".")) == [("layers/common/python/common/db.py", "LAM101", 5)]
    listed = json.loads(run_cli("handlers", "--output-format", "json", ".").stdout)
    assert [(e["file"], e["environment"]["code_root"], e["environment"]["layers"]) for e in listed] == [
        ("functions/a/app.py", "functions/a", ["layers/common/python"]),
        ("functions/b/app.py", "functions/b", ["layers/common/python"]),
    ]
    assert all(e["invocation_scope"][0]["file"] == "layers/common/python/common/db.py" for e in listed)


def test_a_layer_known_only_by_arn_is_found_by_the_package_the_handler_imports(workdir):
    template = TWO_FUNCTIONS.replace("Layers: [!Ref Common]",
                                     "Layers: [arn:aws:lambda:eu-west-1:123456789012:layer:common:4]")
    helper = "import boto3\n\n\ndef table():\n    return boto3.resource('dynamodb').Table('t')\n"
    caller = "from common_lib.db import table\n\n\ndef handler(event, context):\n    return table()\n"
    write(workdir, {"template.yaml": template, "layers/common/python/common_lib/db.py": helper,
                    "functions/a/app.py": caller, "functions/b/app.py": "def handler(event, context):\n    pass\n"})
    assert _where(_json(".")) == [("layers/common/python/common_lib/db.py", "LAM101", 5)]
    text = run_cli("handlers", ".").stdout
    assert "imports from: functions/a/ (code root); layers: layers/common/python/" in text


def test_module_names_start_at_the_code_root(workdir):
    write(workdir, {"template.yaml": TWO_FUNCTIONS, "functions/a/app.py": HANDLER,
                    "functions/a/utils.py": CLIENT_HELPER, "functions/b/app.py": HANDLER,
                    "functions/b/utils.py": CLEAN_HELPER})
    listed = json.loads(run_cli("handlers", "--output-format", "json", ".").stdout)
    assert [e["handler"] for e in listed] == ["app.handler", "app.handler"]
    assert listed[0]["invocation_scope"][0]["function"] == "utils.connect"


def test_without_templates_each_function_folder_is_its_own_root(workdir):
    write(workdir, {"orders/app.py": HANDLER, "orders/utils.py": CLIENT_HELPER,
                    "payments/app.py": HANDLER, "payments/utils.py": CLEAN_HELPER})
    assert _where(_json(".")) == [("orders/utils.py", "LAM101", 5)]


def test_configured_src_roots_name_where_imports_start(workdir):
    write(workdir, {"services/orders/handler.py": "from lib.aws import connect\n\n\ndef handler(event, context):\n"
                                                  "    return connect()\n",
                    "services/orders/lib/aws.py": CLIENT_HELPER, "services/lib/aws.py": CLEAN_HELPER})
    pyproject(workdir, 'src = ["services"]\n')
    assert _where(_json(".")) == []  # `lib.aws` from the configured root `services`
    pyproject(workdir, 'src = ["services/*"]\n')
    assert _where(_json(".")) == [("services/orders/lib/aws.py", "LAM101", 5)]


def test_serverless_and_cdk_layers_put_their_folders_on_the_path(workdir):
    helper = "import boto3\n\n\ndef table():\n    return boto3.resource('dynamodb').Table('t')\n"
    caller = "from shared.db import table\n\n\ndef handler(event, context):\n    return table()\n"
    write(workdir, {
        "sls/serverless.yml": '''
            service: shop
            provider: {name: aws, runtime: python3.12, timeout: 10}
            layers:
              shared:
                path: layer
            functions:
              orders:
                handler: handler.handler
                layers: [{Ref: SharedLambdaLayer}]
        ''',
        "sls/handler.py": caller, "sls/layer/python/shared/db.py": helper,
        "cdk/cdk.json": "{}",
        "cdk/app.py": '''
            from aws_cdk import Duration, Stack, aws_lambda as _lambda
            from aws_cdk.aws_lambda_python_alpha import PythonLayerVersion


            class Shop(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    deps = PythonLayerVersion(self, "Shared", entry="layer")
                    _lambda.Function(self, "Orders", runtime=_lambda.Runtime.PYTHON_3_12, handler="handler.handler",
                                     code=_lambda.Code.from_asset("src"), layers=[deps], timeout=Duration.seconds(10))
        ''',
        "cdk/src/handler.py": caller, "cdk/layer/shared/db.py": helper,
    })
    assert _where(_json(".")) == [("cdk/layer/shared/db.py", "LAM101", 5),
                                  ("sls/layer/python/shared/db.py", "LAM101", 5)]
    listed = json.loads(run_cli("handlers", "--output-format", "json", ".").stdout)
    assert {e["file"]: e["environment"]["layers"] for e in listed} == {
        "cdk/src/handler.py": ["cdk/layer"], "sls/handler.py": ["sls/layer/python"]}


# -- a few files, judged inside their project --------------------------------------------------


PROJECT = {
    "template.yaml": TWO_FUNCTIONS,
    "layers/common/python/common/db.py": "import boto3\n\n\ndef table():\n    return boto3.resource('dynamodb')\n",
    "functions/a/app.py": "from common.db import table\nimport utils\n\n\ndef handler(event, context):\n"
                          "    utils.connect()\n    return table()\n",
    "functions/a/utils.py": CLIENT_HELPER,
    "functions/b/app.py": HANDLER, "functions/b/utils.py": CLEAN_HELPER,
    "scripts/tool.py": "password = 'Zq8#vB2!kLm9$Xp4'\n",
}


def test_checking_a_file_gives_what_the_whole_project_gives_there(workdir):
    write(workdir, PROJECT)
    whole = _json(".")
    for name in PROJECT:
        alone = _json(name)
        assert alone == [f for f in whole if f["filename"] == name], name


def test_checking_a_file_from_another_folder_finds_its_project(workdir):
    write(workdir, PROJECT)
    os.chdir(workdir / "functions")
    findings = _json("a/utils.py")
    assert _where(findings) == [("a/utils.py", "LAM101", 5)]
    assert "called from `handler`" in findings[0]["message"]


def test_a_file_with_no_project_around_it_is_checked_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    work = tmp_path / "loose"
    write(work, {"utils.py": CLIENT_HELPER, "app.py": HANDLER})
    monkeypatch.chdir(work)
    assert _json("utils.py") == []  # nothing calls it per invocation when checked alone
    assert _where(_json(".")) == [("utils.py", "LAM101", 5)]


def test_flake8_reports_a_helpers_cross_module_finding(workdir):
    write(workdir, PROJECT)
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "LAM", "functions/a/utils.py",
                           "layers/common/python/common/db.py", "functions/b/utils.py"],
                          cwd=workdir, capture_output=True, text=True, timeout=300)
    lines = sorted(proc.stdout.splitlines())
    assert [line.split(" ")[0] + " " + line.split(" ")[1] for line in lines] == [
        "functions/a/utils.py:5:12: LAM101", "layers/common/python/common/db.py:5:12: LAM101"], proc.stderr


# -- the pieces ---------------------------------------------------------------------------------


def test_import_space_searches_roots_in_order():
    files = frozenset({"fn/utils.py", "layer/python/utils.py", "layer/python/pkg/__init__.py", "fn/pkg/mod.py"})
    space = ImportSpace(files)
    env = Environment("fn", ("fn", "layer/python"))
    assert space.find("utils", env) == "fn/utils.py"
    assert space.find("pkg", env) == "layer/python/pkg/__init__.py"
    assert space.find("pkg.mod", env) == "fn/pkg/mod.py"
    assert space.find("boto3", env) is None
    assert space.module_name("fn/pkg/mod.py", env) == ("pkg.mod", False)
    assert space.module_name("layer/python/pkg/__init__.py", env) == ("pkg", True)


def test_suffix_fallback_never_lands_in_another_functions_code():
    files = frozenset({"a/app.py", "b/app.py", "b/helpers.py", "lib/x/helpers2.py"})
    a = Environment("a", ("a",), suffix_fallback=True)
    b = Environment("b", ("b",), suffix_fallback=True)
    space = ImportSpace.of(files, [a, b])
    assert space.find("helpers", a) is None
    assert space.find("x.helpers2", a) == "lib/x/helpers2.py"  # code no function claims
    assert space.find("helpers", b) == "b/helpers.py"


def test_layer_roots_follow_lambdas_opt_layout():
    files = frozenset({"l1/python/a.py", "l1/python/lib/python3.12/site-packages/b/__init__.py", "l2/c.py"})
    assert layer_roots("l1", files) == ("l1/python/lib/python3.12/site-packages", "l1/python")
    assert layer_roots("l2", files) == ("l2",)  # built into python/ by `sam build` or CDK


def test_infer_root_picks_the_folder_imports_resolve_from():
    files = frozenset({"src/api/app.py", "src/shared/aws.py", "svc/app.py", "svc/utils.py", "pkg/mod/h.py",
                       "pkg/mod/__init__.py", "pkg/mod/db.py"})
    assert infer_root("src/api/app.py", ["shared.aws", "boto3"], [], files) == "src"
    assert infer_root("svc/app.py", ["utils"], [], files) == "svc"
    assert infer_root("svc/app.py", ["boto3"], [], files) == "svc"
    assert infer_root("pkg/mod/h.py", [], ["pkg/mod/db"], files) == "pkg"


def test_layout_groups_functions_with_the_same_search_path():
    texts = {"src/api/app.py": "from shared.aws import x\ndef handler(event, context): pass\n",
             "src/orders/app.py": "def handler(event, context): pass\n",
             "src/shared/aws.py": "x = 1\n", "tools/cli.py": "def handler(event, context): pass\n"}
    scans = {rel: scan(rel, text) for rel, text in texts.items()}
    deployed = [Deployed("t#Api", "template.yaml (Api)", "src", "src/api/app.py"),
                Deployed("t#Orders", "template.yaml (Orders)", "src", "src/orders/app.py"),
                Deployed("t#Remote", "template.yaml (Remote)", None, None)]
    found = layout(scans, deployed)
    (src,) = [env for env in found.environments if env.kind == "template"]
    assert src.roots == ("src",) and src.name == "template.yaml (Api) and 1 more"
    assert found.functions[src] == {"t#Api", "t#Orders"}
    assert found.homeless == {"t#Remote"}
    assert [group for group in found.groups(src, scans)] == [["src/api/app.py", "src/shared/aws.py"],
                                                            ["src/orders/app.py"]]
    (tools,) = [env for env in found.environments if env.kind == "inferred"]
    assert tools.roots == ("tools",)


@pytest.mark.parametrize("vendored", [False, True])
def test_a_vendored_boto3_in_a_layer_changes_nothing_elsewhere(workdir, vendored):
    handlers = {f"functions/f{i}/app.py": "import boto3\n\n\ndef handler(event, context):\n"
                                          "    return boto3.client('s3').list_buckets()\n" for i in range(3)}
    write(workdir, handlers)
    if vendored:
        copy_distribution("boto3", workdir / "layers/sdk/python")
    assert [code for _, code, _ in _where(_json("."))] == ["LAM101"] * 3


def test_a_globals_setting_of_functions_in_different_environments_is_one_finding(workdir):
    template = TWO_FUNCTIONS.replace("Runtime: python3.12", "Runtime: python3.8")
    write(workdir, {"template.yaml": template, "functions/a/app.py": HANDLER, "functions/a/utils.py": CLEAN_HELPER,
                    "functions/b/app.py": HANDLER, "functions/b/utils.py": CLEAN_HELPER})
    (finding,) = [f for f in _json(".") if f["code"] == "LAM002"]
    assert "of `A`, `B` reached" in finding["message"]


def test_a_local_distribution_is_installed_into_the_functions(workdir):
    """`shared/src/ecom` with its own setup.py is a package the build installs into
    each function: `from ecom.db import table` means that folder's module."""
    helper = "import boto3\n\n\ndef table():\n    return boto3.resource('dynamodb').Table('t')\n"
    caller = "from ecom.db import table\n\n\ndef handler(event, context):\n    return table()\n"
    write(workdir, {"template.yaml": TWO_FUNCTIONS.replace("      Layers: [!Ref Common]\n", ""),
                    "shared/src/ecom/setup.py": "from setuptools import setup\nsetup(name='ecom')\n",
                    "shared/src/ecom/ecom/__init__.py": "", "shared/src/ecom/ecom/db.py": helper,
                    "functions/a/app.py": caller, "functions/b/app.py": HANDLER,
                    "functions/b/utils.py": CLEAN_HELPER})
    assert _where(_json(".")) == [("shared/src/ecom/ecom/db.py", "LAM101", 5)]


def test_a_copy_of_a_known_library_never_stands_for_it(workdir):
    """A layer or a local distribution holding boto3's source without any installation
    record (copied in by hand) still does not change what `boto3.client` means."""
    write(workdir, {"template.yaml": TWO_FUNCTIONS,
                    "layers/common/python/boto3/__init__.py": "def client(name):\n    return name\n",
                    "vendor/boto3/setup.py": "from setuptools import setup\nsetup(name='boto3')\n",
                    "vendor/boto3/boto3/__init__.py": "def client(name):\n    return name\n",
                    "functions/a/app.py": "import boto3\n\n\ndef handler(event, context):\n"
                                          "    return boto3.client('s3')\n",
                    "functions/b/app.py": "def handler(event, context):\n    return None\n"})
    assert _where(_json(".")) == [("functions/a/app.py", "LAM101", 5)]
