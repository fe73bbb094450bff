"""LAM003 timeout-budget."""

from __future__ import annotations

from typing import Iterator

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.templates import Deployment, DeploymentRule, TemplateFinding, TemplateFunction, Where

from ._deployment import default_timeout_name, deployed_handlers, over_budget, seconds

_MAX_STEPS_SHOWN = 4


class TimeoutBudget(DeploymentRule):
    """
    ## What it does
    Adds up the network timeouts written as literals in a deployed function's
    invocation scope (its handler and every function the handler calls) along the
    longest path through the code, and flags the function when that sum exceeds the
    `Timeout` its template sets (3 seconds when it sets none; 6 for serverless.yml).
    The finding is reported at the function's `Timeout` line (or at the function when
    the timeout is inherited or left at the default), and lists the calls on the path.

    What counts: `timeout=` of `requests`, `httpx` and `urllib3` calls,
    `urllib.request.urlopen`, `socket.create_connection` and the standard library's
    mail and FTP clients (a `(connect, read)` pair counts as their sum, a timeout
    object as its total, a module constant as its value); and AWS SDK calls on a
    client whose `botocore.config.Config` sets `connect_timeout`/`read_timeout`, times
    the attempts its `retries` allow (botocore's default of 3 attempts, 4 for
    DynamoDB, when `retries` is not set). Statements in sequence add up; the branches
    of an `if`, a `match` and the handlers of a `try` are alternatives; a loop body
    counts once; `asyncio.gather` counts its slowest argument.

    In the example below, `src/prices.py` waits up to 8 + 5 seconds, more than the
    10-second `Timeout`:

    ```python
    def lambda_handler(event, context):
        quote = requests.get("https://quotes.example.com/latest", timeout=8)
        requests.post("https://audit.example.com/log", json=quote.json(), timeout=5)
        return quote.json()
    ```

    ## Why is this bad?
    When the function's timeout runs out, Lambda stops the invocation wherever it
    is: the code's own timeout never fires, its `except` and `finally` blocks never
    run, nothing is logged about which call hung, and an asynchronous or queue
    invocation is retried as a whole. Timeouts in the code are only useful when they
    fit inside the function's: leave the function time to handle the error.

    Only literal timeouts count, and calls without one add nothing, so the sum is a
    lower bound of the real worst case: when it already exceeds the function's
    timeout, the configuration cannot be right.

    Not flagged: functions whose timeout the template computes (a parameter or
    variable without a default, `!If`), functions of other languages, handlers the
    checked tree does not define, and waits the rule cannot add up: calls without a
    timeout or with one computed at run time add nothing (LAM004
    default-timeout-with-network covers a function left at the default timeout).

    ## Fix safety
    No automatic fix: lower the timeouts in the code (or the SDK's retries), or raise
    the function's `Timeout`, whichever matches what the function must wait for.

    ## References
    - [Configure Lambda function timeout](https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html)
    - [botocore Config: connect_timeout, read_timeout, retries](https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html)
    - [Requests: timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
    """

    code = "LAM003"
    name = "timeout-budget"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    tags = ("deployment", "reliability", "timeouts")

    examples = [
        Bad('''
            Resources:
              PriceFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: prices.lambda_handler
                  Runtime: python3.12
                  Timeout: 10  # expect
        ''', path="template.yaml", files={"src/prices.py": '''
            import requests

            def lambda_handler(event, context):
                quote = requests.get("https://quotes.example.com/latest", timeout=8)
                requests.post("https://audit.example.com/log", json=quote.json(), timeout=5)
                return quote.json()
        '''}),
        Good('''
            Resources:
              PriceFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: prices.lambda_handler
                  Runtime: python3.12
                  Timeout: 20
        ''', path="template.yaml", files={"src/prices.py": '''
            import requests

            def lambda_handler(event, context):
                quote = requests.get("https://quotes.example.com/latest", timeout=8)
                requests.post("https://audit.example.com/log", json=quote.json(), timeout=5)
                return quote.json()
        '''}),
        Bad('''
            Globals:
              Function:
                Runtime: python3.12
                Timeout: 15
            Resources:
              ExportFunction:  # expect
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: export.handler
        ''', path="template.yaml", files={"src/export.py": '''
            import boto3
            from botocore.config import Config

            s3 = boto3.client("s3", config=Config(connect_timeout=2, read_timeout=5,
                                                  retries={"max_attempts": 2}))

            def handler(event, context):
                body = s3.get_object(Bucket="exports", Key=event["key"])["Body"].read()
                return len(body)
        '''}),
        Bad('''
            service: checkout
            provider:
              name: aws
              runtime: python3.12
            functions:
              pay:  # expect
                handler: pay.handler
        ''', path="serverless.yml", files={"pay.py": '''
            from gateway import charge

            def handler(event, context):
                return charge(event["amount"])
        ''', "gateway.py": '''
            import httpx

            TIMEOUT = 4

            def charge(amount):
                httpx.post("https://pay.example.com/authorize", json={"amount": amount}, timeout=TIMEOUT)
                return httpx.post("https://pay.example.com/capture", json={"amount": amount}, timeout=TIMEOUT)
        '''}),
        Good('''
            Resources:
              Fallback:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.handler
                  Runtime: python3.12
                  Timeout: 12
        ''', path="template.yaml", files={"src/app.py": '''
            import requests

            def handler(event, context):
                if event.get("region") == "eu":
                    return requests.get("https://eu.example.com", timeout=10).json()
                else:
                    return requests.get("https://us.example.com", timeout=10).json()
        '''}),
        Good('''
            Resources:
              Poller:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.handler
                  Runtime: python3.12
                  Timeout: 30
        ''', path="template.yaml", files={"src/app.py": '''
            import requests

            def handler(event, context):
                for url in event["urls"]:
                    requests.get(url, timeout=20)
                try:
                    requests.get("https://primary.example.com", timeout=None)
                except requests.RequestException:
                    requests.get("https://backup.example.com", timeout=5)
        '''}),
        Good('''
            Resources:
              Reader:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.handler
                  Runtime: python3.12
                  Timeout: !Ref FunctionTimeout
        ''', path="template.yaml", files={"src/app.py": '''
            import requests

            def handler(event, context):
                return requests.get("https://example.com", timeout=60).text
        '''}),
    ]

    def check_templates(self, deployment: Deployment) -> Iterator[TemplateFinding]:
        for function, model, info, _ in deployed_handlers(deployment):
            wait = over_budget(deployment, function, model, info)
            if wait is None:
                continue
            shown = wait.steps[:_MAX_STEPS_SHOWN]
            path = ", then ".join(step.describe() for step in shown)
            if len(wait.steps) > len(shown):
                path += f", and {len(wait.steps) - len(shown)} more"
            handler = function.handler.value if function.handler is not None else info.qualname
            yield TemplateFinding(
                _place(function),
                f"{function.label} {_timeout_phrase(function)}, but `{handler}` can wait "
                f"{seconds(wait.seconds)} on literal network timeouts along one path: {path}; Lambda "
                "would stop the invocation before the code's own timeout fires, so lower those "
                "timeouts or raise the function's timeout",
                also=tuple(w for w in (function.where, function.timeout.where if function.timeout else None) if w),
            )


def _place(function: TemplateFunction) -> Where:
    timeout = function.timeout
    if timeout is not None and not timeout.origin:
        return timeout.where
    return function.where


def _timeout_phrase(function: TemplateFunction) -> str:
    limit = function.timeout_seconds or function.default_timeout
    if function.timeout is None:
        return f"keeps {default_timeout_name(function)} of {seconds(limit)}"
    return f"has a timeout of {seconds(limit)}{function.timeout.describe()}"
