"""LAM501 on handlers invoked asynchronously or by event source mappings.

Each case is a real-shaped handler of one kind of invoker (a schedule, S3, SNS,
EventBridge, AWS Config, CloudWatch Logs, SQS, Kinesis, DynamoDB Streams), known from
its template, a Powertools event class or the event's shape, whose `except` only logs
(or passes, continues, returns) so the invocation reports success: each must be
found. The twins that must stay silent: synchronous callers (API Gateway, Cognito,
custom resources, authorizers), handlers with no evidence of how they are invoked
(Step Functions), failures reported in `batchItemFailures`, re-raised, expected
outcomes (a conditional write that lost, a malformed message), best-effort cleanup
and metrics, and fallbacks.
"""

from __future__ import annotations

import pytest

from lambdalint.registry import load_registry
from lambdalint.rule import Bad, Good
from lambdalint.testing import check_example, expected_findings

LAM501 = load_registry(include_plugins=False).rules["LAM501"]


def found(example):
    return sorted((str(d.path), d.location.row) for d in check_example(LAM501, example))


SWALLOWED = {
    "config_rule": '''
        import json
        import logging

        import boto3

        logger = logging.getLogger()
        config = boto3.client("config")


        def evaluate(item):
            return "COMPLIANT" if item.get("configuration", {}).get("encrypted") else "NON_COMPLIANT"


        def lambda_handler(event, context):
            invoking_event = json.loads(event["invokingEvent"])
            item = invoking_event["configurationItem"]
            try:
                config.put_evaluations(
                    Evaluations=[{
                        "ComplianceResourceType": item["resourceType"],
                        "ComplianceResourceId": item["resourceId"],
                        "ComplianceType": evaluate(item),
                        "OrderingTimestamp": item["configurationItemCaptureTime"],
                    }],
                    ResultToken=event["resultToken"],
                )
            except Exception:  # expect
                logger.exception("could not report the evaluation")
    ''',
    "ddb_stream": '''
        import requests


        def lambda_handler(event, context):
            for record in event["Records"]:
                if record["eventName"] != "INSERT":
                    continue
                image = record["dynamodb"]["NewImage"]
                try:
                    requests.post("https://hooks.example.com/orders", json={"id": image["id"]["S"]}, timeout=3)
                except requests.exceptions.Timeout:  # expect
                    pass
    ''',
    "eventbridge": '''
        import logging

        import boto3
        from botocore.exceptions import ClientError

        logger = logging.getLogger()
        ec2 = boto3.client("ec2")


        def lambda_handler(event, context):
            logger.info("received %s", event["detail-type"])
            instance_id = event["detail"]["instance-id"]
            try:
                ec2.create_tags(Resources=[instance_id], Tags=[{"Key": "seen", "Value": "yes"}])
            except ClientError as error:  # expect
                logger.error("tagging %s failed: %s", instance_id, error)
                return {"status": "error"}
            return {"status": "ok"}
    ''',
    "finally_return": '''
        import json

        import boto3

        sqs = boto3.client("sqs")


        def handler(event, context):
            detail = event["detail"]
            try:
                sqs.send_message(QueueUrl=detail["queue"], MessageBody=json.dumps(detail))
            finally:
                return {"forwarded": event["detail-type"]}  # expect
    ''',
    "kinesis_consumer": '''
        import base64
        import json
        import logging

        import boto3

        logger = logging.getLogger()
        table = boto3.resource("dynamodb").Table("readings")


        def lambda_handler(event, context):
            for record in event["Records"]:
                reading = json.loads(base64.b64decode(record["kinesis"]["data"]))
                try:
                    table.put_item(Item=reading)
                except Exception as error:  # expect
                    logger.warning("dropping reading %s: %s", record["kinesis"]["sequenceNumber"], error)
    ''',
    "logs_forwarder": '''
        import base64
        import gzip
        import json

        import requests

        ENDPOINT = "https://logs.example.com/ingest"


        def handler(event, context):
            payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
            try:
                requests.post(ENDPOINT, json=payload["logEvents"], timeout=5).raise_for_status()
            except requests.exceptions.RequestException as error:  # expect
                print("forwarding failed", error)
            return "ok"
    ''',
    "powertools_eb": '''
        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

        logger = Logger()


        @event_source(data_class=EventBridgeEvent)
        def lambda_handler(event: EventBridgeEvent, context):
            try:
                start_job(event.detail["job"])
            except Exception:  # expect
                logger.exception("could not start the job")


        def start_job(name):
            return name
    ''',
    "s3_thumbs": '''
        import urllib.parse

        import boto3
        from botocore.exceptions import ClientError

        s3 = boto3.client("s3")


        def lambda_handler(event, context):
            for record in event["Records"]:
                bucket = record["s3"]["bucket"]["name"]
                key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
                try:
                    s3.copy_object(Bucket="archive-bucket", Key=key, CopySource={"Bucket": bucket, "Key": key})
                except ClientError as error:  # expect
                    print(f"copy of {key} failed: {error}")
                    continue
    ''',
    "sqs_helper": '''
        import json
        import logging

        import boto3

        logger = logging.getLogger()
        table = boto3.resource("dynamodb").Table("orders")


        def save_order(record):
            try:
                order = json.loads(record["body"])
                table.put_item(Item=order)
            except table.meta.client.exceptions.ProvisionedThroughputExceededException:  # expect
                logger.error("throttled on %s", record["messageId"])


        def lambda_handler(event, context):
            for record in event["Records"]:
                save_order(record)
            return {"processed": len(event["Records"])}
    ''',
    "status_var": '''
        import logging

        import boto3

        logger = logging.getLogger()
        glue = boto3.client("glue")


        def lambda_handler(event, context):
            job = event["detail"]["jobName"]
            status = "started"
            try:
                glue.start_job_run(JobName=job)
            except Exception as error:  # expect
                logger.error(error)
                status = "failed"
            return {"job": job, "status": status, "type": event["detail-type"]}
    ''',
    "sns_notifier": '''
        import json
        import logging
        from datetime import datetime

        import urllib3

        logger = logging.getLogger()
        http = urllib3.PoolManager(timeout=10.0)


        class Notifier:
            def __init__(self, url):
                self.url = url

            def send(self, title, details):
                seen = details.get("detail", {}).get("service", {}).get("eventFirstSeen", "N/A")
                shown = seen
                try:
                    if seen != "N/A":
                        parsed = datetime.strptime(seen, "%Y-%m-%dT%H:%M:%S.%fZ")
                        shown = parsed.strftime("%a, %d %b %Y %H:%M:%S UTC")
                except Exception:
                    pass
                try:
                    response = http.request("POST", self.url, body=json.dumps({"text": f"{title} {shown}"}))
                    if response.status >= 400:
                        raise RuntimeError(f"HTTP {response.status}")
                    return True
                except Exception as error:  # expect
                    logger.error("Slack notification failed: %s", error)
                    return False


        def lambda_handler(event, context):
            notifier = None
            try:
                details = json.loads(event["Records"][0]["Sns"]["Message"])
                notifier = Notifier("https://hooks.slack.com/services/x")
                notifier.send(details.get("AlarmName", "alarm"), details)
                return {"statusCode": 200, "body": "sent"}
            except Exception as error:  # expect
                logger.error("failed: %s", error)
                if notifier is not None:
                    try:
                        notifier.send("Lambda failed", {"error": str(error)})
                    except Exception as again:
                        logger.error("could not report the failure: %s", again)
                return {"statusCode": 500, "body": str(error)}
    ''',
    "scheduled_job_helper": '''
        import logging

        import boto3

        logger = logging.getLogger()
        iam = boto3.client("iam")


        def rotate_keys():
            try:
                for user in iam.list_users()["Users"]:
                    iam.update_login_profile(UserName=user["UserName"], PasswordResetRequired=True)
            except Exception:  # expect
                logger.exception("rotation failed")


        def handler(event, context):
            logger.info("rotation for %s", event["detail-type"])
            rotate_keys()
    ''',
}


@pytest.mark.parametrize("name", SWALLOWED)
def test_swallowed_in_a_retried_handler_is_found(name):
    example = Bad(SWALLOWED[name])
    assert found(example) == expected_findings(example)


NOT_SWALLOWED = {
    "authorizer": '''
        def lambda_handler(event, context):
            try:
                principal = verify(event["authorizationToken"])
            except Exception:
                return {"principalId": "anonymous", "policyDocument": {"Statement": []}}
            return {"principalId": principal, "policyDocument": {"Statement": [], "Version": "2012-10-17"}, "x": event["methodArn"]}


        def verify(token):
            return token
    ''',
    "best_effort": '''
        import logging

        import boto3

        logger = logging.getLogger()
        cloudwatch = boto3.client("cloudwatch")


        def lambda_handler(event, context):
            copy(event["Records"])
            try:
                cloudwatch.put_metric_data(Namespace="Copier", MetricData=[{"MetricName": "Runs", "Value": 1}])
            except Exception:
                logger.warning("could not publish the metric")


        def copy(records):
            return records
    ''',
    "cleanup_tmp": '''
        import os

        import boto3

        s3 = boto3.client("s3")


        def lambda_handler(event, context):
            for record in event["Records"]:
                path = "/tmp/object"
                s3.download_file(record["s3"]["bucket"]["name"], record["s3"]["object"]["key"], path)
                convert(path)
                try:
                    os.remove(path)
                except OSError:
                    pass


        def convert(path):
            return path
    ''',
    "cognito": '''
        import logging

        logger = logging.getLogger()


        def lambda_handler(event, context):
            try:
                add_to_group(event["userName"], event["userPoolId"])
            except Exception:
                logger.exception("could not add the user to the group")
            return event


        def add_to_group(user, pool):
            return user, pool
    ''',
    "custom_resource": '''
        import cfnresponse


        def handler(event, context):
            try:
                if event["RequestType"] == "Create":
                    create(event["ResourceProperties"])
                cfnresponse.send(event, context, cfnresponse.SUCCESS, {})
            except Exception as error:
                print(error)
                cfnresponse.send(event, context, cfnresponse.FAILED, {"Error": str(error)})


        def create(props):
            return props
    ''',
    "idempotent": '''
        import json
        import logging

        import boto3

        logger = logging.getLogger()
        dynamodb = boto3.client("dynamodb")


        def lambda_handler(event, context):
            for record in event["Records"]:
                message = json.loads(record["body"])
                try:
                    dynamodb.put_item(
                        TableName="seen",
                        Item={"id": {"S": message["id"]}},
                        ConditionExpression="attribute_not_exists(id)",
                    )
                except dynamodb.exceptions.ConditionalCheckFailedException:
                    logger.info("duplicate %s", message["id"])
                    continue
                process(message)


        def process(message):
            return message
    ''',
    "mixed": '''
        import json


        def lambda_handler(event, context):
            if "Records" in event:
                for record in event["Records"]:
                    try:
                        save(json.loads(record["body"]))
                    except ValueError:
                        print("bad message")
                return None
            try:
                return {"statusCode": 200, "body": json.dumps(save(json.loads(event["body"])))}
            except Exception:
                return {"statusCode": 500, "body": "error"}


        def save(item):
            return item
    ''',
    "poison": '''
        import json
        import logging

        logger = logging.getLogger()


        def lambda_handler(event, context):
            for record in event["Records"]:
                try:
                    order = json.loads(record["body"])
                except json.JSONDecodeError:
                    logger.error("not JSON: %s", record["messageId"])
                    continue
                submit(order)


        def submit(order):
            return order
    ''',
    "reraise": '''
        import logging

        logger = logging.getLogger()


        def lambda_handler(event, context):
            try:
                start(event["detail"]["id"], event["detail-type"])
            except Exception:
                logger.exception("start failed")
                raise


        def start(a, b):
            return a, b
    ''',
    "sns_fallback": '''
        import json


        def lambda_handler(event, context):
            message = event["Records"][0]["Sns"]["Message"]
            try:
                payload = json.loads(message)
            except Exception:
                payload = {"text": message}
            deliver(payload)


        def deliver(payload):
            return payload
    ''',
    "sqs_batch": '''
        import json
        import logging

        logger = logging.getLogger()


        def lambda_handler(event, context):
            failures = []
            for record in event["Records"]:
                try:
                    handle(json.loads(record["body"]))
                except Exception:
                    logger.exception("failed %s", record["messageId"])
                    failures.append({"itemIdentifier": record["messageId"]})
            return {"batchItemFailures": failures}


        def handle(message):
            return message
    ''',
    "stepfn_task": '''
        import logging

        logger = logging.getLogger()


        def lambda_handler(event, context):
            try:
                total = sum(item["price"] for item in event["items"])
            except Exception:
                logger.exception("bad items")
                return {"ok": False}
            return {"ok": True, "total": total}
    ''',
    "websocket_gone": '''
        import json
        import os

        import boto3

        apigwmgmt = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["API_URL"])


        def send_event(event, connection_ids):
            for connection_id in connection_ids:
                try:
                    apigwmgmt.post_to_connection(ConnectionId=connection_id, Data=json.dumps(event).encode())
                # The client is disconnected: move on to the next connection.
                except apigwmgmt.exceptions.GoneException:
                    continue


        def handler(event, _):
            send_event(event, event["detail"]["connections"])
    ''',
    "custom_resource_and_sns": '''
        import json
        import logging

        import boto3

        LOGGER = logging.getLogger()
        table = boto3.resource("dynamodb").Table("state")


        def update_state(record_id, data):
            try:
                table.update_item(Key={"id": record_id}, AttributeUpdates=data)
            except Exception as error:
                LOGGER.error(f"Error updating {record_id}: {error}")


        def lambda_handler(event, context):
            if "Records" in event and event["Records"][0]["EventSource"] == "aws:sns":
                message = json.loads(event["Records"][0]["Sns"]["Message"])
                update_state(message["id"], {"status": {"Value": "done"}})
            elif "RequestType" in event:
                update_state(event["LogicalResourceId"], {"status": {"Value": event["RequestType"]}})
    ''',
    "best_effort_metric_helper": '''
        import json
        import logging

        import boto3

        logger = logging.getLogger()
        cloudwatch = boto3.client("cloudwatch")
        table = boto3.resource("dynamodb").Table("orders")


        def count_run():
            try:
                cloudwatch.put_metric_data(Namespace="Orders", MetricData=[{"MetricName": "Runs", "Value": 1}])
            except Exception:
                logger.warning("could not publish the metric")


        def lambda_handler(event, context):
            for record in event["Records"]:
                table.put_item(Item=json.loads(record["body"]))
            count_run()
    ''',
    "project_exception": '''
        import logging

        from orders.errors import OrderAlreadyShipped

        logger = logging.getLogger()


        def lambda_handler(event, context):
            try:
                cancel(event["detail"]["orderId"], event["detail-type"])
            except OrderAlreadyShipped:
                logger.info("order %s already shipped", event["detail"]["orderId"])


        def cancel(order_id, kind):
            return order_id, kind
    ''',
}


@pytest.mark.parametrize("name", NOT_SWALLOWED)
def test_handled_expected_or_synchronous_is_not_flagged(name):
    assert found(Good(NOT_SWALLOWED[name])) == []


TEMPLATE = '''
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Runtime: python3.12
        CodeUri: src/
    Resources:
      Cleanup:
        Type: AWS::Serverless::Function
        Properties:
          Handler: cleanup.handler
          Events:
            Nightly:
              Type: Schedule
              Properties:
                Schedule: rate(1 day)
      Notify:
        Type: AWS::Serverless::Function
        Properties:
          Handler: notify.handler
          Events:
            Topic:
              Type: SNS
              Properties:
                Topic: arn:aws:sns:eu-west-1:123456789012:orders
      Api:
        Type: AWS::Serverless::Function
        Properties:
          Handler: api.handler
          Events:
            Get:
              Type: Api
              Properties:
                Path: /orders
                Method: get
'''


def test_the_template_says_how_each_function_is_invoked():
    # The schedule's handler reads nothing of its event and answers with a `statusCode`
    # out of habit; only the template tells it is invoked asynchronously. The API
    # function's `except` answers its caller.
    example = Bad('''
        # the handlers are in src/
    ''', files={
        "template.yaml": TEMPLATE,
        "src/cleanup.py": '''
            import datetime
            import logging

            import boto3

            logger = logging.getLogger()
            ec2 = boto3.client("ec2")


            def handler(event, context):
                cutoff = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=30)
                try:
                    for snapshot in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]:
                        if snapshot["StartTime"] < cutoff:
                            ec2.delete_snapshot(SnapshotId=snapshot["SnapshotId"])
                except Exception as error:  # expect
                    logger.error("cleanup failed: %s", error)
                return {"statusCode": 200, "body": "done"}
        ''',
        "src/notify.py": '''
            import json

            import boto3
            from botocore.exceptions import ClientError

            ses = boto3.client("ses")


            def send(message):
                ses.send_email(
                    Source="noreply@example.com",
                    Destination={"ToAddresses": [message["email"]]},
                    Message={"Subject": {"Data": "Order"}, "Body": {"Text": {"Data": message["text"]}}},
                )


            def handler(event, context):
                try:
                    send(json.loads(event["Records"][0]["Sns"]["Message"]))
                except ClientError as error:  # expect
                    print(f"rejected: {error}")
        ''',
        "src/api.py": '''
            import json


            def handler(event, context):
                try:
                    order = json.loads(event["body"])
                except Exception:
                    return {"statusCode": 400, "body": "bad request"}
                try:
                    save(order)
                except Exception as error:
                    print(error)
                    return {"statusCode": 500, "body": "failed"}
                return {"statusCode": 200, "body": json.dumps(order)}


            def save(order):
                return order
        ''',
    })
    assert found(example) == expected_findings(example)
