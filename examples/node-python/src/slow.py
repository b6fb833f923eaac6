"""A handler that outlasts its one-second Timeout: Lambda stops it and replaces the environment."""

import time


def handler(event, context):
    time.sleep(float((event.get("queryStringParameters") or {}).get("seconds", "3")))
    return {"statusCode": 200, "body": "done"}
