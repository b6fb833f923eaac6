//! `--watch`: a changed source rebuilds and swaps in the function whose binary changed; a
//! failed build or a new process that fails its init keeps the old one; a changed template
//! restarts the function whose definition changed. The build is a small script (the test does
//! not wait on cargo), which copies one of this workspace's binaries into place.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_changed_source_rebuilds_and_swaps_in_the_new_function_and_a_bad_build_keeps_the_old() {
    let dir = std::env::temp_dir().join(format!("local-gateway-watch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let debug = bin_dir();
    let template = |greeting: &str| {
        format!(
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n  Hello:\n    Type: AWS::Serverless::Function\n    Metadata: {{ BuildProperties: {{ Binary: hello }} }}\n    Properties:\n      Environment: {{ Variables: {{ GREETING: {greeting} }} }}\n      Events:\n        Get: {{ Type: HttpApi, Properties: {{ ApiId: !Ref Api, Path: /hello, Method: GET }} }}\n        Slow: {{ Type: HttpApi, Properties: {{ ApiId: !Ref Api, Path: \"/hello/{{proxy+}}\", Method: GET }} }}\n"
        )
    };
    write(&dir.join("template.yaml"), &template("one"));
    write(&dir.join("src/lib.rs"), "// v1\n");
    // The first build: the scriptable test function (200, with the event it got).
    std::fs::copy(debug.join("test-function"), dir.join("bin/hello")).unwrap();
    let build = |binary: &str| {
        write(
            &dir.join("build.sh"),
            &format!(
                "cp {} bin/hello.new && mv bin/hello.new bin/hello\n",
                debug.join(binary).display()
            ),
        )
    };
    build("test-function");
    let template_path = dir.join("template.yaml");
    let bin = dir.join("bin");
    let g = Gateway::start(
        template_path.to_str().unwrap(),
        &[
            "--bin-dir",
            bin.to_str().unwrap(),
            "--watch",
            "--build-command",
            "sh build.sh",
        ],
    );
    let hello = || call("GET", &g.url("Api", "/hello"), &[]);
    assert_eq!(hello().status, 200);

    // A changed source: rebuilt as the `me` handler, which answers 401 without an authorizer.
    // A slow request under way meanwhile finishes on the old process.
    let slow_url = g.url("Api", "/hello/slow");
    let slow = std::thread::spawn(move || call("GET", &slow_url, &[]).status);
    std::thread::sleep(Duration::from_millis(200));
    build("me");
    write(&dir.join("src/lib.rs"), "// v2\n");
    g.wait_for_lines("Hello reloaded (rebuilt)", 1);
    assert_eq!(hello().status, 401, "the new build serves");
    assert_eq!(
        slow.join().unwrap(),
        200,
        "the request in flight finished on the old process"
    );

    // A failed build keeps the old function.
    write(
        &dir.join("build.sh"),
        "echo 'error[E0308]: mismatched types' >&2; exit 3\n",
    );
    write(&dir.join("src/lib.rs"), "// v3\n");
    g.wait_for_lines("the build failed", 1);
    // The build's error is shown (its own stream: it may come a little after).
    g.wait_for_lines("mismatched types", 1);
    assert_eq!(hello().status, 401, "the old one keeps serving");

    // A new process that fails its init (the authorizer without a key) keeps the old one.
    build("authorizer");
    write(&dir.join("src/lib.rs"), "// v4\n");
    g.wait_for_lines("failed its init", 1);
    assert_eq!(hello().status, 401, "the old one keeps serving");

    // A good build again, then a changed template restarts the function whose definition
    // changed (from the binary on disk, which must be a good one).
    build("me");
    write(&dir.join("src/lib.rs"), "// v5\n");
    g.wait_for_lines("Hello reloaded (rebuilt)", 2);
    write(&template_path, &template("two"));
    g.wait_for_lines("Hello reloaded (its definition changed)", 1);
    assert_eq!(hello().status, 401);
    std::thread::sleep(Duration::from_millis(100));
    let _ = std::fs::remove_dir_all(&dir);
}
