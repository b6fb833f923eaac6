"""local-gateway's Python bootstrap: Lambda's runtime contract, as AWS's runtime interface client
(awslambdaric) implements it, in one file of the standard library. It polls the Runtime API at
AWS_LAMBDA_RUNTIME_API, imports `_HANDLER` (`pkg.module.function`) from LAMBDA_TASK_ROOT and
answers each event."""

import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

ENV = os.environ
HOST, PORT = ENV["AWS_LAMBDA_RUNTIME_API"].split(":")
JSON_LOGS = ENV.get("AWS_LAMBDA_LOG_FORMAT") == "JSON"
CONNECTION = http.client.HTTPConnection(HOST, int(PORT))
REQUEST_ID = [None]


def call(method, route, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    CONNECTION.request(method, "/2018-06-01/runtime" + route, body=body, headers=headers)
    response = CONNECTION.getresponse()
    return response.headers, response.read()


class LambdaFormatter(logging.Formatter):
    """`[LEVEL]\ttime\trequestId\tmessage`, or a JSON record, as Lambda writes `logging` output."""

    def format(self, record):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        stamp += ".%03dZ" % record.msecs
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        if JSON_LOGS:
            return json.dumps({"timestamp": stamp, "level": record.levelname, "message": message,
                               "logger": record.name, "requestId": REQUEST_ID[0]})
        return "[%s]\t%s\t%s\t%s" % (record.levelname, stamp, REQUEST_ID[0], message.replace("\n", "\r"))


def configure_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(ENV.get("AWS_LAMBDA_LOG_LEVEL", "WARNING" if not JSON_LOGS else "INFO"))


class FaultError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def error_body(error, error_type=None):
    return {
        "errorMessage": str(error),
        "errorType": error_type or getattr(error, "error_type", None) or type(error).__name__,
        "requestId": REQUEST_ID[0] or "",
        "stackTrace": traceback.format_list(traceback.extract_tb(error.__traceback__)[1:]),
    }


def load_handler(handler):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError:
        raise FaultError("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack" % handler)
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise FaultError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e))
    except SyntaxError as e:
        raise FaultError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e))
    function = getattr(module, function_name, None)
    if not callable(function):
        raise FaultError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))
    return function


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.function_name = ENV.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = ENV.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = ENV.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = ENV.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = ENV.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline = int(headers.get("Lambda-Runtime-Deadline-Ms", "0"))

    def get_remaining_time_in_millis(self):
        return max(self._deadline - int(time.time() * 1000), 0)


def main():
    # The task root first, as Lambda's /var/task; not this bootstrap's own folder.
    sys.path[0] = ENV["LAMBDA_TASK_ROOT"]
    configure_logging()
    try:
        handler = load_handler(ENV.get("_HANDLER", ""))
    except Exception as e:
        body = error_body(e)
        print("[ERROR] %s: %s" % (body["errorType"], body["errorMessage"]), flush=True)
        call("POST", "/init/error", json.dumps(body))
        sys.exit(1)
    while True:
        headers, event = call("GET", "/invocation/next")
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        REQUEST_ID[0] = request_id
        try:
            result = handler(json.loads(event), Context(headers))
            answer = json.dumps(result)
        except Exception as e:
            body = error_body(e)
            print("[ERROR] %s: %s" % (body["errorType"], body["errorMessage"]), flush=True)
            call("POST", "/invocation/%s/error" % request_id, json.dumps(body))
            continue
        call("POST", "/invocation/%s/response" % request_id, answer)


main()
