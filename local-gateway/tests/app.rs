//! The real `template.yaml` on localhost: the real authorizer and handler binaries, minted
//! DEV-ONLY tokens, every route of both APIs as an admin, a member, with no token and with an
//! expired token.

mod common;

use std::thread;
use std::time::Duration;

use common::*;
use local_gateway::template::{App, Settings};
use serde_json::{json, Value};

fn token(role: &str, lifetime: i64) -> String {
    let now = tests::SAMPLE_IAT.max(authorizer::now()) as i64;
    let claims = tests::clerk_claims(
        if role == "admin" {
            "user_2admin0000000000000000001"
        } else {
            "user_2member000000000000000001"
        },
        json!({ "role": role }),
        (now - 120) as u64,
        (now + lifetime) as u64,
    );
    tests::mint(&claims)
}

#[test]
fn every_route_of_both_apis_for_admin_member_no_token_and_expired() {
    let env = dev_env_file();
    let g = Gateway::start("template.yaml", &["--env-file", env.path()]);
    let (admin, member, expired) = (
        token("admin", 600),
        token("member", 600),
        token("admin", -60),
    );
    // The admin and the member are personal accounts: each has its own task under this id,
    // put back before each row (a DELETE removes it).
    const ID: &str = "0192f0c1-7e5a-7cc3-9b1e-3a8f5e1d2c4b";
    let store = api_handlers::task_store::TaskStore::new(
        local_gateway::dynamodb::client(g.dynamodb.as_deref().unwrap(), "us-east-1"),
        "TasksTable".into(),
    );
    let runtime = runtime();
    let seed = || {
        for owner in [
            "user_2admin0000000000000000001",
            "user_2member000000000000000001",
        ] {
            let _ = runtime.block_on(store.delete(owner, ID));
            let task = tests::seeded_task(ID, "Seeded", owner);
            runtime.block_on(store.create(owner, &task)).unwrap();
        }
    };
    let task_path = format!("/tasks/{ID}");
    let task_path = task_path.as_str();
    // (method, path, admin, member, no token, expired) for REST; HTTP API below.
    let rest = [
        ("GET", "/health", 200, 200, 200, 200),
        ("GET", "/me", 200, 200, 401, 401),
        ("GET", "/tasks", 200, 200, 401, 401),
        ("POST", "/tasks", 201, 201, 401, 401),
        ("GET", task_path, 200, 200, 401, 401),
        ("PATCH", task_path, 200, 200, 401, 401),
        ("DELETE", task_path, 200, 403, 401, 401),
    ];
    // HTTP API: an invalid token is a 403 (isAuthorized: false); a missing one 401.
    let http = rest.map(|(m, p, a, mb, n, e)| (m, p, a, mb, n, if e == 401 { 403 } else { e }));
    for (api, table) in [("RestApi", rest), ("HttpApi", http)] {
        for (method, path, want_admin, want_member, want_none, want_expired) in table {
            seed();
            for (who, token, want) in [
                ("admin", Some(&admin), want_admin),
                ("member", Some(&member), want_member),
                ("none", None, want_none),
                ("expired", Some(&expired), want_expired),
            ] {
                let answer = call_with_token(method, &g.url(api, path), token.map(String::as_str));
                assert_eq!(
                    answer.status, want,
                    "{api} {method} {path} as {who}: {}",
                    answer.body
                );
            }
        }
    }
}

#[test]
fn the_request_authorizer_reads_the_session_cookie_and_me_sees_the_identity() {
    let env = dev_env_file();
    let g = Gateway::start("template.yaml", &["--env-file", env.path()]);
    let member = token("member", 600);
    let cookie = format!("__client_uat=1; __session={member}");
    let me = call("GET", &g.url("RestApi", "/me"), &[("Cookie", &cookie)]);
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["role"], "member");
    assert_eq!(me.json()["sub"], "user_2member000000000000000001");
}

#[test]
fn the_template_default_access_rules_are_the_dev_rules() {
    let settings = Settings {
        parameter_overrides: [("ClerkJwtKey".to_string(), "x".to_string())].into(),
        ..Settings::default()
    };
    let app = App::from_file(&workspace().join("template.yaml"), &settings).unwrap();
    let rules = &app.functions["AuthorizerFunction"].environment["ACCESS_RULES"];
    let template: Value = serde_json::from_str(rules).unwrap();
    let dev: Value = serde_json::from_str(tests::DEV_ACCESS_RULES).unwrap();
    assert_eq!(
        template, dev,
        "template.yaml's AccessRules default and tests::DEV_ACCESS_RULES differ"
    );
}

#[test]
fn parameters_come_from_defaults_and_overrides() {
    let template = workspace().join("template.yaml");
    let missing = App::from_file(&template, &Settings::default()).unwrap_err();
    assert!(missing.contains("ClerkJwtKey has no Default"), "{missing}");
    let settings = Settings {
        parameter_overrides: [
            ("ClerkJwtKey", "pem"),
            ("AuthorizerCacheTtl", "0"),
            ("ClerkIssuer", "https://clerk.example.com"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into(),
        ..Settings::default()
    };
    let app = App::from_file(&template, &settings).unwrap();
    let env = &app.functions["AuthorizerFunction"].environment;
    assert_eq!(env["CLERK_JWT_KEY"], "pem");
    assert_eq!(env["JWT_ISSUER"], "https://clerk.example.com");
    let rest = app.apis.iter().find(|a| a.name == "RestApi").unwrap();
    assert_eq!(
        rest.authorizers["ClerkTokenAuthorizer"].ttl, 0,
        "AuthorizerCacheTtl reaches ReauthorizeEvery"
    );
    let unknown = Settings {
        parameter_overrides: [("Nope".to_string(), "1".to_string())].into(),
        ..Settings::default()
    };
    assert!(App::from_file(&template, &unknown)
        .unwrap_err()
        .contains("Nope"));
}

/// The production-readiness parts of the template: every function logs to its own log group
/// with the retention parameter, and the alarms the runbook describes exist and notify the
/// optional topic.
#[test]
fn only_the_tasks_function_reaches_the_table_with_the_five_calls_it_makes() {
    let text = std::fs::read_to_string(workspace().join("template.yaml")).unwrap();
    let template = local_gateway::yaml::parse(&text).unwrap();
    let resources = template["Resources"].as_object().unwrap();
    let table = &resources["TasksTable"]["Properties"];
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["KeySchema"],
        json!([{"AttributeName": "tenant", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}])
    );
    for (name, resource) in resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
    {
        let policies = &resource["Properties"]["Policies"];
        if name == "ProvisionerFunction" {
            // No table; API Gateway's key and plan-key calls, and its one secret.
            let statements = policies[0]["Statement"].as_array().unwrap();
            assert_eq!(statements.len(), 2, "{policies}");
            assert_eq!(
                statements[0]["Action"],
                json!([
                    "apigateway:GET",
                    "apigateway:POST",
                    "apigateway:PATCH",
                    "apigateway:DELETE"
                ])
            );
            for resource in statements[0]["Resource"].as_array().unwrap() {
                let arn = resource["Fn::Sub"].as_str().unwrap();
                assert!(
                    arn.ends_with("::/apikeys")
                        || arn.ends_with("::/apikeys/*")
                        || arn.ends_with("::/usageplans")
                        || arn.ends_with("::/usageplans/*"),
                    "{arn}"
                );
            }
            assert_eq!(statements[1]["Action"], "secretsmanager:GetSecretValue");
            continue;
        }
        if name != "TasksFunction" && name != "MeteredTasksFunction" {
            assert!(policies.is_null(), "{name} has policies: {policies}");
            continue;
        }
        assert_eq!(
            resource["Properties"]["Environment"]["Variables"]["TASKS_TABLE"],
            json!({"Ref": "TasksTable"})
        );
        assert_eq!(
            policies,
            &json!([{"Statement": [{
                "Effect": "Allow",
                "Action": ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                "Resource": {"Fn::GetAtt": ["TasksTable", "Arn"]}
            }]}])
        );
    }
}

#[test]
fn the_templates_keep_logs_for_a_set_time_and_alarm_on_what_the_runbook_covers() {
    let read = |path: &str| {
        let text = std::fs::read_to_string(workspace().join(path)).unwrap();
        (local_gateway::yaml::parse(&text).unwrap(), text)
    };
    let (sample, _) = read("template.yaml");
    let (stack, text) = read("authorizer/template.yaml");
    for template in [&sample, &stack] {
        let resources = template["Resources"].as_object().unwrap();
        assert_eq!(template["Parameters"]["LogRetentionDays"]["Default"], 30);
        for (name, resource) in resources
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        {
            let group = resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{name} has no log group"));
            assert_eq!(resources[group]["Type"], "AWS::Logs::LogGroup", "{name}");
            assert_eq!(
                resources[group]["Properties"]["RetentionInDays"],
                json!({"Ref": "LogRetentionDays"}),
                "{name}"
            );
        }
    }
    // The sample nests the standalone stack and passes it every parameter it declares, so none
    // is left to the stack's defaults silently.
    let application = &sample["Resources"]["Authorizer"];
    assert_eq!(application["Type"], "AWS::Serverless::Application");
    assert_eq!(
        application["Properties"]["Location"],
        "authorizer/template.yaml"
    );
    let passed = application["Properties"]["Parameters"].as_object().unwrap();
    for parameter in stack["Parameters"].as_object().unwrap().keys() {
        assert!(
            passed.contains_key(parameter),
            "the sample does not pass {parameter}"
        );
    }
    let resources = stack["Resources"].as_object().unwrap();
    let alarm = |name: &str| {
        let alarm = &resources[name];
        assert_eq!(alarm["Type"], "AWS::CloudWatch::Alarm", "{name}");
        assert_eq!(
            alarm["Properties"]["AlarmActions"]["Fn::If"][0], "HasAlarmTopic",
            "{name} notifies the optional topic"
        );
        alarm["Properties"].clone()
    };
    // One function whatever the parameters: no function, and no output, depends on a
    // condition, so turning API keys or a JWKS on or off never changes the ARN APIs point at.
    let functions: Vec<&String> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(name, _)| name)
        .collect();
    assert_eq!(functions, ["AuthorizerFunction"]);
    assert!(resources["AuthorizerFunction"].get("Condition").is_none());
    assert_eq!(
        resources["AuthorizerFunction"]["Metadata"]["BuildProperties"]["Binary"],
        "authorizer"
    );
    for (name, output) in stack["Outputs"].as_object().unwrap() {
        if name != "ClerkSecretArn" {
            assert!(output.get("Condition").is_none(), "{name}");
            let value = serde_json::to_string(&output["Value"]).unwrap();
            assert!(!value.contains("Fn::If"), "{name}: {value}");
        }
    }
    // The secret's ARN in its environment, never a value, and GetSecretValue on that secret
    // (and the optional machine key's) only.
    let networked = &resources["AuthorizerFunction"]["Properties"];
    let variables = networked["Environment"]["Variables"].as_object().unwrap();
    assert!(variables.contains_key("CLERK_SECRET_KEY_ARN"));
    assert!(
        !variables.contains_key("CLERK_SECRET_KEY")
            && !variables.contains_key("CLERK_MACHINE_SECRET_KEY")
    );
    let policies = serde_json::to_string(&networked["Policies"]).unwrap();
    assert!(
        policies.contains("secretsmanager:GetSecretValue"),
        "{policies}"
    );
    assert!(
        !policies.contains('*'),
        "no wildcard action or resource: {policies}"
    );
    let statement = &networked["Policies"][0]["Fn::If"][1]["Statement"][0];
    assert_eq!(statement["Action"], "secretsmanager:GetSecretValue");
    assert_eq!(
        statement["Resource"],
        json!([
            {"Fn::If": ["CreateSecret", {"Ref": "ClerkSecret"}, {"Ref": "ClerkSecretKeyArn"}]},
            {"Fn::If": ["HasMachineSecretArn", {"Ref": "ClerkMachineSecretKeyArn"}, {"Ref": "AWS::NoValue"}]},
        ])
    );
    assert_eq!(stack["Parameters"]["ClerkSecretKeyArn"]["Default"], "");
    assert!(
        stack["Parameters"].get("ClerkSecretKey").is_none(),
        "a secret is never a parameter"
    );
    for name in [
        "ClerkApiUnavailableAlarm",
        "ClerkSecretKeyInvalidAlarm",
        "ClerkSecretUnavailableAlarm",
    ] {
        assert_eq!(resources[name]["Condition"], "HasSecret", "{name}");
    }
    // Every alarm filters on this function's own FunctionName, and none pages on one stray
    // event: M of N datapoints, from parameters.
    let function = json!({"Ref": "AuthorizerFunction"});
    for (name, resource) in resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
    {
        let props = &resource["Properties"];
        let dimensions: Vec<&Value> = match props.get("Metrics") {
            Some(metrics) => metrics
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|m| m.pointer("/MetricStat/Metric/Dimensions"))
                .collect(),
            None => vec![&props["Dimensions"]],
        };
        assert!(!dimensions.is_empty(), "{name}");
        for set in dimensions {
            assert!(
                set.as_array()
                    .unwrap()
                    .contains(&json!({"Name": "FunctionName", "Value": function})),
                "{name}: {set}"
            );
        }
        if name != "AuthorizerLatencyAlarm" {
            assert_eq!(
                props["DatapointsToAlarm"],
                json!({"Ref": "AlarmDatapointsToAlarm"}),
                "{name}"
            );
            assert_eq!(
                props["EvaluationPeriods"],
                json!({"Ref": "AlarmEvaluationPeriods"}),
                "{name}"
            );
        }
    }
    let (m, n) = (
        &stack["Parameters"]["AlarmDatapointsToAlarm"]["Default"],
        &stack["Parameters"]["AlarmEvaluationPeriods"]["Default"],
    );
    assert!(
        m.as_u64().unwrap() > 1 && m.as_u64() <= n.as_u64(),
        "{m} of {n}"
    );
    // The dashboard reads this function's metrics only.
    let dashboard = resources["AuthorizerDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
        .as_str()
        .unwrap();
    assert_eq!(
        dashboard
            .matches("\"FunctionName\", \"${AuthorizerFunction}\"")
            .count(),
        3,
        "{dashboard}"
    );
    assert!(dashboard.contains("FunctionName=\\\"${AuthorizerFunction}\\\""));
    // The latency alarm's default fits the configuration; LogLevel reaches Lambda.
    assert_eq!(
        alarm("AuthorizerLatencyAlarm")["Threshold"],
        json!({"Fn::If": ["HasP99Milliseconds", {"Ref": "AuthorizerP99Milliseconds"}, {"Fn::If": ["Networked", 1500, 100]}]})
    );
    assert_eq!(
        networked["LoggingConfig"]["ApplicationLogLevel"],
        json!({"Ref": "LogLevel"})
    );
    // Large rule sets: a layer only when RulesLayerArn is given.
    assert_eq!(
        networked["Layers"],
        json!({"Fn::If": ["HasRulesLayer", [{"Ref": "RulesLayerArn"}], {"Ref": "AWS::NoValue"}]})
    );
    let errors = alarm("AuthorizerErrorsAlarm");
    assert!(errors["Metrics"][0]["Expression"]
        .as_str()
        .unwrap()
        .contains("errors - FILL(unauthorized, 0)"));
    assert_eq!(alarm("AuthorizerThrottlesAlarm")["MetricName"], "Throttles");
    assert_eq!(
        alarm("BadSignatureAlarm")["Dimensions"][1]["Value"],
        "bad_signature"
    );
    assert_eq!(
        alarm("WrongPartyAlarm")["Dimensions"][1]["Value"],
        "wrong_party"
    );
    assert_eq!(alarm("AuthorizerLatencyAlarm")["ExtendedStatistic"], "p99");
    // The metric names the alarms and the dashboard read are the ones the authorizer writes.
    for metric in [
        authorizer::metrics::DECISIONS,
        authorizer::metrics::DECISION_LATENCY,
        authorizer::metrics::UNAUTHORIZED_ERRORS,
    ] {
        assert!(text.contains(metric), "{metric}");
    }
    assert_eq!(
        resources["AuthorizerDashboard"]["Type"],
        "AWS::CloudWatch::Dashboard"
    );
    let env = &resources["AuthorizerFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(env["METRICS_NAMESPACE"], json!({"Ref": "MetricsNamespace"}));
    // No sample-specific rules in the standalone stack: AccessRules has no default.
    assert!(stack["Parameters"]["AccessRules"].get("Default").is_none());
    for output in ["AuthorizerFunctionArn", "AuthorizerFunctionName"] {
        assert!(stack["Outputs"].get(output).is_some(), "{output}");
    }
}

const ORIGIN: &str = "http://localhost:3000";

#[test]
fn cors_preflights_and_answers_a_browser_can_read_on_both_apis() {
    let env = dev_env_file();
    let g = Gateway::start("template.yaml", &["--env-file", env.path()]);
    let preflight = [
        ("Origin", ORIGIN),
        ("Access-Control-Request-Method", "DELETE"),
        ("Access-Control-Request-Headers", "authorization"),
    ];
    // REST: the mock preflight, without the authorizer (a preflight carries no token).
    let rest = call("OPTIONS", &g.url("RestApi", "/tasks/1"), &preflight);
    assert_eq!(rest.status, 200, "{}", rest.body);
    assert_eq!(rest.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        rest.header("access-control-allow-headers"),
        Some("Authorization,Content-Type")
    );
    assert!(rest
        .header("access-control-allow-methods")
        .unwrap()
        .contains("DELETE"));
    assert_eq!(
        rest.header("access-control-allow-credentials"),
        Some("true")
    );
    // HTTP API: answered by the API itself.
    let http = call("OPTIONS", &g.url("HttpApi", "/tasks/1"), &preflight);
    assert_eq!(http.status, 204);
    assert_eq!(http.header("access-control-allow-origin"), Some(ORIGIN));
    // API Gateway's own 401 and 403 carry the headers, so the page can read them.
    let member = token("member", 600);
    let expired = token("admin", -60);
    for (api, path, token, status) in [
        ("RestApi", "/tasks", None, 401),
        ("RestApi", "/tasks", Some(&expired), 401),
        ("RestApi", "/tasks/1", Some(&member), 403),
        ("HttpApi", "/tasks", None, 401),
        ("HttpApi", "/tasks/1", Some(&member), 403),
    ] {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Origin", ORIGIN)];
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        let method = if path == "/tasks/1" { "DELETE" } else { "GET" };
        let answer = call(method, &g.url(api, path), &headers);
        assert_eq!(answer.status, status, "{api} {method} {path}");
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some(ORIGIN),
            "{api} {method} {path}"
        );
    }
    // The handlers' own answers (REST proxy) carry them too; a disallowed origin gets none.
    let admin = token("admin", 600);
    let bearer = format!("Bearer {admin}");
    let ok = call(
        "GET",
        &g.url("RestApi", "/tasks"),
        &[("Origin", ORIGIN), ("Authorization", &bearer)],
    );
    assert_eq!(
        (ok.status, ok.header("access-control-allow-origin")),
        (200, Some(ORIGIN))
    );
    for api in ["RestApi", "HttpApi"] {
        let evil = call(
            "GET",
            &g.url(api, "/tasks"),
            &[
                ("Origin", "https://evil.example"),
                ("Authorization", &bearer),
            ],
        );
        assert_eq!(evil.status, 200);
        assert_ne!(
            evil.header("access-control-allow-origin"),
            Some("https://evil.example"),
            "{api}"
        );
    }
    let evil_preflight = call(
        "OPTIONS",
        &g.url("HttpApi", "/tasks"),
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "GET"),
        ],
    );
    assert_eq!(evil_preflight.header("access-control-allow-origin"), None);
}

#[test]
fn with_the_default_authorizer_on_the_preflight_a_browser_gets_the_production_401() {
    // SAM's default (AddDefaultAuthorizerToCorsPreflight: true) puts the authorizer in front of
    // the preflight, which carries no token: the classic production bug, shown locally.
    let text = std::fs::read_to_string(workspace().join("template.yaml")).unwrap();
    let changed = text.replacen(
        "AddDefaultAuthorizerToCorsPreflight: false",
        "AddDefaultAuthorizerToCorsPreflight: true",
        1,
    );
    assert_ne!(changed, text);
    // The copy lives elsewhere: its nested application is where the original's is.
    let stack = workspace().join("authorizer/template.yaml");
    let changed = changed.replacen(
        "Location: authorizer/template.yaml",
        &format!("Location: {}", stack.display()),
        1,
    );
    let file = TempFile::new("preflight.yaml", &changed);
    let env = dev_env_file();
    let g = Gateway::start(file.path(), &["--env-file", env.path()]);
    let preflight = call(
        "OPTIONS",
        &g.url("RestApi", "/tasks"),
        &[("Origin", ORIGIN), ("Access-Control-Request-Method", "GET")],
    );
    assert_eq!(preflight.status, 401);
}

#[test]
fn a_nested_application_brings_its_functions_and_its_outputs_name_them() {
    let fixture = workspace().join("local-gateway/tests/fixtures/nested/parent.yaml");
    let settings = Settings {
        parameter_overrides: [("Greeting".to_string(), "bonjour".to_string())].into(),
        region: "eu-west-3".into(),
        ..Settings::default()
    };
    let app = App::from_file(&fixture, &settings).unwrap();
    let check = &app.functions["Check"].environment;
    assert_eq!(
        check["GREETING"], "bonjour",
        "the parent's parameters go in"
    );
    assert_eq!(check["REGION"], "eu-west-3");
    assert_eq!(check["UNUSED"], "kept", "the child's own defaults stay");
    let api = &app.apis[0];
    assert_eq!(
        api.authorizers["FromChild"].function, "Check",
        "!GetAtt Child.Outputs.CheckArn"
    );

    let text = std::fs::read_to_string(&fixture).unwrap();
    let refused = |from: &str, to: &str| {
        let changed = text.replacen(from, to, 1);
        assert_ne!(changed, text);
        let file = TempFile::new("parent.yaml", &changed);
        // The copy is elsewhere: point it at the fixture's child.
        let child = fixture.with_file_name("child.yaml");
        let changed = changed.replacen(
            "Location: child.yaml",
            &format!("Location: {}", child.display()),
            1,
        );
        std::fs::write(file.path(), changed).unwrap();
        App::from_file(std::path::Path::new(file.path()), &Settings::default()).unwrap_err()
    };
    let sar = refused(
        "Location: child.yaml",
        "Location: {ApplicationId: arn:aws:serverlessrepo:us-east-1:1:applications/x, SemanticVersion: 1.0.0}",
    );
    assert!(sar.contains("Serverless Application Repository"), "{sar}");
    let missing = refused("Child.Outputs.CheckArn", "Child.Outputs.Nope");
    assert!(
        missing.contains("has no output Nope") && missing.contains("CheckArn"),
        "{missing}"
    );
    let broken = refused("Child.Outputs.CheckArn", "Child.Outputs.Broken");
    assert!(broken.contains("Fn::ImportValue"), "{broken}");
    let twice = refused("  Echo:\n", "  Check:\n");
    assert!(twice.contains("defined in its parent too"), "{twice}");
}

#[test]
fn raw_templates_may_build_uris_with_join_as_many_published_ones_do() {
    let text = r#"
Resources:
  Api: { Type: AWS::ApiGateway::RestApi, Properties: { Name: joined } }
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Auth
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Join ['', ['arn:aws:apigateway:', !Ref AWS::Region, ':lambda:path/2015-03-31/functions/', !GetAtt Echo.Arn, '/invocations']]
  Auth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Type: TOKEN
      IdentitySource: method.request.header.X-Token
      AuthorizerUri: !Join ['', ['arn:aws:apigateway:', !Ref AWS::Region, ':lambda:path/2015-03-31/functions/', !GetAtt Echo.Arn, '/invocations']]
  Stage: { Type: AWS::ApiGateway::Stage, Properties: { RestApiId: !Ref Api, StageName: Prod } }
  Echo:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: test-function } }
"#;
    let app = App::from_template(text, &Settings::default()).unwrap();
    let api = &app.apis[0];
    assert_eq!((api.name.as_str(), api.stage.as_str()), ("Api", "Prod"));
    assert_eq!(api.routes[0].function, "Echo");
    assert_eq!(api.routes[0].path, "/");
    assert_eq!(api.authorizers["Auth"].function, "Echo");
    assert_eq!(
        api.authorizers["Auth"].ttl, 300,
        "API Gateway's default TTL"
    );
    assert!(
        api.needs_permissions,
        "no permission in this template: every call would be a 500"
    );
}

/// The hardened templates: every checkov skip says why, and the production settings exist with
/// their documented defaults.
#[test]
fn every_checkov_skip_has_a_reason_and_the_hardening_parameters_have_their_defaults() {
    let mut skips = 0;
    for path in ["template.yaml", "authorizer/template.yaml"] {
        let text = std::fs::read_to_string(workspace().join(path)).unwrap();
        let template = local_gateway::yaml::parse(&text).unwrap();
        for (name, resource) in template["Resources"].as_object().unwrap() {
            for skip in resource["Metadata"]["checkov"]["skip"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let id = skip["id"].as_str().unwrap_or_default();
                let comment = skip["comment"].as_str().unwrap_or_default();
                assert!(
                    id.starts_with("CKV_") || id.starts_with("CKV2_"),
                    "{path} {name}: {skip}"
                );
                assert!(
                    comment.len() > 30,
                    "{path} {name} {id}: a skip needs its reason"
                );
                skips += 1;
            }
        }
        let parameters = &template["Parameters"];
        assert_eq!(parameters["TracingEnabled"]["Default"], "true", "{path}");
        assert_eq!(
            parameters["AuthorizerReservedConcurrency"]["Default"], "",
            "{path}"
        );
        assert_eq!(parameters["LogsKmsKeyArn"]["Default"], "", "{path}");
    }
    assert!(skips >= 10, "{skips}");
    let text = std::fs::read_to_string(workspace().join("template.yaml")).unwrap();
    let template = local_gateway::yaml::parse(&text).unwrap();
    let parameters = &template["Parameters"];
    assert_eq!(
        parameters["AuthorizerCacheTtl"]["Default"], 60,
        "Clerk tokens live 60 s"
    );
    assert_eq!(parameters["ThrottlingRateLimit"]["Default"], 100);
    assert_eq!(parameters["ThrottlingBurstLimit"]["Default"], 200);
    // Both REST APIs' format (RestApi's, and MeteredApi's with Metering).
    let api = &template["Globals"]["Api"];
    let format = api["AccessLogSetting"]["Format"].as_str().unwrap();
    let http = &template["Resources"]["HttpApi"]["Properties"];
    let http_format = http["AccessLogSettings"]["Format"].as_str().unwrap();
    for format in [format, http_format] {
        let line: Value = serde_json::from_str(format).expect("the access log format is JSON");
        for field in [
            "requestId",
            "sourceIp",
            "route",
            "status",
            "authorizerError",
            "authorizerLatency",
            "authorizerStatus",
            "integrationLatency",
            "integrationError",
        ] {
            assert!(line.get(field).is_some(), "{field} in {format}");
        }
    }
}

#[test]
fn stages_throttle_with_api_gateways_429_and_write_access_logs_in_the_templates_format() {
    let env = dev_env_file();
    let g = Gateway::start(
        "template.yaml",
        &[
            "--env-file",
            env.path(),
            "--parameter-overrides",
            "ThrottlingRateLimit=1",
            "ThrottlingBurstLimit=2",
        ],
    );
    assert!(
        !g.lines_with("X-Ray tracing").is_empty(),
        "it says tracing is not emulated"
    );
    let member = tests::mint(&tests::sample_claims(Some("member")));
    for api in ["RestApi", "HttpApi"] {
        // A burst of 2, refilled at 1 request per second: the third at once is throttled.
        let statuses: Vec<u16> = (0..3)
            .map(|_| call_with_token("GET", &g.url(api, "/me"), Some(&member)).status)
            .collect();
        assert_eq!(statuses, [200, 200, 429], "{api}");
        let throttled = call_with_token("GET", &g.url(api, "/me"), Some(&member));
        assert_eq!(throttled.json()["message"], "Too Many Requests", "{api}");
        thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            call_with_token("GET", &g.url(api, "/me"), Some(&member)).status,
            200,
            "{api}"
        );
    }
    // One access-log line per request, in the template's JSON format.
    let lines = g.wait_for_lines(" access {", 10);
    let entries: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l.split_once(" access ").unwrap().1).expect("JSON"))
        .collect();
    let allowed = entries
        .iter()
        .find(|e| e["status"] == "200" && lines.iter().any(|l| l.starts_with("RestApi access")))
        .unwrap();
    assert_eq!(allowed["authorizerStatus"], "200", "{allowed}");
    assert_eq!(allowed["route"], "GET /me", "{allowed}");
    assert!(allowed["requestId"].as_str().unwrap().starts_with("local-"));
    assert_eq!(allowed["principalId"], "user_2member000000000000000001");
    let http = lines
        .iter()
        .find(|l| l.starts_with("HttpApi access"))
        .map(|l| serde_json::from_str::<Value>(l.split_once(" access ").unwrap().1).unwrap())
        .unwrap();
    assert_eq!(http["sub"], "user_2member000000000000000001", "{http}");
    assert!(entries
        .iter()
        .any(|e| e["status"] == "429" && e["authorizerStatus"] == "-"));
}
