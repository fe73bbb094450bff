"""LAM705 event-ssrf."""

from __future__ import annotations

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.catalog import taint as catalog

from ._taint import EventTaintRule


class EventSsrf(EventTaintRule):
    """
    ## What it does
    Flags outbound requests whose URL the event controls: the URL of `requests`
    functions and `requests.Session` methods, `httpx` functions and clients,
    `aiohttp.ClientSession` methods, `urllib3.PoolManager.request`,
    `urllib.request.urlopen`/`Request`/`urlretrieve`, and the host of
    `http.client.HTTPConnection`.

    Only a URL whose scheme or host can come from the event counts: event data in
    the path or query after a literal `https://host/` prefix
    (`f"https://api.example.com/items/{item_id}"`, `BASE_URL + "/users/" + user`)
    cannot change where the request goes and is not flagged. Event data means values
    read from the handler's first parameter (any name), `app.current_event`, route
    path parameters and record handlers' records, followed through assignments,
    string building, `urljoin` and the project's own functions; the message names the
    line where it was read.

    ## Why is this bad?
    Server-side request forgery: the function makes requests to wherever the caller
    says, with its network position. In a VPC that reaches internal services and
    databases that are not exposed to the internet; everywhere it reaches the Lambda
    runtime API (`AWS_LAMBDA_RUNTIME_API`) on the local host. Response bodies that
    flow back to the caller leak what the function can see. A URL that only *starts*
    like a trusted one is not enough: `https://api.example.com@attacker.example/` goes
    to the attacker.

    Not flagged: URLs whose scheme and host are fixed by a literal prefix ending in
    `/`, `?` or `#` (a name bound to a literal counts as its text); event data
    appended to a base URL the code does not show (`os.environ["ORDERS_API_URL"] +
    order_id`), which cannot be judged; URLs whose host was checked against a literal allow-list
    (`if urlparse(url).hostname not in ALLOWED_HOSTS: return ...`); URLs picked from a
    dict of your own by an event key; event data passed as `params=`, `json=` or
    `data=`; and fields of the event that AWS fills in, not the caller: a
    CloudFormation custom resource's `ResponseURL` (and `StackId`, `RequestId`, ...),
    S3 Object Lambda's `getObjectContext` (`inputS3Url`, `outputRoute`,
    `outputToken`), a Lambda authorizer's `methodArn`/`routeArn` and what is computed
    from them, and record metadata such as an S3 notification's bucket name (the list
    is in docs/taint.md), what an AWS SDK call made with event data returns (`get_secret_value(SecretId=event["SecretId"])`
    answers with the secret, which is AWS's data, not the caller's), and code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md). A field counts only as the
    event delivers it: a `ResponseURL` inside an SQS message body is the sender's.

    ## Fix safety
    No automatic fix: the allowed destinations are the author's decision.

    ## References
    - [How lambdalint follows event data](https://github.com/lambdalint/lambdalint/blob/main/docs/taint.md)
    - [OWASP Server-Side Request Forgery Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html)
    - [AWS Lambda runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)
    - [CWE-918: Server-Side Request Forgery](https://cwe.mitre.org/data/definitions/918.html)
    """

    code = "LAM705"
    name = "event-ssrf"
    severity = Severity.WARNING
    fix = FixAvailability.NONE
    words = ("requests", "httpx", "aiohttp", "urllib", "HTTPConnection", "HTTPSConnection")
    tags = ("security", "network")
    kind = catalog.URL
    advice = (
        "check the host against an allow-list, or keep the scheme and host in a literal "
        "prefix (`f\"https://api.example.com/items/{item_id}\"`)"
    )

    examples = [
        Bad('''
            import json
            import requests

            def notify(url, payload):
                return requests.post(url, json=payload, timeout=5)  # expect

            def lambda_handler(event, context):
                body = json.loads(event["body"])
                return notify(body["webhook"], {"status": "done"}).status_code
        '''),
        Good('''
            import requests

            BASE_URL = "https://api.example.com"

            def lambda_handler(event, context):
                item = event["pathParameters"]["item_id"]
                requests.get(f"https://api.example.com/items/{item}", timeout=5)
                requests.get("https://api.example.com/search?q=" + event["q"], timeout=5)
                return requests.get(BASE_URL + "/users/" + event["user"], timeout=5).json()
        '''),
        Bad('''
            import urllib.request
            import requests

            session = requests.Session()

            def lambda_handler(event, context):
                region = event["detail"]["region"]
                session.post(f"https://{region}.api.example.com/v1/jobs", json={}, timeout=5)  # expect
                return urllib.request.urlopen(event["detail"]["callback"], timeout=5).read()  # expect
        '''),
        Good('''
            from urllib.parse import urlparse
            import requests

            ALLOWED_HOSTS = {"hooks.slack.com", "api.github.com"}

            def lambda_handler(event, context):
                url = event["webhook"]
                if urlparse(url).hostname not in ALLOWED_HOSTS:
                    return {"statusCode": 400, "body": "webhook host not allowed"}
                requests.post(url, json={"ok": True}, timeout=5)
                return {"statusCode": 204}
        '''),
        Bad('''
            import httpx
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver

            app = APIGatewayRestResolver()

            @app.get("/proxy/<path>")
            def proxy(path):
                return httpx.get("https://internal.example.com" + path, timeout=5).json()  # expect

            def lambda_handler(event, context):
                return app.resolve(event, context)
        '''),
        Good('''
            import requests

            ENDPOINTS = {"eu": "https://eu.api.example.com", "us": "https://us.api.example.com"}

            def lambda_handler(event, context):
                endpoint = ENDPOINTS[event["region"]]
                requests.post(endpoint + "/items", json=event["item"], timeout=5)
                return requests.get(endpoint, params={"q": event["q"]}, timeout=5).json()
        '''),
        Good('''
            import json
            import urllib.request
            import boto3
            import requests

            s3 = boto3.client("s3")

            def send_response(event, status):
                body = {"Status": status, "StackId": event["StackId"], "RequestId": event["RequestId"],
                        "LogicalResourceId": event["LogicalResourceId"], "PhysicalResourceId": "config"}
                requests.put(event["ResponseURL"], data=json.dumps(body), timeout=10)

            def on_stack_event(event, context):
                send_response(event, "SUCCESS")

            def redact(event, context):
                object_context = event["getObjectContext"]
                original = urllib.request.urlopen(object_context["inputS3Url"], timeout=10).read()
                s3.write_get_object_response(Body=original.replace(b"secret", b"******"),
                                             RequestRoute=object_context["outputRoute"],
                                             RequestToken=object_context["outputToken"])
                return {"statusCode": 200}
        '''),
        Bad('''
            import json
            import requests

            def lambda_handler(event, context):
                for record in event["Records"]:
                    request = json.loads(record["body"])
                    requests.put(request["ResponseURL"], data="{}", timeout=10)  # expect
        '''),
        Bad('''
            import asyncio
            import aiohttp

            async def ping(url):
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
                    async with session.get(url) as response:  # expect
                        return response.status

            def lambda_handler(event, context):
                return asyncio.run(ping(event["url"]))
        '''),
    ]
