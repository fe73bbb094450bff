"""LAM503 api-body-not-string."""

from __future__ import annotations

import libcst as cst

from lambdalint import Bad, FixAvailability, Fixed, Good, Rule, Severity
from lambdalint.catalog import events as ev
from lambdalint.fix import Applicability, Fix, ImportSpec
from lambdalint.model.event_sources import dict_key

from ._events import MISSING, code_of, lookup, shorten

_JSON = "json"


class ApiBodyNotString(Rule):
    """
    ## What it does
    Flags a handler that answers API Gateway, an Application Load Balancer or a
    function URL with a response (a dict with `statusCode`) whose `body` is not a
    string: a dict, list, tuple, set, number or boolean literal (or comprehension),
    or a name bound to one.

    A `statusCode` alone does not make a response an HTTP one: a function invoked
    by another function, a Step Functions task or Amazon Connect may return
    `{"statusCode": 200, "body": {...}}` to a caller that reads `body` as a dict.
    So the rule speaks only when the function is known to answer HTTP: its template
    declares an API Gateway (REST, HTTP or WebSocket), ALB or function URL event;
    it takes a Powertools HTTP event type (`APIGatewayProxyEvent`,
    `LambdaFunctionUrlEvent`, `ALBEvent`, ...) or answers through a Powertools
    resolver; or it reads request fields from its event (`httpMethod`,
    `requestContext`, `pathParameters`, `queryStringParameters`, `rawPath`, ...).

    ## Why is this bad?
    With a Lambda proxy integration, API Gateway (REST and HTTP APIs), Application
    Load Balancers and function URLs pass `body` to the client as the response
    text, and it must be a string. A dict there makes the integration fail: API
    Gateway answers `502 Bad Gateway` ("Malformed Lambda proxy response") although
    the function succeeded, and the error shows up in API Gateway's logs rather than
    the function's. Serialise the body with `json.dumps(...)` (and set a
    `Content-Type` header).

    The response counts when the handler, or a function it calls, returns the dict
    directly or through a name. Not flagged: functions nothing shows an HTTP caller
    for (however their response looks), bodies that are
    strings or calls (`json.dumps(...)`, `str(...)`), parameters of a response
    helper (the caller decides what they hold), Powertools event-handler routes,
    whose return values Powertools serialises itself, and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    The fix wraps the body in `json.dumps(...)` and adds `import json` when the
    module does not import it. It is safe where the HTTP response shape is certain
    (the templates declare only HTTP events, or the code declares an HTTP event type
    or a Powertools resolver): the response was unusable before, and `json.dumps`
    produces exactly the JSON text a client expects from that value. Where only the
    event's shape says so (it reads `queryStringParameters`, ...), the function may
    also be invoked directly by code that reads `body` as a dict, which the fix would
    break: the fix is unsafe there.
    It is not offered when the name `json` is bound to something other than the
    `json` module (another library imported as `json`, a parameter), or for set
    bodies, which `json.dumps` cannot encode.

    ## References
    - [API Gateway: output format of a Lambda function for proxy integration](https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format)
    - [Lambda function URLs: response payload format](https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-response-payload)
    """

    code = "LAM503"
    name = "api-body-not-string"
    scope_only = True
    severity = Severity.ERROR
    fix = FixAvailability.SAFE
    words = (ev.STATUS_CODE_KEY,)
    tags = ("api-gateway", "responses")

    examples = [
        Bad('''
            def lambda_handler(event, context):
                order = {"id": event["pathParameters"]["id"], "status": "shipped"}
                return {"statusCode": 200, "body": order}  # expect
        '''),
        Good('''
            import json

            def lambda_handler(event, context):
                order = {"id": event["pathParameters"]["id"], "status": "shipped"}
                return {"statusCode": 200, "body": json.dumps(order)}
        '''),
        Bad('''
            import json

            def lambda_handler(event, context):
                if "id" not in event["queryStringParameters"]:
                    return {"statusCode": 400, "body": ["id is required"]}  # expect
                response = {
                    "statusCode": 200,
                    "headers": {"Content-Type": "application/json"},
                    "body": 42,  # expect
                }
                return response
        '''),
        Bad('''
            from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source

            def build(items):
                payload = {"items": [i for i in items]}
                return {"statusCode": 200, "body": payload}  # expect

            @event_source(data_class=APIGatewayProxyEventV2)
            def handler(event: APIGatewayProxyEventV2, context):
                return build(event.json_body["items"])
        '''),
        Good('''
            # Called by a Step Functions task (or another function, or Amazon Connect): its
            # caller reads `body` as a dict, and nothing says an HTTP client is waiting.
            def lambda_handler(event, context):
                order = {"id": event["order_id"], "status": "validated"}
                return {"statusCode": 200, "body": order}
        '''),
        Good('''
            def lambda_handler(event, context):
                return {"statusCode": 204, "body": ""}
        '''),
        Good('''
            import json

            def respond(status, body):
                return {"statusCode": status, "body": body}

            def lambda_handler(event, context):
                return respond(200, json.dumps({"ok": True, "path": event["rawPath"]}))
        '''),
        Good('''
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver

            app = APIGatewayRestResolver()

            @app.get("/orders")
            def list_orders():
                return {"statusCode": 200, "body": {"orders": []}}

            def lambda_handler(event, context):
                return app.resolve(event, context)
        '''),
        Good('''
            def report_row(row):
                return {"statusCode": row["code"], "body": {"count": row["n"]}}

            ROWS = [report_row(r) for r in [{"code": 1, "n": 2}]]
        '''),
        Fixed(
            before='''
            from aws_lambda_powertools.utilities.data_classes import LambdaFunctionUrlEvent, event_source

            @event_source(data_class=LambdaFunctionUrlEvent)
            def lambda_handler(event, context):
                return {"statusCode": 200, "body": {"message": "hello"}}
            ''',
            after='''
            from aws_lambda_powertools.utilities.data_classes import LambdaFunctionUrlEvent, event_source
            import json

            @event_source(data_class=LambdaFunctionUrlEvent)
            def lambda_handler(event, context):
                return {"statusCode": 200, "body": json.dumps({"message": "hello"})}
            ''',
        ),
        Fixed(
            before='''
            """Orders API."""
            import json
            import boto3

            def lambda_handler(event, context):
                result = [event["pathParameters"]["id"]]
                return {"statusCode": 200, "body": result}
            ''',
            after='''
            """Orders API."""
            import json
            import boto3

            def lambda_handler(event, context):
                result = [event["pathParameters"]["id"]]
                return {"statusCode": 200, "body": json.dumps(result)}
            ''',
            unsafe=True,
        ),
        Bad('''
            import simplejson as json

            def lambda_handler(event, context):
                if event["httpMethod"] == "GET":
                    return {"statusCode": 200, "body": {"ok": True}}  # expect
                return {"statusCode": 405, "body": ""}
        '''),
    ]

    def visit_Return(self, node: cst.Return) -> None:
        ctx = self.ctx
        if node.value is None or ctx.function is None:
            return
        profile = ctx.event_sources()
        if profile is None or profile.entry.kind != "handler" or not profile.answers_http:
            return  # a `statusCode` dict for another function or Step Functions is data
        for response in self._responses(node.value):
            element = dict_key(response, ev.BODY_KEY)
            if element is None:
                continue
            what = self._non_string(element.value)
            if what is None:
                continue
            self.report(
                element.value,
                f"the response `body` is {what}: API Gateway and function URLs need a string and "
                f"answer 502 otherwise (the function {profile.http_evidence}); serialise it with "
                f"`json.dumps(...)`",
                fix=self._fix(element.value, what, profile.http_certain),
            )

    def _responses(self, value: cst.BaseExpression) -> list[cst.Dict]:
        if isinstance(value, cst.Name):
            function = self.ctx.function
            assert function is not None
            values = [v for targets, v in function.assignments if targets == [value.value]]
        else:
            values = [value]
        return [v for v in values if isinstance(v, cst.Dict) and dict_key(v, ev.STATUS_CODE_KEY) is not None]

    def _non_string(self, value: cst.BaseExpression) -> str | None:
        shown = _kind(value)
        if shown is not None:
            return shown
        if isinstance(value, cst.Name):
            bound = lookup(self.ctx.model, self.ctx.function, value.value)
            if isinstance(bound, cst.BaseExpression):
                kind = _kind(bound)
                if kind is not None:
                    return f"{kind} (`{value.value} = {shorten(code_of(bound), 30)}`)"
        return None

    def _fix(self, value: cst.BaseExpression, what: str, certain: bool) -> Fix | None:
        if what.startswith(("a set", "a set comprehension")):
            return None
        bound = lookup(self.ctx.model, self.ctx.function, _JSON)
        if bound is MISSING:
            imports = [ImportSpec(_JSON)]
        elif bound == _JSON:
            imports = []
        else:
            return None  # `json` is something else here
        wrapped = cst.Call(
            func=cst.Attribute(value=cst.Name(_JSON), attr=cst.Name("dumps")),
            args=[cst.Arg(value=value)],
        )
        # Safe only when every caller is HTTP; a function that merely reads request
        # keys may also be invoked directly by code that reads `body` as a dict.
        return Fix("Serialise the body with `json.dumps(...)`",
                   Applicability.SAFE if certain else Applicability.UNSAFE,
                   replacements=[(value, wrapped)], imports=imports)


def _kind(value: cst.BaseExpression) -> str | None:
    if isinstance(value, cst.Dict):
        return "a dict"
    if isinstance(value, cst.DictComp):
        return "a dict comprehension"
    if isinstance(value, cst.List):
        return "a list"
    if isinstance(value, cst.ListComp):
        return "a list comprehension"
    if isinstance(value, cst.Tuple):
        return "a tuple"
    if isinstance(value, cst.Set):
        return "a set"
    if isinstance(value, cst.SetComp):
        return "a set comprehension"
    if isinstance(value, (cst.Integer, cst.Float)):
        return "a number"
    if isinstance(value, cst.UnaryOperation) and isinstance(value.expression, (cst.Integer, cst.Float)):
        return "a number"
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return "a boolean"
    return None
