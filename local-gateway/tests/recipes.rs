//! The attach recipes of `examples/`, end to end: the plain CloudFormation REST and HTTP APIs
//! (raw `AWS::ApiGateway*` resources) in front of the real authorizer answer exactly as the
//! same APIs in SAM's form: 401, 403, allow, and the cache. A recipe without its
//! `AWS::Lambda::Permission` gets production's 500.

mod common;

use common::*;

const HARNESS: &str = "local-gateway/tests/fixtures/recipes.yaml";

fn gateway() -> (Gateway, TempFile) {
    let env = dev_env_file();
    let g = Gateway::start(HARNESS, &["--env-file", env.path()]);
    (g, env)
}

/// (API, path prefix) pairs serving the same routes: the raw recipe and its SAM twin.
const REST: [&str; 2] = ["RestRecipe/Api", "SamRest"];
const HTTP: [&str; 2] = ["HttpRecipe/Api", "SamHttp"];

/// The harness with recipe `name` replaced by `text` (a changed copy): (the copy, the harness),
/// both temporary files, with every other path made absolute.
fn harness_with(name: &str, text: &str) -> (TempFile, TempFile) {
    let workspace = workspace();
    let copy = TempFile::new("recipe.yaml", text);
    let harness = std::fs::read_to_string(workspace.join(HARNESS))
        .unwrap()
        .replace(
            "../../../authorizer/",
            &format!("{}/", workspace.join("authorizer").display()),
        )
        .replace(
            &format!("../../../examples/{name}/template.yaml"),
            copy.path(),
        )
        .replace(
            "../../../examples/",
            &format!("{}/", workspace.join("examples").display()),
        );
    (copy, TempFile::new("harness.yaml", &harness))
}

#[test]
fn the_raw_recipes_answer_as_their_sam_twins() {
    let (g, _env) = gateway();
    let admin = tests::mint(&tests::sample_claims(Some("admin")));
    let member = tests::mint(&tests::sample_claims(Some("member")));
    let expired = tests::mint(&tests::clerk_claims(
        "user_2member000000000000000001",
        serde_json::json!({"role": "member"}),
        1_700_000_000,
        1_700_000_060,
    ));
    // (method, path, token, REST status, HTTP status)
    let cases: [(&str, &str, Option<&str>, u16, u16); 7] = [
        ("GET", "/tasks", Some(&admin), 200, 200),
        ("DELETE", "/tasks/1", Some(&admin), 200, 200),
        ("GET", "/tasks", Some(&member), 200, 200),
        ("DELETE", "/tasks/1", Some(&member), 403, 403),
        ("GET", "/tasks", None, 401, 401),
        // REST: the Lambda error Unauthorized is 401; HTTP APIs answer isAuthorized: false, 403.
        ("GET", "/tasks", Some(&expired), 401, 403),
        ("GET", "/me", Some(&member), 200, 200),
    ];
    for (apis, http) in [(REST, false), (HTTP, true)] {
        for (method, path, token, rest_status, http_status) in cases {
            let want = if http { http_status } else { rest_status };
            let answers: Vec<u16> = apis
                .iter()
                .map(|api| call_with_token(method, &g.url(api, path), token).status)
                .collect();
            assert_eq!(answers, [want, want], "{apis:?} {method} {path} {token:?}");
        }
    }
    // The backend saw the authorizer's context on both forms.
    for api in [REST[0], HTTP[0]] {
        let answer = call_with_token("GET", &g.url(api, "/me"), Some(&member));
        let event = answer.json();
        let context = if api == HTTP[0] {
            &event["requestContext"]["authorizer"]["lambda"]
        } else {
            &event["requestContext"]["authorizer"]
        };
        assert_eq!(
            context["sub"], "user_2member000000000000000001",
            "{api}: {event}"
        );
        assert_eq!(context["token_type"], "session_token");
    }
}

#[test]
fn the_token_authorizers_cache_and_validation_expression_behave_as_api_gateways() {
    let (g, _env) = gateway();
    let member = tests::mint(&tests::sample_claims(Some("member")));
    let mut n = 0;
    let mut call = |api: &str, path: &str, auth: Option<&str>| {
        n += 1;
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", *a)).collect();
        (
            call(
                if path == "/tasks/1" { "DELETE" } else { "GET" },
                &g.url(api, path),
                &headers,
            )
            .status,
            n,
        )
    };
    let bearer = format!("Bearer {member}");
    for api in REST {
        // A cached answer is judged again on another route: allowed here, 403 there.
        let (status, first) = call(api, "/tasks", Some(&bearer));
        assert_eq!(status, 200);
        g.assert_request_line(first, "cache miss");
        let (status, second) = call(api, "/tasks/1", Some(&bearer));
        assert_eq!(status, 403);
        g.assert_request_line(second, "cache hit");
    }
    // IdentityValidationExpression (the raw recipe's): no match is a 401 without invoking the
    // authorizer. SAM's twin has no expression, so its authorizer sees and refuses the value.
    // The authorizer's decision lines, as the gateway shows them:
    // `[AuthorizerFunction] <decision> <reason> <sub> <route>`.
    let decisions = || {
        g.lines_with("[AuthorizerFunction] ")
            .iter()
            .filter(|l| {
                ["allow ", "deny ", "unauthorized "]
                    .iter()
                    .any(|d| l.contains(&format!("] {d}")))
            })
            .count()
    };
    let before = decisions();
    let (status, line) = call(REST[0], "/tasks", Some("Basic dXNlcjpwYXNz"));
    assert_eq!(status, 401);
    g.assert_request_line(line, "authorizer not invoked");
    let (status, line) = call(REST[1], "/tasks", Some("Basic dXNlcjpwYXNz"));
    assert_eq!(status, 401);
    g.assert_request_line(line, "unauthorized");
    g.wait_for_lines("] unauthorized unsupported_scheme", 1);
    assert_eq!(
        decisions(),
        before + 1,
        "only SAM's twin invoked the authorizer"
    );
}

#[test]
fn a_recipe_without_its_invoke_permission_gets_the_production_500() {
    let workspace = workspace();
    let member = tests::mint(&tests::sample_claims(Some("member")));
    for (recipe, permission, api, status) in [
        (
            "cloudformation-rest-api",
            "  AuthorizerPermission:",
            "RestRecipe/Api",
            500,
        ),
        (
            "cloudformation-rest-api",
            "  BackendPermission:",
            "RestRecipe/Api",
            500,
        ),
        (
            "cloudformation-http-api",
            "  AuthorizerPermission:",
            "HttpRecipe/Api",
            500,
        ),
        (
            "cloudformation-http-api",
            "  BackendPermission:",
            "HttpRecipe/Api",
            500,
        ),
    ] {
        let path = workspace
            .join("examples")
            .join(recipe)
            .join("template.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        // The permission's Action no longer lets API Gateway invoke the function.
        let start = text.find(permission).unwrap();
        let changed = format!(
            "{}{}",
            &text[..start],
            text[start..].replacen(
                "Action: lambda:InvokeFunction",
                "Action: lambda:GetFunction",
                1
            )
        );
        assert_ne!(changed, text);
        let (_copy, harness) = harness_with(recipe, &changed);
        let env = dev_env_file();
        let g = Gateway::start(harness.path(), &["--env-file", env.path()]);
        let answer = call_with_token("GET", &g.url(api, "/tasks"), Some(&member));
        assert_eq!(answer.status, status, "{recipe} without {permission}");
        g.assert_request_line(1, "no AWS::Lambda::Permission");
        // The SAM twin is unaffected: SAM adds its own permissions.
        let twin = if api.starts_with("Rest") {
            REST[1]
        } else {
            HTTP[1]
        };
        assert_eq!(
            call_with_token("GET", &g.url(twin, "/tasks"), Some(&member)).status,
            200
        );
    }
}

#[test]
fn raw_constructs_it_cannot_serve_stop_it_at_start_with_the_reason() {
    let workspace = workspace();
    for (recipe, from, to, reason) in [
        (
            "rest",
            "        Type: AWS_PROXY\n",
            "        Type: HTTP_PROXY\n",
            "HTTP_PROXY\" is not supported",
        ),
        (
            "rest",
            "      HttpMethod: GET\n      AuthorizationType: CUSTOM\n",
            "      HttpMethod: GET\n      AuthorizationType: AWS_IAM\n",
            "AuthorizationType AWS_IAM",
        ),
        (
            "rest",
            "      Type: TOKEN\n",
            "      Type: COGNITO_USER_POOLS\n",
            "COGNITO_USER_POOLS",
        ),
        (
            "rest",
            "      Name: existing-api\n",
            "      Name: existing-api\n      Policy: {}\n",
            "property Policy",
        ),
        (
            "http",
            "      AuthorizerType: REQUEST\n",
            "      AuthorizerType: JWT\n",
            "JWT authorizers are not emulated",
        ),
        (
            "http",
            "      ProtocolType: HTTP\n",
            "      ProtocolType: WEBSOCKET\n",
            "WEBSOCKET",
        ),
        (
            "http",
            "      PayloadFormatVersion: \"2.0\"\n",
            "      PayloadFormatVersion: \"1.0\"\n",
            "PayloadFormatVersion must be \"2.0\"",
        ),
    ] {
        let name = format!("cloudformation-{recipe}-api");
        let text =
            std::fs::read_to_string(workspace.join("examples").join(&name).join("template.yaml"))
                .unwrap();
        let changed = text.replacen(from, to, 1);
        assert_ne!(changed, text, "{reason}: the recipe changed");
        let (_copy, harness) = harness_with(&name, &changed);
        let refused =
            Gateway::try_start(harness.path(), &["--parameter-overrides", "ClerkJwtKey=x"])
                .err()
                .expect("refused at start");
        assert!(!refused.success, "{reason}");
        assert!(
            refused.output.contains(reason),
            "{reason}: {}",
            refused.output
        );
    }
}
