"""Sends each export request to the partner's API; failed requests are retried on their own."""

import json

import requests

PARTNER_URL = "https://partner.example.com/exports"


def process(evt, ctx):
    failures = []
    for record in evt["Records"]:
        try:
            send(json.loads(record["body"]))
        except (ValueError, requests.RequestException):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def send(export):
    requests.post(PARTNER_URL, json=export, timeout=(3, 9)).raise_for_status()
