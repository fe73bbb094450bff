"""LAM703 event-code-injection."""

from __future__ import annotations

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.catalog import taint as catalog

from ._taint import EventTaintRule


class EventCodeInjection(EventTaintRule):
    """
    ## What it does
    Flags event data that is run as code or deserialised by a loader that can run
    code: `eval`, `exec`, `compile`, `pickle.loads`/`load`, `marshal.loads`/`load`,
    `dill`, `cloudpickle`, `jsonpickle.decode`, `pandas.read_pickle`,
    `yaml.unsafe_load`, and `yaml.load`/`load_all` without a safe loader
    (`SafeLoader`, `CSafeLoader`, `BaseLoader`).

    Event data means values read from the handler's first parameter (any name),
    `app.current_event`, route path parameters and record handlers' records, followed
    through decoding (`base64`, `json.loads`), assignments, containers and the
    project's own functions; the message names the line where it was read.

    ## Why is this bad?
    `eval` and `exec` run whatever the caller sends. Unpickling is no safer: a pickle
    names callables to invoke while it loads, so a crafted payload runs commands
    before your code ever sees the result, and so does YAML with the full or unsafe
    loader (`!!python/object/apply`). The code runs with the function's role and its
    credentials.

    Not flagged: `yaml.safe_load` and `yaml.load(..., Loader=yaml.SafeLoader)`,
    `json.loads`, `ast.literal_eval`, code or pickles that do not come from the
    event (a model file bundled with the function or read from your own bucket, and
    what an AWS SDK call made with event data returns (`get_secret_value(SecretId=event["SecretId"])`
    answers with the secret, which is AWS's data, not the caller's)), and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: the data needs a format that cannot carry code (JSON, or YAML
    with the safe loader), and both ends must change.

    ## References
    - [How lambdalint follows event data](https://github.com/lambdalint/lambdalint/blob/main/docs/taint.md)
    - [Python `pickle`: security warning](https://docs.python.org/3/library/pickle.html)
    - [PyYAML: `yaml.load(input)` deprecation and the safe loader](https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation)
    - [Python `ast.literal_eval`](https://docs.python.org/3/library/ast.html#ast.literal_eval)
    - [CWE-94: Code Injection](https://cwe.mitre.org/data/definitions/94.html), [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
    """

    code = "LAM703"
    name = "event-code-injection"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    words = ("eval", "exec", "compile", "load", "decode")
    tags = ("security", "injection")
    kind = catalog.CODE
    advice = (
        "never evaluate or unpickle event data; parse it with `json.loads`, "
        "`ast.literal_eval` or `yaml.safe_load`"
    )

    examples = [
        Bad('''
            def calculate(expression):
                return eval(expression)  # expect

            def lambda_handler(event, context):
                formula = event["queryStringParameters"]["formula"]
                return {"statusCode": 200, "body": str(calculate(formula))}
        '''),
        Good('''
            import ast

            OPERATIONS = {"double": "x * 2", "square": "x ** 2"}

            def lambda_handler(event, context):
                values = ast.literal_eval(event["queryStringParameters"]["values"])
                expression = OPERATIONS.get(event["queryStringParameters"]["operation"], "x")
                return [eval(expression, {"x": value}) for value in values]
        '''),
        Bad('''
            import base64
            import pickle as pkl

            def lambda_handler(event, context):
                blob = base64.b64decode(event["body"])
                state = pkl.loads(blob)  # expect
                return state["count"]
        '''),
        Good('''
            import json
            import yaml

            def lambda_handler(event, context):
                config = yaml.safe_load(event["body"])
                extra = yaml.load(event["extra"], Loader=yaml.SafeLoader)
                payload = json.loads(event["payload"])
                return config, extra, payload
        '''),
        Bad('''
            import yaml
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver

            app = APIGatewayRestResolver()

            @app.post("/config")
            def upload_config():
                document = app.current_event.body
                config = yaml.load(document, Loader=yaml.Loader)  # expect
                return {"keys": sorted(config)}

            def lambda_handler(event, context):
                return app.resolve(event, context)
        '''),
        Good('''
            import pickle
            import boto3

            s3 = boto3.client("s3")
            MODEL = pickle.loads(s3.get_object(Bucket="models", Key="model.pkl")["Body"].read())

            def lambda_handler(event, context):
                return {"score": MODEL.predict([event["features"]])[0]}
        '''),
        Bad('''
            def lambda_handler(event, context):
                for record in event["Records"]:
                    exec(record["body"])  # expect
        '''),
    ]
