"""The example layer's helper, shared by the Python functions: a proxy answer as JSON."""

import json as _json


def json(status_code, body):
    return {
        "statusCode": status_code,
        "headers": {"content-type": "application/json"},
        "body": _json.dumps(body),
    }
