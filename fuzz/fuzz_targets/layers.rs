//! (7) The template's layers (`AWS::Serverless::LayerVersion`, `AWS::Lambda::LayerVersion`, a
//! function's `Layers`, `--layer ARN=DIR`): any text read as the resources of a template with one
//! REST API. A panic fails; so does a template read without an error where a function has a
//! layer that is not a folder, or a `provided` (Rust) function has layers at all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sam_template::runtime::Language;
use sam_template::{App, Settings};

/// A REST API; the fuzzer's text follows as further resources (functions and layers). Folders
/// are relative to the current directory, `fuzz/` under `scripts/fuzz`.
const BASE: &str = "\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
";

/// A layer named by ARN, mapped to a folder with `--layer`.
const MAPPED: &str = "arn:aws:lambda:us-east-1:123456789012:layer:shared:3";

fuzz_target!(|data: &[u8]| {
    let Ok(resources) = std::str::from_utf8(data) else {
        return;
    };
    let mut settings = Settings::default();
    settings.layers.insert(MAPPED.to_string(), "seeds".into());
    let Ok(app) = App::from_template(&format!("{BASE}{resources}"), &settings) else {
        return;
    };
    for function in app.functions.values() {
        if function.runtime.language == Language::Rust {
            assert!(
                function.layers.is_empty(),
                "layers on a provided function: {}",
                function.name
            );
        }
        for layer in &function.layers {
            assert!(
                layer.is_dir(),
                "function {}: layer {} is not a folder",
                function.name,
                layer.display()
            );
        }
    }
});
