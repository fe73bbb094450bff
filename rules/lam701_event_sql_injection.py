"""LAM701 event-sql-injection."""

from __future__ import annotations

from lambdalint import Bad, FixAvailability, Good, Severity
from lambdalint.catalog import taint as catalog

from ._taint import EventTaintRule


class EventSqlInjection(EventTaintRule):
    """
    ## What it does
    Flags SQL text built from event data: a value read from the event (the handler's
    first parameter, whatever its name, `app.current_event`, a Powertools route's path
    parameter) that is formatted into the SQL string given to `execute`/`executemany`
    on a DB-API cursor or connection or a SQLAlchemy connection or session,
    `sqlalchemy.text`, `pandas.read_sql`, `psycopg2.sql.SQL`, or the SQL of the RDS
    Data API, Redshift Data API, Athena and DynamoDB PartiQL (`execute_statement`,
    `batch_execute_statement`, `start_query_execution`, `execute_transaction`).

    The data is followed through assignments, f-strings, `%`, `.format`, `+`, `str()`,
    `.join`, containers, loops, `json.loads`/base64 decodes, and into and out of the
    project's own functions (across modules too), so the finding is reported at the
    `execute` call even when the SQL is built in the handler and run in a helper. The
    message names the line where the event data was read.

    ## Why is this bad?
    Whoever can invoke the function (any client of its API Gateway route, or anyone
    who can put a message on its queue) controls the event. A value formatted into SQL
    can close the string literal and add its own SQL: read other customers' rows,
    change or drop tables, or, through the database's own functions, reach further.
    Quoting by hand misses cases; the driver's parameters do not.

    Not flagged: values passed as query parameters (`cursor.execute(sql, params)`,
    `text(":id")` with a dict, `parameters=` of the Data API), values converted with
    `int()`, `float()` or `uuid.UUID()`, values checked against a literal allow-list
    (`if order in ("asc", "desc"):`, or rejected with `if order not in ALLOWED: return`),
    values that passed `str.isdigit()`/`isalnum()` or a `re.fullmatch`, SQL built
    only from constants, and an `execute` that is not a database's: a method of the
    project's own classes (a command object's `execute(payload)`; the analysis follows
    into its body instead, so SQL it builds from the argument is found at the real
    cursor) and libraries whose `execute` takes no SQL (`gql`). An object whose type
    the analysis cannot see (a parameter, a helper's result) counts as a database
    object, but when the project has `execute` methods of its own only if it is
    named like one (`cursor`, `conn`, `db`, `session`, `engine`...). Nor is
    what an AWS SDK call made with event data returns (`get_secret_value(SecretId=event["SecretId"])`
    answers with the secret, which is AWS's data, not the caller's), or code Lambda does not run (test files, `conftest.py`, scripts and modules that no handler's module imports; see docs/handlers.md).

    ## Fix safety
    No automatic fix: moving a value into a parameter changes the SQL text and the
    call's arguments, and identifiers (column names, sort order) cannot be parameters
    at all; they need an allow-list.

    ## References
    - [How lambdalint follows event data](https://github.com/lambdalint/lambdalint/blob/main/docs/taint.md)
    - [OWASP SQL Injection Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html)
    - [PEP 249: `execute` and its parameters](https://peps.python.org/pep-0249/#id15)
    - [RDS Data API `ExecuteStatement` parameters](https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html)
    - [CWE-89: SQL Injection](https://cwe.mitre.org/data/definitions/89.html)
    """

    code = "LAM701"
    name = "event-sql-injection"
    severity = Severity.ERROR
    fix = FixAvailability.NONE
    # Sink names as written at the call site (`execute` covers `executemany` and
    # `execute_statement`, `sql` covers `read_sql` and `exec_driver_sql`); aliases
    # still import the original name.
    words = ("execute", "execution", "text", "sql", "SQL", "mogrify")
    tags = ("security", "injection")
    kind = catalog.SQL
    advice = (
        "pass event values as query parameters (placeholders in the SQL, values in the "
        "parameters argument) instead of formatting them into the SQL text"
    )

    examples = [
        Bad('''
            import json
            import pymysql

            conn = pymysql.connect(host="db.internal", user="app")

            def find_orders(sql):
                with conn.cursor() as cursor:
                    cursor.execute(sql)  # expect
                    return cursor.fetchall()

            def lambda_handler(event, context):
                body = json.loads(event["body"])
                customer = body["customer"]
                query = f"SELECT * FROM orders WHERE customer = '{customer}'"
                return find_orders(query)
        '''),
        Good('''
            import json
            import pymysql

            conn = pymysql.connect(host="db.internal", user="app")

            def lambda_handler(event, context):
                body = json.loads(event["body"])
                with conn.cursor() as cursor:
                    cursor.execute("SELECT * FROM orders WHERE customer = %s", (body["customer"],))
                    cursor.executemany("INSERT INTO seen (id) VALUES (%s)", [(i,) for i in body["ids"]])
                    return cursor.fetchall()
        '''),
        Bad('''
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver
            from sqlalchemy import create_engine, text as sql_text

            app = APIGatewayRestResolver()
            engine = create_engine("postgresql://db/orders")

            @app.get("/orders/<order_id>")
            def get_order(order_id):
                with engine.connect() as connection:
                    statement = sql_text("SELECT * FROM orders WHERE id = " + order_id)  # expect
                    return dict(connection.execute(statement).one())

            def lambda_handler(event, context):
                return app.resolve(event, context)
        '''),
        Good('''
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver
            from sqlalchemy import create_engine, text

            app = APIGatewayRestResolver()
            engine = create_engine("postgresql://db/orders")

            @app.get("/orders/<order_id>")
            def get_order(order_id):
                with engine.connect() as connection:
                    statement = text("SELECT * FROM orders WHERE id = :id")
                    return dict(connection.execute(statement, {"id": order_id}).one())

            def lambda_handler(event, context):
                return app.resolve(event, context)
        '''),
        Bad('''
            import boto3
            from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

            app = APIGatewayHttpResolver()
            rds = boto3.client("rds-data")

            @app.get("/customers")
            def search():
                name = app.current_event.get_query_string_value(name="name", default_value="")
                return rds.execute_statement(  # expect
                    resourceArn="arn:aws:rds:eu-west-1:123456789012:cluster:shop",
                    secretArn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop",
                    sql="SELECT id FROM customers WHERE name LIKE '%s%%'" % name,
                )

            def lambda_handler(event, context):
                return app.resolve(event, context)
        '''),
        Good('''
            import pymysql

            conn = pymysql.connect(host="db.internal", user="app")
            SORTABLE = {"created_at", "total"}

            def lambda_handler(event, context):
                params = event.get("queryStringParameters") or {}
                limit = int(params.get("limit", "20"))
                order = params.get("order", "created_at")
                if order not in SORTABLE:
                    return {"statusCode": 400, "body": "unknown sort column"}
                with conn.cursor() as cursor:
                    cursor.execute(f"SELECT * FROM orders ORDER BY {order} LIMIT {limit}")
                    return {"statusCode": 200, "body": str(cursor.fetchall())}
        '''),
        Good('''
            import json

            class ExportCommand:
                def __init__(self, bucket):
                    self.bucket = bucket

                def execute(self, title):
                    return {"bucket": self.bucket, "title": title}

            def lambda_handler(event, context):
                body = json.loads(event["body"])
                command = ExportCommand("exports")
                return command.execute(f"export of {body['month']}")
        '''),
        Bad('''
            from db import run

            def handle(payload, ctx):
                clauses = []
                for column, value in payload["filters"].items():
                    clauses.append(f"{column} = '{value}'")
                return run("SELECT * FROM items WHERE " + " AND ".join(clauses))
        ''', config={"handlers": ["app.py:handle"]}, files={"db.py": '''
            import sqlite3

            connection = sqlite3.connect("/tmp/cache.db")

            def run(sql):
                return connection.execute(sql).fetchall()  # expect
        '''}),
        Good('''
            import pymysql

            conn = pymysql.connect(host="db.internal", user="app")
            TABLE = "orders"

            def run(sql, params=()):
                with conn.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall()

            def lambda_handler(event, context):
                run("SELECT * FROM orders WHERE id = %s", (event["pathParameters"]["id"],))
                return run(f"SELECT count(*) FROM {TABLE}")
        '''),
        Good('''
            import json
            import boto3
            import oracledb

            secrets = boto3.client("secretsmanager")

            def lambda_handler(event, context):
                set_secret(secrets, event["SecretId"], event["ClientRequestToken"])

            def set_secret(client, arn, token):
                pending = get_secret_dict(client, arn, "AWSPENDING", token)
                cursor = oracledb.connect(user=pending["username"]).cursor()
                cursor.execute('ALTER USER app IDENTIFIED BY "%s"' % pending["password"])

            def get_secret_dict(client, arn, stage, token):
                secret = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage=stage)
                return json.loads(secret["SecretString"])
        '''),
    ]
