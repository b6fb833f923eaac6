"""What Lambda gives a Python function: the context object and the environment; the answer is
built with the layer's module."""

import logging
import os

from api_kit import json

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    logger.info("reports for %s", event["requestContext"]["authorizer"]["principalId"])
    print("printed, as Lambda keeps print output too")
    return json(200, {
        "runtime": os.environ["AWS_EXECUTION_ENV"],
        "stage": os.environ["APP_STAGE"],
        "taskRoot": os.environ["LAMBDA_TASK_ROOT"],
        "handler": os.environ["_HANDLER"],
        "region": os.environ["AWS_REGION"],
        "functionName": context.function_name,
        "memoryLimitInMB": context.memory_limit_in_mb,
        "remainingMs": context.get_remaining_time_in_millis(),
        "requestId": context.aws_request_id,
        "logGroupName": context.log_group_name,
        "logStreamName": context.log_stream_name,
        "timeZone": os.environ["TZ"],
        "subject": event["requestContext"]["authorizer"]["principalId"],
    })
