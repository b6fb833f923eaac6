#!/usr/bin/env python3
"""Offline checks of the Terraform module and its two examples, since `terraform validate` and
`plan` need providers that cannot be fetched here.

- `terraform fmt -check`, when terraform is on the PATH (it says so when it is not);
- the module's variables against the SAM stack's parameters (names, types, defaults,
  validation, sensitivity), its environment against the stack's, its function settings, and its
  alarms and dashboard against the stack's (metrics, dimensions, math, thresholds);
- every resource attribute used against attributes.json, the list checked against the pinned
  provider version's documentation;
- the examples' wiring: authorizer type, identity sources, payload version, simple responses
  and the module's HTTP_API_RESPONSE, and the invoke permission's source ARN;
- then that each of these checks fails on a broken copy (a missing permission, a wrong identity
  source, a drifted variable, …): a check that cannot fail proves nothing.

Run with the virtualenv's python (python-hcl2 and cfn-lint): .venv/bin/python examples/terraform/check.py
"""

import copy
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import hcl2
from cfnlint.decode import cfn_yaml
from hcl2.utils import SerializationOptions

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODULE = os.path.join(HERE, "modules", "clerk-authorizer")
MODULE_SOURCE = "../modules/clerk-authorizer"
STACK = os.path.join(ROOT, "authorizer", "template.yaml")

# SAM parameter → variable names that do not follow mechanically from CamelCase.
RENAMED = {"OAuthAudience": "oauth_audience"}
# Variables of the module that are not parameters of the stack (SAM has CodeUri and names).
MODULE_ONLY = {"package_path", "function_name", "tags"}
# Blank-or-positive-integer string parameters become nullable numbers.
OPTIONAL_NUMBER = "^([1-9][0-9]*)?$"
# Block meta-arguments: not attributes of the resource type.
META = {"count", "for_each", "depends_on", "lifecycle", "provider"}
FUNCTION = "${aws_lambda_function.authorizer.function_name}"
# The stack's conditional values and what the module computes for them.
IF_TRANSLATIONS = {
    "HasAlarmTopic": "${local.alarm_actions}",
    "HasP99Milliseconds": "${local.p99_threshold}",
}
CONDITION_TRANSLATIONS = {"HasSecret": "${local.has_secret ? 1 : 0}"}


def snake(name):
    return RENAMED.get(name) or re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def unescape(text):
    """HCL string escapes, as python-hcl2 keeps them."""
    return re.sub(r'\\(["\\])', r"\1", text) if isinstance(text, str) else text


def blocks(value):
    """The blocks of a nested block attribute, markers removed."""
    if isinstance(value, list):
        return [strip(b) for b in value if isinstance(b, dict)]
    return []


def strip(body):
    return {k: v for k, v in body.items() if k != "__is_block__"}


class Config:
    """The .tf files of one directory, merged."""

    def __init__(self, directory):
        options = SerializationOptions(
            with_comments=False, preserve_heredocs=False, strip_string_quotes=True
        )
        self.resources, self.data, self.variables, self.locals, self.modules = {}, {}, {}, {}, {}
        for path in sorted(glob.glob(os.path.join(directory, "*.tf"))):
            with open(path, encoding="utf-8") as f:
                parsed = hcl2.load(f, serialization_options=options)
            for kind, target in (("resource", self.resources), ("data", self.data)):
                for block in parsed.get(kind, []):
                    for typ, named in block.items():
                        for name, body in named.items():
                            target[(typ, name)] = strip(body)
            for block in parsed.get("variable", []):
                for name, body in block.items():
                    self.variables[name] = strip(body)
            for block in parsed.get("locals", []):
                self.locals.update(strip(block))
            for block in parsed.get("module", []):
                for name, body in block.items():
                    self.modules[name] = strip(body)

    def of_type(self, typ):
        return {name: body for (t, name), body in self.resources.items() if t == typ}


def attributes_used(configs):
    """Resource type → the attributes set ("a.b" in nested blocks) and read ("(read) x")."""
    used = {}

    def walk(body, prefix, out):
        for key, value in body.items():
            if key == "__is_block__" or (not prefix and key in META):
                continue
            nested = blocks(value) if isinstance(value, list) and value and all(
                isinstance(b, dict) and b.get("__is_block__") for b in value) else None
            if nested:
                for block in nested:
                    walk(block, f"{prefix}{key}.", out)
            else:
                out.add(prefix + key)

    for config in configs:
        for (typ, _), body in config.resources.items():
            walk(body, "", used.setdefault(typ, set()))
        for (typ, _), body in config.data.items():
            walk(body, "", used.setdefault("data." + typ, set()))
    reference = re.compile(r"\b(data\.)?(aws_[a-z0-9_]+)\.([a-z0-9_]+)(?:\[[^\]]*\])?\.([a-z_]+)")
    for path in glob.glob(os.path.join(HERE, "**", "*.tf"), recursive=True):
        with open(path, encoding="utf-8") as f:
            for m in reference.finditer(f.read()):
                used.setdefault((m.group(1) or "") + m.group(2), set()).add("(read) " + m.group(4))
    return {typ: sorted(attrs) for typ, attrs in used.items()}


# --- the module against the SAM stack ---------------------------------------------------------


def translate(value):
    """A stack value as the module writes it."""
    if isinstance(value, dict) and "Ref" in value:
        ref = value["Ref"]
        return FUNCTION if ref == "AuthorizerFunction" else "${var.%s}" % snake(ref)
    if isinstance(value, dict) and "Fn::If" in value:
        return IF_TRANSLATIONS.get(value["Fn::If"][0], f"<no translation for {value}>")
    return value


def check_variables(module, stack):
    problems = []
    parameters = stack["Parameters"]
    expected = {snake(p): p for p in parameters}
    actual = set(module.variables) - MODULE_ONLY
    for missing in sorted(set(expected) - actual):
        problems.append(f"variable {missing} (parameter {expected[missing]}) is missing")
    for extra in sorted(actual - set(expected)):
        problems.append(f"variable {extra} is no parameter of the SAM stack")
    for name in sorted(actual & set(expected)):
        p, v = parameters[expected[name]], module.variables[name]
        conditions = " ".join(unescape(b.get("condition", "")) for b in blocks(v.get("validation")))
        allowed, pattern = p.get("AllowedValues"), p.get("AllowedPattern")

        def want(field, value, have):
            if have != value:
                problems.append(f"variable {name}: {field} is {have!r}, the stack's says {value!r}")

        if p["Type"] == "Number":
            want("type", "number", v.get("type"))
            want("default", p.get("Default"), v.get("default"))
        elif allowed and {str(a) for a in allowed} == {"true", "false"}:
            want("type", "bool", v.get("type"))
            want("default", p.get("Default") == "true", v.get("default"))
            allowed = None
        elif pattern == OPTIONAL_NUMBER:
            want("type", "number", v.get("type"))
            want("default", None, v.get("default", "<none>"))
            if ">= 1" not in conditions:
                problems.append(f"variable {name}: no validation that it is at least 1")
            pattern = None
        else:
            want("type", "string", v.get("type"))
            want("default", p.get("Default", "<none>"), v.get("default", "<none>"))
        want("sensitive", bool(p.get("NoEcho")), bool(v.get("sensitive")))
        if allowed:
            listed = re.search(r"contains\(\[(.*?)\]", conditions)
            values = {x.strip().strip('"') for x in listed.group(1).split(",")} if listed else set()
            if values != {str(a) for a in allowed}:
                problems.append(f"variable {name}: allowed values {sorted(values)}, the stack's {allowed}")
        if pattern and f'regex("{pattern}"' not in conditions:
            problems.append(f"variable {name}: no validation with the stack's pattern {pattern}")
        for bound, op in (("MinValue", ">="), ("MaxValue", "<=")):
            if bound in p and f"var.{name} {op} {p[bound]}" not in conditions:
                problems.append(f"variable {name}: no validation {op} {p[bound]} ({bound})")
    return problems


def check_function(module, stack):
    problems = []
    sam = stack["Resources"]["AuthorizerFunction"]["Properties"]
    tf = module.resources.get(("aws_lambda_function", "authorizer"))
    if tf is None:
        return ["aws_lambda_function.authorizer is missing"]
    logging = (blocks(tf.get("logging_config")) or [{}])[0]
    for field, have, want in (
        ("runtime", tf.get("runtime"), sam["Runtime"]),
        ("architectures", tf.get("architectures"), list(sam["Architectures"])),
        ("handler", tf.get("handler"), sam["Handler"]),
        ("memory_size", tf.get("memory_size"), sam["MemorySize"]),
        ("timeout", tf.get("timeout"), sam["Timeout"]),
        ("logging_config.log_format", logging.get("log_format"), sam["LoggingConfig"]["LogFormat"]),
        ("logging_config.system_log_level", logging.get("system_log_level"), sam["LoggingConfig"]["SystemLogLevel"]),
        ("logging_config.application_log_level", logging.get("application_log_level"), translate(sam["LoggingConfig"]["ApplicationLogLevel"])),
        ("environment.variables", (blocks(tf.get("environment")) or [{}])[0].get("variables"), "${local.environment}"),
    ):
        if have != want:
            problems.append(f"aws_lambda_function.authorizer {field} is {have!r}, the stack's {want!r}")
    environment = module.locals.get("environment", {})
    sam_environment = sam["Environment"]["Variables"]
    if set(environment) != set(sam_environment):
        problems.append(f"the function's environment has {sorted(environment)}, the stack's {sorted(sam_environment)}")
    for key, value in sam_environment.items():
        have = unescape(environment.get(key))
        if isinstance(value, dict) and "Ref" in value:
            if have != translate(value):
                problems.append(f"environment {key} is {have!r}, expected {translate(value)!r}")
        elif "local.has_secret" not in str(have):
            # The secret ARNs: passed only when a secret is given, as the stack's HasSecret.
            problems.append(f"environment {key} is {have!r}: it should depend on local.has_secret")
    return problems


ALARM_FIELDS = {
    "ComparisonOperator": "comparison_operator", "Threshold": "threshold",
    "EvaluationPeriods": "evaluation_periods", "DatapointsToAlarm": "datapoints_to_alarm",
    "TreatMissingData": "treat_missing_data", "Namespace": "namespace",
    "MetricName": "metric_name", "Statistic": "statistic",
    "ExtendedStatistic": "extended_statistic", "Period": "period",
    "AlarmActions": "alarm_actions", "OKActions": "ok_actions",
}


def dimensions(sam_dimensions):
    return {d["Name"]: translate(d["Value"]) for d in sam_dimensions}


def expected_alarm(properties):
    alarm = {}
    for sam_field, tf_field in ALARM_FIELDS.items():
        if sam_field in properties:
            alarm[tf_field] = translate(properties[sam_field])
    if "Dimensions" in properties:
        alarm["dimensions"] = dimensions(properties["Dimensions"])
    queries = []
    for metric in properties.get("Metrics", []):
        query = {"id": metric["Id"], "return_data": metric.get("ReturnData", True)}
        for sam_field, tf_field in (("Expression", "expression"), ("Label", "label")):
            if sam_field in metric:
                query[tf_field] = metric[sam_field]
        if "MetricStat" in metric:
            stat = metric["MetricStat"]
            query["metric"] = {
                "namespace": translate(stat["Metric"]["Namespace"]),
                "metric_name": stat["Metric"]["MetricName"],
                "dimensions": dimensions(stat["Metric"]["Dimensions"]),
                "period": stat["Period"],
                "stat": stat["Stat"],
            }
        queries.append(query)
    if queries:
        alarm["metric_query"] = queries
    return alarm


def actual_alarm(body):
    alarm = {k: unescape(v) for k, v in body.items()
             if k not in {"alarm_name", "alarm_description", "tags", "count", "metric_query"}}
    queries = []
    for query in blocks(body.get("metric_query")):
        q = {k: unescape(v) for k, v in query.items() if k != "metric"}
        for metric in blocks(query.get("metric")):
            q["metric"] = {k: unescape(v) for k, v in metric.items()}
        queries.append(q)
    if queries:
        alarm["metric_query"] = queries
    return alarm


def check_alarms(module, stack):
    problems = []
    alarms = {name[: -len("Alarm")]: r for name, r in stack["Resources"].items()
              if r["Type"] == "AWS::CloudWatch::Alarm"}
    tf_alarms = module.of_type("aws_cloudwatch_metric_alarm")
    expected_names = {snake(n): n for n in alarms}
    for extra in sorted(set(tf_alarms) - set(expected_names)):
        problems.append(f"alarm {extra} is not in the SAM stack")
    for name, logical in sorted(expected_names.items()):
        if name not in tf_alarms:
            problems.append(f"alarm {name} (the stack's {logical}Alarm) is missing")
            continue
        want, have = expected_alarm(alarms[logical]["Properties"]), actual_alarm(tf_alarms[name])
        if want != have:
            keys = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))
            problems.append(f"alarm {name} differs from {logical}Alarm in {keys}: "
                            f"{ {k: have.get(k) for k in keys} } against { {k: want.get(k) for k in keys} }")
        condition = alarms[logical].get("Condition")
        count = tf_alarms[name].get("count")
        if (CONDITION_TRANSLATIONS.get(condition) if condition else None) != count:
            problems.append(f"alarm {name}: count {count!r} does not match the stack's Condition {condition!r}")
    return problems


def check_dashboard(module, stack):
    body = stack["Resources"]["AuthorizerDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    tf = module.resources.get(("aws_cloudwatch_dashboard", "authorizer"), {})
    tf_body = unescape(tf.get("dashboard_body", ""))
    sam_tokens = {"${AWS::Region}": "REGION", "${MetricsNamespace}": "NAMESPACE", "${AuthorizerFunction}": "FUNCTION"}
    tf_tokens = {"${data.aws_region.current.region}": "REGION", "${var.metrics_namespace}": "NAMESPACE", FUNCTION: "FUNCTION"}
    for token, placeholder in sam_tokens.items():
        body = body.replace(token, placeholder)
    for token, placeholder in tf_tokens.items():
        tf_body = tf_body.replace(token, placeholder)
    try:
        if json.loads(body) != json.loads(tf_body):
            return ["the dashboard differs from the stack's AuthorizerDashboard"]
    except json.JSONDecodeError as e:
        return [f"the dashboard body is not JSON once its references are filled in: {e}"]
    return []


def check_attributes(configs):
    with open(os.path.join(HERE, "attributes.json"), encoding="utf-8") as f:
        listed = {typ: entry["attributes"] for typ, entry in json.load(f)["types"].items()}
    used = attributes_used(configs)
    problems = []
    for typ in sorted(set(used) | set(listed)):
        extra = sorted(set(used.get(typ, [])) - set(listed.get(typ, [])))
        unused = sorted(set(listed.get(typ, [])) - set(used.get(typ, [])))
        if extra:
            problems.append(f"{typ}: {extra} used but not in attributes.json; check them against the "
                            "provider version's documentation, then list them")
        if unused:
            problems.append(f"{typ}: {unused} listed in attributes.json but no longer used")
    return problems


# --- the examples' wiring ----------------------------------------------------------------------


def authorizer_permission(example, expected_source_arn):
    problems = []
    module_name = next((n for n, m in example.modules.items() if m.get("source") == MODULE_SOURCE), None)
    permissions = [p for p in example.of_type("aws_lambda_permission").values()
                   if p.get("function_name") == "${module.%s.function_name}" % module_name]
    if len(permissions) != 1:
        return [f"{len(permissions)} aws_lambda_permission for the authorizer: exactly one lets API Gateway invoke it"]
    permission = permissions[0]
    for field, want in (("action", "lambda:InvokeFunction"), ("principal", "apigateway.amazonaws.com"),
                        ("source_arn", expected_source_arn)):
        if unescape(permission.get(field)) != want:
            problems.append(f"the authorizer's permission has {field} {permission.get(field)!r}, expected {want!r}")
    return problems


def wiring(example, what, authorizer_type, fields):
    """The example's one module call and one authorizer, and the problems of `fields` (name →
    value wanted, the module's invoke ARN as authorizer_uri added): (module, name, authorizer,
    problems), or (None, …, problems) when there is not exactly one of each."""
    modules = [(n, m) for n, m in example.modules.items() if m.get("source") == MODULE_SOURCE]
    if len(modules) != 1:
        return None, None, None, [f"the {what} example calls the module ({MODULE_SOURCE}) not exactly once"]
    authorizers = example.of_type(authorizer_type)
    if len(authorizers) != 1:
        return None, None, None, [f"{len(authorizers)} {authorizer_type}: expected one"]
    (module_name, module), (name, authorizer) = modules[0], next(iter(authorizers.items()))
    problems = []
    for field, want in list(fields) + [("authorizer_uri", "${module.%s.invoke_arn}" % module_name)]:
        if authorizer.get(field) != want:
            problems.append(f"{authorizer_type}.{name} {field} is {authorizer.get(field)!r}, expected {want!r}")
    return module, name, authorizer, problems


def check_http_example(example):
    module, name, authorizer, problems = wiring(example, "HTTP API", "aws_apigatewayv2_authorizer", (
        ("authorizer_type", "REQUEST"), ("authorizer_payload_format_version", "2.0"),
        ("enable_simple_responses", True), ("authorizer_result_ttl_in_seconds", 60)))
    if module is None:
        return problems
    sources = authorizer.get("identity_sources") or []
    for source in ("$request.header.Authorization", "$context.routeKey"):
        if source not in sources:
            problems.append(f"aws_apigatewayv2_authorizer.{name} identity_sources {sources} lack {source}")
    # Simple responses on the API side and in the function go together.
    want_response = "simple" if authorizer.get("enable_simple_responses") is True else "policy"
    if module.get("http_api_response", "simple") != want_response:
        problems.append(f"the module's http_api_response is {module.get('http_api_response', 'simple')!r} but "
                        f"enable_simple_responses is {authorizer.get('enable_simple_responses')!r}: set it to {want_response!r}")
    api = re.fullmatch(r"\$\{aws_apigatewayv2_api\.([a-z0-9_]+)\.id\}", authorizer.get("api_id", ""))
    if not api:
        return problems + [f"aws_apigatewayv2_authorizer.{name} api_id names no aws_apigatewayv2_api"]
    arn = "${aws_apigatewayv2_api.%s.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.%s.id}" % (api.group(1), name)
    problems += authorizer_permission(example, arn)
    for route_name, route in example.of_type("aws_apigatewayv2_route").items():
        if route.get("authorization_type") != "CUSTOM" or route.get("authorizer_id") != "${aws_apigatewayv2_authorizer.%s.id}" % name:
            problems.append(f"aws_apigatewayv2_route.{route_name} is not behind the authorizer")
    return problems


def check_rest_example(example):
    module, name, authorizer, problems = wiring(example, "REST API", "aws_api_gateway_authorizer", (
        ("type", "TOKEN"), ("identity_source", "method.request.header.Authorization"),
        ("authorizer_result_ttl_in_seconds", 60)))
    if module is None:
        return problems
    api = re.fullmatch(r"\$\{aws_api_gateway_rest_api\.([a-z0-9_]+)\.id\}", authorizer.get("rest_api_id", ""))
    if not api:
        return problems + [f"aws_api_gateway_authorizer.{name} rest_api_id names no aws_api_gateway_rest_api"]
    arn = "${aws_api_gateway_rest_api.%s.execution_arn}/authorizers/${aws_api_gateway_authorizer.%s.id}" % (api.group(1), name)
    problems += authorizer_permission(example, arn)
    for method_name, method in example.of_type("aws_api_gateway_method").items():
        if method.get("authorization") != "CUSTOM" or method.get("authorizer_id") != "${aws_api_gateway_authorizer.%s.id}" % name:
            problems.append(f"aws_api_gateway_method.{method_name} is not behind the authorizer")
    return problems


# --- each check fails on a broken copy ------------------------------------------------------


def broken(config, edit):
    copied = copy.deepcopy(config)
    edit(copied)
    return copied


def first(config, typ):
    return next(body for (t, _), body in config.resources.items() if t == typ)


def drop_authorizer_permission(config):
    for key in [k for k, b in config.resources.items()
                if k[0] == "aws_lambda_permission" and "module." in str(b.get("function_name"))]:
        del config.resources[key]


def self_test(module, stack, http, rest):
    """Every check must report the breakage it exists for."""
    cases = [
        ("HTTP: no permission for the authorizer", check_http_example, broken(http, drop_authorizer_permission)),
        ("HTTP: $context.routeKey not an identity source", check_http_example, broken(
            http, lambda c: first(c, "aws_apigatewayv2_authorizer").update(identity_sources=["$request.header.Authorization"]))),
        ("HTTP: the token read from another header", check_http_example, broken(
            http, lambda c: first(c, "aws_apigatewayv2_authorizer").update(identity_sources=["$request.header.X-Token", "$context.routeKey"]))),
        ("HTTP: payload format 1.0", check_http_example, broken(
            http, lambda c: first(c, "aws_apigatewayv2_authorizer").update(authorizer_payload_format_version="1.0"))),
        ("HTTP: simple responses off", check_http_example, broken(
            http, lambda c: first(c, "aws_apigatewayv2_authorizer").update(enable_simple_responses=False))),
        ("HTTP: the module answers with policies", check_http_example, broken(
            http, lambda c: next(iter(c.modules.values())).update(http_api_response="policy"))),
        ("HTTP: permission for any API", check_http_example, broken(
            http, lambda c: first(c, "aws_lambda_permission").update(source_arn="arn:aws:execute-api:*"))),
        ("REST: no permission for the authorizer", check_rest_example, broken(rest, drop_authorizer_permission)),
        ("REST: the token read from another header", check_rest_example, broken(
            rest, lambda c: first(c, "aws_api_gateway_authorizer").update(identity_source="method.request.header.X-Token"))),
        ("REST: a REQUEST authorizer", check_rest_example, broken(
            rest, lambda c: first(c, "aws_api_gateway_authorizer").update(type="REQUEST"))),
        ("REST: permission for every stage and route", check_rest_example, broken(
            rest, lambda c: [p.update(source_arn="${aws_api_gateway_rest_api.api.execution_arn}/*")
                             for (t, _), p in c.resources.items() if t == "aws_lambda_permission"])),
        ("module: HTTP_API_RESPONSE from the wrong variable", lambda m: check_function(m, stack), broken(
            module, lambda c: c.locals["environment"].update(HTTP_API_RESPONSE="${var.usage_identifier}"))),
        ("module: a variable missing", lambda m: check_variables(m, stack), broken(
            module, lambda c: c.variables.pop("usage_key_prefix"))),
        ("module: a default drifted", lambda m: check_variables(m, stack), broken(
            module, lambda c: c.variables["log_retention_days"].update(default=14))),
        ("module: an alarm's dimension drifted", lambda m: check_alarms(m, stack), broken(
            module, lambda c: c.resources[("aws_cloudwatch_metric_alarm", "bad_signature")]["dimensions"].update(Reason="wrong_party"))),
        ("module: the errors alarm's math drifted", lambda m: check_alarms(m, stack), broken(
            module, lambda c: c.resources[("aws_cloudwatch_metric_alarm", "authorizer_errors")]["metric_query"][0].update(expression="errors"))),
        ("module: an attribute not in the list", lambda m: check_attributes([m, http, rest]), broken(
            module, lambda c: c.resources[("aws_lambda_function", "authorizer")].update(publish=True))),
    ]
    failures = []
    for name, check, config in cases:
        if not check(config):
            failures.append(f"self-test: the checks did not notice {name}")
    return failures


def main():
    problems = []
    if shutil.which("terraform"):
        fmt = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-diff", HERE],
                             capture_output=True, text=True)
        if fmt.returncode != 0:
            problems.append("terraform fmt -check failed; run terraform fmt -recursive examples/terraform:\n" + fmt.stdout)
        else:
            print("terraform fmt -check: formatted")
    else:
        print("terraform fmt -check: skipped, terraform is not on the PATH")
    stack = cfn_yaml.load(STACK)
    module, http, rest = (Config(os.path.join(HERE, d)) for d in ("modules/clerk-authorizer", "http-api", "rest-api"))
    problems += check_variables(module, stack)
    problems += check_function(module, stack)
    problems += check_alarms(module, stack)
    problems += check_dashboard(module, stack)
    problems += check_attributes([module, http, rest])
    problems += check_http_example(http)
    problems += check_rest_example(rest)
    problems += self_test(module, stack, http, rest)
    for problem in problems:
        print(f"examples/terraform: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"examples/terraform: the module's {len(module.variables)} variables, its environment, function, "
          f"{len(module.of_type('aws_cloudwatch_metric_alarm'))} alarms and dashboard match the SAM stack; "
          "every attribute is listed; both examples are wired; each check fails on a broken copy")


if __name__ == "__main__":
    main()
