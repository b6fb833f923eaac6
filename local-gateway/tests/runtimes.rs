//! Node.js and Python functions on local-gateway, behind the real authorizer, over real HTTP:
//! the example of examples/node-python, a template in the shape `sam init` generates, and the
//! runtime contract (handlers, the context, errors, timeouts, layers, the SDK, `--watch`) on
//! templates written here.

mod common;

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use common::*;

/// The authorizer's settings without ACCESS_RULES: each template says its own.
fn settings() -> TempFile {
    let text: String = tests::dev_env()
        .into_iter()
        .filter(|(k, _)| *k != "ACCESS_RULES")
        .map(|(k, v)| format!("{k}='{v}'\n"))
        .collect();
    TempFile::new("runtimes.env", &text)
}

const MEMBER: &str = "user_2member000000000000000001";

fn member() -> String {
    tests::mint(&tests::sample_claims(Some("member")))
}

fn no_role() -> String {
    tests::mint(&tests::sample_claims(None))
}

#[test]
fn the_node_and_python_example_serves_behind_the_authorizer() {
    let env = settings();
    let g = Gateway::start(
        "examples/node-python/template.yaml",
        &["--env-file", env.path()],
    );
    let (member, no_role) = (member(), no_role());
    let rest = |path: &str, token: Option<&str>| get(&g.url("ServerlessRestApi", path), token);
    let http = |path: &str, token: Option<&str>| get(&g.url("ServerlessHttpApi", path), token);

    // examples/context's handlers, as real functions: the context on both APIs.
    for path in ["/node/me", "/python/me"] {
        for answer in [rest(path, Some(&member)), http(path, Some(&member))] {
            assert_eq!(answer.status, 200, "{path}: {}", answer.body);
            let me = answer.json();
            assert_eq!(me["subject"], MEMBER, "{path}");
            assert_eq!(me["tokenType"], "session_token", "{path}");
        }
        assert_eq!(rest(path, None).status, 401, "{path}");
        assert_eq!(http(path, None).status, 401, "{path}");
        assert_eq!(rest(path, Some(&no_role)).status, 403, "{path}");
        assert_eq!(http(path, Some(&no_role)).status, 403, "{path}");
    }

    // What Lambda gives the function: the environment (Globals included), the context object,
    // and a layer's package, imported from an ES module and from Python.
    for (path, runtime, handler) in [
        ("/node/env", "AWS_Lambda_nodejs22.x", "src/env.handler"),
        (
            "/python/env",
            "AWS_Lambda_python3.12",
            "reports.app.handler",
        ),
    ] {
        let answer = rest(path, Some(&member));
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        let env = answer.json();
        assert_eq!(env["runtime"], runtime);
        assert_eq!(env["handler"], handler);
        assert_eq!(env["stage"], "local", "Globals.Function.Environment");
        assert_eq!(env["region"], "us-east-1");
        assert_eq!(env["memoryLimitInMB"], "256", "Globals.Function.MemorySize");
        let function = env["functionName"].as_str().unwrap().to_string();
        assert_eq!(env["logGroupName"], format!("/aws/lambda/{function}"));
        assert!(
            env["logStreamName"]
                .as_str()
                .unwrap()
                .contains("/[$LATEST]"),
            "{env}"
        );
        assert_eq!(env["timeZone"], ":UTC");
        assert_eq!(env["subject"], MEMBER, "requestContext.authorizer");
        let remaining = env["remainingMs"].as_u64().unwrap();
        assert!(remaining > 0 && remaining <= 5000, "{remaining}");
        let request_id = env["requestId"].as_str().unwrap();
        assert_eq!(
            request_id.split('-').map(str::len).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12],
            "a UUID: {request_id}"
        );
        assert!(Path::new(env["taskRoot"].as_str().unwrap()).is_dir());
        // The REPORT record of that invocation, with its init on a cold start.
        let report = g.wait_for_lines(&format!("REPORT RequestId: {request_id}"), 1);
        assert!(
            report[0].contains("Memory Size: 256 MB") && report[0].contains("Init Duration: "),
            "{report:?}"
        );
    }
    // `logging` and `print` output under the function's prefix; REPORT for Rust too.
    g.wait_for_lines("[PythonEnvFunction] [INFO]", 1);
    g.wait_for_lines(
        "[PythonEnvFunction] printed, as Lambda keeps print output too",
        1,
    );
    g.wait_for_lines("[AuthorizerFunction] REPORT ", 1);

    // A handler that throws: REST 502, HTTP API 500, the error logged as Lambda logs it.
    let failed = rest("/fail", Some(&member));
    assert_eq!(
        (failed.status, failed.json()),
        (502, serde_json::json!({"message": "Internal server error"}))
    );
    let failed = http("/fail", Some(&member));
    assert_eq!(
        (failed.status, failed.json()),
        (500, serde_json::json!({"message": "Internal Server Error"}))
    );
    g.wait_for_lines(
        r#"Invoke Error {"errorType":"TypeError","errorMessage":"the report service is down""#,
        2,
    );
    g.wait_for_lines("Status: error", 2);

    // A handler that outlasts its Timeout: 502, the environment replaced, then service again.
    let slow = rest("/slow", Some(&member));
    assert_eq!(slow.status, 502, "{}", slow.body);
    g.wait_for_lines("SlowFunction: Task timed out after 1 seconds", 1);
    g.wait_for_lines("Status: timeout", 1);
    let quick = rest("/slow?seconds=0", Some(&member));
    assert_eq!((quick.status, quick.body.as_str()), (200, "done"));
}

#[test]
fn a_template_in_the_shape_sam_init_generates_serves_behind_globals_api_auth() {
    let env = settings();
    let g = Gateway::start(
        "local-gateway/tests/fixtures/sam-init/template.yaml",
        &["--env-file", env.path()],
    );
    let member = member();
    for path in ["/hello", "/hello-python"] {
        let url = g.url("ServerlessRestApi", path);
        let answer = get(&url, Some(&member));
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert_eq!(answer.json()["message"], "hello world");
        assert_eq!(
            get(&url, None).status,
            401,
            "{path}: the default authorizer guards it"
        );
    }
    // LoggingConfig.LogFormat JSON: Lambda's platform.report, shown as a REPORT line.
    g.wait_for_lines("[HelloWorldFunction] REPORT ", 1);
    g.wait_for_lines("[HelloPythonFunction] REPORT ", 1);
}

/// A folder of files in the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(files: &[(&str, &str)]) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("runtimes-{}-{n}", std::process::id()));
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        TempDir(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Functions that exercise Lambda's runtime contract, on routes without an authorizer.
const CONTRACT: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 5
    Environment:
      Variables:
        GREETING: hello
        NOTES_TABLE: !Ref Notes
Resources:
  Notes:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
  Tools:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: tools/
  Callback22:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      CodeUri: node/
      Handler: callback.handler
      Events: { E: { Type: HttpApi, Properties: { Path: /callback22, Method: GET } } }
  Callback24:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs24.x
      CodeUri: node/
      Handler: callback.handler
      Events: { E: { Type: HttpApi, Properties: { Path: /callback24, Method: GET } } }
  Waits:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      CodeUri: node/
      Handler: waits.handler
      Events: { E: { Type: HttpApi, Properties: { Path: /waits, Method: GET } } }
  CommonJs:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      CodeUri: node/
      Handler: lib/deep/common.handler
      Layers: [!Ref Tools]
      Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: /opt/bin/wrapper } }
      Events: { E: { Type: HttpApi, Properties: { Path: /cjs, Method: GET } } }
  Module:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      CodeUri: esm/
      Handler: app.handler
      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:shared:3]
      Events: { E: { Type: HttpApi, Properties: { Path: /esm, Method: GET } } }
  Crash:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      CodeUri: node/
      Handler: crash.handler
      Events: { E: { Type: HttpApi, Properties: { Path: /crash, Method: GET } } }
  Dotted:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: py/
      Handler: pkg.mod.handler
      Layers: [arn:aws:lambda:us-east-1:123456789012:layer:shared:3]
      Events: { E: { Type: HttpApi, Properties: { Path: /dotted, Method: GET } } }
  Missing:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: py/
      Handler: nowhere.handler
      Events: { E: { Type: HttpApi, Properties: { Path: /missing, Method: GET } } }
  Lingers:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: py/
      Handler: slow.linger
      Events:
        Http: { Type: HttpApi, Properties: { Path: /linger, Method: GET, TimeoutInMillis: 500 } }
        Rest: { Type: Api, Properties: { Path: /linger, Method: GET, TimeoutInMillis: 500 } }
"#;

const CALLBACK: &str = "exports.handler = (event, context, callback) => {\n  setTimeout(() => callback(null, { statusCode: 200, body: 'called back' }), 1);\n};\n";
const WAITS: &str = r#"exports.handler = (event, context, callback) => {
  if (event.queryStringParameters?.nowait) context.callbackWaitsForEmptyEventLoop = false;
  const response = { statusCode: 200, body: "answered at the callback" };
  callback(null, response);
  setTimeout(() => { response.body = "answered once the event loop was empty"; }, 50);
};
"#;
const COMMON: &str = r#"const { execFileSync } = require("node:child_process");
exports.handler = async (event, context) => {
  console.log("cjs says", { greeting: process.env.GREETING });
  return { statusCode: 200, body: JSON.stringify({
    tool: execFileSync("layer-tool").toString().trim(),
    wrapped: process.env.WRAPPED,
    greeting: process.env.GREETING,
    arn: context.invokedFunctionArn,
    version: context.functionVersion,
  }) };
};
"#;
const ESM: &str = r#"import { shout } from "shared-kit";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async () => {
  await db.send(new PutCommand({ TableName: process.env.NOTES_TABLE, Item: { id: "n1", text: "from node" } }));
  return { statusCode: 200, body: shout("stored") };
};
"#;
const CRASH: &str = "exports.handler = async (event) => {\n  if (event.queryStringParameters?.crash) process.exit(3);\n  return { statusCode: 200, body: 'alive' };\n};\n";
const PY: &str = r#"import json
import os

import boto3
from shared_kit import whisper


def handler(event, context):
    item = boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"]).get_item(Key={"id": "n1"})
    return {"statusCode": 200, "body": json.dumps({"note": item.get("Item", {}).get("text"), "kit": whisper("READ")})}
"#;
const SLOW: &str = "import time\n\n\ndef linger(event, context):\n    time.sleep(2)\n    return {'statusCode': 200, 'body': 'late'}\n";

#[test]
fn the_runtime_contract_of_node_and_python() {
    let dir = TempDir::new(&[
        ("template.yaml", CONTRACT),
        ("node/callback.js", CALLBACK),
        ("node/waits.js", WAITS),
        ("node/lib/deep/common.cjs", COMMON),
        ("node/crash.js", CRASH),
        ("esm/package.json", r#"{"type": "module"}"#),
        ("esm/app.js", ESM),
        ("py/pkg/__init__.py", ""),
        ("py/pkg/mod.py", PY),
        ("py/slow.py", SLOW),
        (
            "tools/bin/layer-tool",
            "#!/bin/sh\necho tool from a layer\n",
        ),
        (
            "tools/bin/wrapper",
            "#!/bin/sh\nexport WRAPPED=\"by $(basename \"$1\")\"\nexec \"$@\"\n",
        ),
        (
            "shared/nodejs/node_modules/shared-kit/package.json",
            r#"{"name": "shared-kit", "type": "module", "exports": "./index.js"}"#,
        ),
        (
            "shared/nodejs/node_modules/shared-kit/index.js",
            "export const shout = (text) => text.toUpperCase() + '!';\n",
        ),
        (
            "shared/python/lib/python3.12/site-packages/shared_kit.py",
            "def whisper(text):\n    return text.lower()\n",
        ),
    ]);
    use std::os::unix::fs::PermissionsExt;
    for tool in ["layer-tool", "wrapper"] {
        std::fs::set_permissions(
            dir.0.join("tools/bin").join(tool),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let env = TempFile::new("contract.env", "GREETING=bonjour\n");
    let layer = format!(
        "arn:aws:lambda:us-east-1:123456789012:layer:shared:3={}",
        dir.path("shared")
    );

    // A function built by esbuild is refused: its CodeUri is not what runs.
    let esbuilt = CONTRACT.replace(
        "  Crash:\n    Type: AWS::Serverless::Function\n",
        "  Crash:\n    Type: AWS::Serverless::Function\n    Metadata: { BuildMethod: esbuild }\n",
    );
    assert_ne!(esbuilt, CONTRACT);
    std::fs::write(dir.0.join("esbuilt.yaml"), esbuilt).unwrap();
    let refused = Gateway::try_start(&dir.path("esbuilt.yaml"), &[])
        .err()
        .expect("refused");
    assert!(
        refused
            .output
            .contains("function Crash is built with esbuild"),
        "{}",
        refused.output
    );

    // A layer named by ARN stops the start unless --layer maps it.
    let refused = Gateway::try_start(&dir.path("template.yaml"), &[])
        .err()
        .expect("refused");
    assert!(
        refused
            .output
            .contains("--layer arn:aws:lambda:us-east-1:123456789012:layer:shared:3=DIR"),
        "{}",
        refused.output
    );

    let g = Gateway::start(
        &dir.path("template.yaml"),
        &["--env-file", env.path(), "--layer", &layer],
    );
    let url = |path: &str| g.url("ServerlessHttpApi", path);
    // The deprecated runtime and the interpreters' versions, at start.
    assert_eq!(
        g.lines_with("function Module: nodejs20.x is deprecated on Lambda")
            .len(),
        1
    );
    assert_eq!(
        g.lines_with("function Module (nodejs20.x) runs on ").len(),
        1
    );
    assert_eq!(
        g.lines_with("function Dotted (python3.12) runs on ").len(),
        1
    );
    assert_eq!(
        g.lines_with("function Callback24: the template says nodejs24.x, the machine has")
            .len(),
        1,
        "this machine's node is not 24"
    );

    // Callback handlers run on nodejs22.x and fail their init on nodejs24.x, as on Lambda.
    let called = get(&url("/callback22"), None);
    assert_eq!((called.status, called.body.as_str()), (200, "called back"));
    assert_eq!(get(&url("/callback24"), None).status, 500);
    g.wait_for_lines("Runtime.CallbackHandlerDeprecated", 1);
    // callbackWaitsForEmptyEventLoop: the answer waits for the handler's timer (and is
    // serialized then), unless the handler clears it.
    assert_eq!(
        get(&url("/waits"), None).body,
        "answered once the event loop was empty"
    );
    assert_eq!(
        get(&url("/waits?nowait=1"), None).body,
        "answered at the callback"
    );

    // A nested .cjs handler, a layer's bin on PATH, --env-file over the template's variable,
    // console.log under the function's prefix as Lambda writes it, the context's ARN.
    let cjs = get(&url("/cjs"), None);
    assert_eq!(cjs.status, 200, "{}", cjs.body);
    let cjs = cjs.json();
    assert_eq!(cjs["tool"], "tool from a layer");
    // AWS_LAMBDA_EXEC_WRAPPER, a layer's script run with the runtime's command (node …).
    assert_eq!(cjs["wrapped"], "by node");
    assert_eq!(cjs["greeting"], "bonjour");
    assert_eq!(
        cjs["arn"],
        "arn:aws:lambda:us-east-1:123456789012:function:CommonJs"
    );
    assert_eq!(cjs["version"], "$LATEST");
    let logged = g.wait_for_lines("[CommonJs] ", 1);
    assert!(
        logged
            .iter()
            .any(|l| l.contains("\tINFO\tcjs says { greeting: 'bonjour' }")),
        "{logged:?}"
    );

    // An ES module ("type": "module") importing a layer's package and the bundled AWS SDK,
    // writing to the local DynamoDB; Python reading it with boto3 and its own layer module.
    let esm = get(&url("/esm"), None);
    assert_eq!(
        (esm.status, esm.body.as_str()),
        (200, "STORED!"),
        "{}",
        g.output()
    );
    let dotted = get(&url("/dotted"), None);
    assert_eq!(dotted.status, 200, "{}", g.output());
    assert_eq!(
        dotted.json(),
        serde_json::json!({"note": "from node", "kit": "read"})
    );

    // An import that fails: the init error reaches the Runtime API, API Gateway answers 500.
    assert_eq!(get(&url("/missing"), None).status, 500);
    g.wait_for_lines("Runtime.ImportModuleError", 1);

    // A crashed interpreter is started again; the gateway serves on.
    assert_eq!(get(&url("/crash?crash=1"), None).status, 500);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let again = get(&url("/crash"), None);
        if again.status == 200 {
            assert_eq!(again.body, "alive");
            break;
        }
        assert!(Instant::now() < deadline, "never restarted: {}", g.output());
        thread::sleep(Duration::from_millis(100));
    }

    // Still running at the integration timeout: HTTP API 503, REST 504.
    let late = get(&url("/linger"), None);
    assert_eq!(
        (late.status, late.json()),
        (503, serde_json::json!({"message": "Service Unavailable"}))
    );
    let late = get(&g.url("ServerlessRestApi", "/linger"), None);
    assert_eq!(
        (late.status, late.json()),
        (
            504,
            serde_json::json!({"message": "Endpoint request timed out"})
        )
    );
}

#[test]
fn watch_swaps_a_node_or_python_function_when_its_code_changes() {
    let dir = TempDir::new(&[
        (
            "template.yaml",
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Kit:\n    Type: AWS::Serverless::LayerVersion\n    Properties: { ContentUri: kit/ }\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      CodeUri: src/\n      Handler: app.handler\n      Layers: [!Ref Kit]\n      Events: { E: { Type: HttpApi, Properties: { Path: /v, Method: GET } } }\n",
        ),
        ("src/app.py", "def handler(event, context):\n    return {'statusCode': 200, 'body': 'v1'}\n"),
        ("kit/python/kit.py", "SUFFIX = '+kit1'\n"),
    ]);
    // v1 written early in its second, so its edit can share that second.
    let app = dir.0.join("src/app.py");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let file = std::fs::File::options().write(true).open(&app).unwrap();
    file.set_modified(
        std::time::UNIX_EPOCH
            + Duration::from_secs(now.as_secs() - 10)
            + Duration::from_millis(100),
    )
    .unwrap();
    drop(file);
    let g = Gateway::start(&dir.path("template.yaml"), &["--watch"]);
    let url = g.url("ServerlessHttpApi", "/v");
    assert_eq!(get(&url, None).body, "v1");
    let swapped_to = |body: &str| {
        let deadline = Instant::now() + Duration::from_secs(15);
        while get(&url, None).body != body {
            assert!(
                Instant::now() < deadline,
                "not swapped to {body}: {}",
                g.output()
            );
            thread::sleep(Duration::from_millis(200));
        }
    };
    // The code changes, with the same size and within the same second (Python's own check
    // for stale bytecode compares just those): the swap runs the new code.
    let second = std::fs::metadata(&app).unwrap().modified().unwrap();
    let second = std::time::UNIX_EPOCH
        + Duration::from_secs(
            second
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        );
    std::fs::write(
        &app,
        "def handler(event, context):\n    return {'statusCode': 200, 'body': 'v2'}\n",
    )
    .unwrap();
    let file = std::fs::File::options().write(true).open(&app).unwrap();
    file.set_modified(second + Duration::from_millis(900))
        .unwrap();
    drop(file);
    swapped_to("v2");
    std::fs::write(
        dir.0.join("src/app.py"),
        "from kit import SUFFIX\ndef handler(event, context):\n    return {'statusCode': 200, 'body': 'v3' + SUFFIX}\n",
    )
    .unwrap();
    swapped_to("v3+kit1");
    // A layer changes.
    std::fs::write(dir.0.join("kit/python/kit.py"), "SUFFIX = '+kit2'\n").unwrap();
    swapped_to("v3+kit2");
    g.wait_for_lines("Hello reloaded (its code or a layer changed)", 3);
}

/// A function's `Timeout` counts from when its process takes the event, not from the request:
/// a cold start's init (bounded apart on Lambda, at 10 s) longer than the timeout still answers.
#[test]
fn a_slow_init_does_not_count_in_the_function_timeout() {
    let dir = TempDir::new(&[
        (
            "template.yaml",
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Slow:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      CodeUri: src/\n      Handler: app.handler\n      Timeout: 1\n      Events: { E: { Type: HttpApi, Properties: { Path: /slow, Method: GET } } }\n",
        ),
        (
            "src/app.py",
            "import time\n\ntime.sleep(6.5)\n\n\ndef handler(event, context):\n    return {'statusCode': 200, 'body': 'initialised'}\n",
        ),
    ]);
    let g = Gateway::start(&dir.path("template.yaml"), &[]);
    let answer = get(&g.url("ServerlessHttpApi", "/slow"), None);
    assert_eq!((answer.status, answer.body.as_str()), (200, "initialised"));
    let report = g.wait_for_lines("[Slow] REPORT", 1);
    let init_ms: f64 = report[0]
        .split("Init Duration: ")
        .nth(1)
        .and_then(|rest| rest.split(" ms").next())
        .and_then(|ms| ms.parse().ok())
        .expect("a cold start's REPORT has an Init Duration");
    assert!(init_ms >= 6000.0, "{}", report[0]);
}

/// `sam build`'s output runs as it is: its top template (recorded from a real `sam build` of the
/// sam-init fixture), the functions' folders it copies, and the nested authorizer's template with
/// `CodeUri` pointing at the arm64 build, whose host build of `BuildProperties.Binary` runs.
#[test]
fn sam_builds_output_runs_with_the_host_build_of_provided_functions() {
    let workspace = workspace();
    let read = |path: &str| std::fs::read_to_string(workspace.join(path)).unwrap();
    let authorizer =
        read("authorizer/template.yaml").replace("CodeUri: .", "CodeUri: AuthorizerFunction");
    assert!(authorizer.contains("CodeUri: AuthorizerFunction"));
    let fixture = "local-gateway/tests/fixtures/sam-init";
    let build = TempDir::new(&[
        (
            "template.yaml",
            &read("local-gateway/tests/fixtures/sam-build/template.yaml"),
        ),
        (
            "HelloWorldFunction/app.mjs",
            &read(&format!("{fixture}/hello-world/app.mjs")),
        ),
        (
            "HelloWorldFunction/package.json",
            &read(&format!("{fixture}/hello-world/package.json")),
        ),
        (
            "HelloPythonFunction/app.py",
            &read(&format!("{fixture}/hello_world/app.py")),
        ),
        ("Authorizer/template.yaml", &authorizer),
        // An arm64 binary in the real output: never run here.
        (
            "Authorizer/AuthorizerFunction/bootstrap",
            "not a host binary",
        ),
    ]);
    let env = settings();
    let g = Gateway::start(&build.path("template.yaml"), &["--env-file", env.path()]);
    let member = member();
    for path in ["/hello", "/hello-python"] {
        let url = g.url("ServerlessRestApi", path);
        let answer = get(&url, Some(&member));
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert_eq!(get(&url, None).status, 401, "{path}");
    }
}

/// A Node.js or Python function on a machine without its interpreter stops the start, naming
/// the function and what to install, before any route is served.
#[test]
fn a_missing_interpreter_stops_the_start_naming_the_function() {
    for (runtime, handler, install) in [
        (
            "nodejs22.x",
            "app.handler",
            "Node.js (node) is not on PATH: install it",
        ),
        (
            "python3.12",
            "app.handler",
            "Python 3 (python3) is not on PATH: install it",
        ),
    ] {
        let dir = TempDir::new(&[
            (
                "template.yaml",
                &format!(
                    "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: {runtime}\n      CodeUri: code/\n      Handler: {handler}\n      Events: {{ E: {{ Type: HttpApi, Properties: {{ Path: /x, Method: GET }} }} }}\n"
                ),
            ),
            ("code/app.js", "exports.handler = async () => ({});\n"),
            ("code/app.py", "def handler(event, context):\n    return {}\n"),
        ]);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_local-gateway"))
            .args([
                "--template",
                &dir.path("template.yaml"),
                "--port",
                "0",
                "--no-build",
            ])
            // A PATH where neither interpreter is.
            .env("PATH", dir.path("no-such-bin"))
            .output()
            .expect("the gateway binary runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{runtime}: {text}");
        assert!(
            text.contains(&format!("function Fn runs on {runtime}, and {install}")),
            "{runtime}: {text}"
        );
        assert!(!text.contains("ready"), "{runtime}: {text}");
    }
}
