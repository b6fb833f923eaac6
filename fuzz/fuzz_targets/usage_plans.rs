//! (6) The template's usage plans (`sam_template::usage_plans`): any text read as the resources
//! of a template that already has a REST API with a metered route and an HTTP API, so plans, keys
//! and plan keys reach the reader. A panic fails; so does a template read without an error whose
//! plans API Gateway would refuse: a stage of an API that is not a REST API of the template, or
//! not its stage; a throttle that is not a finite rate; a key index out of range, a key value
//! under 20 characters or used twice, a key in two plans that cover one stage.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sam_template::{ApiKind, App, Settings};

/// Two APIs and a function; the fuzzer's text follows as further resources.
const BASE: &str = "\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        ApiKeyRequired: true
  HttpApi:
    Type: AWS::Serverless::HttpApi
  Fn:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: tasks } }
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      Events:
        Get: { Type: Api, Properties: { RestApiId: !Ref Api, Path: /tasks, Method: GET } }
        Http: { Type: HttpApi, Properties: { ApiId: !Ref HttpApi, Path: /tasks, Method: GET } }
";

fuzz_target!(|data: &[u8]| {
    let Ok(resources) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(app) = App::from_template(&format!("{BASE}{resources}"), &Settings::default()) else {
        return;
    };
    let plans = &app.usage_plans;
    for plan in &plans.plans {
        for stage in &plan.stages {
            let api = app.apis.iter().find(|a| a.name == stage.api);
            let api = api.unwrap_or_else(|| {
                panic!("plan {} names no API of the app: {}", plan.name, stage.api)
            });
            assert_eq!(
                api.kind,
                ApiKind::Rest,
                "usage plans are for REST APIs only"
            );
            assert_eq!(
                api.stage, stage.stage,
                "plan {} on a stage the API does not have",
                plan.name
            );
            for throttle in stage.method_throttles.values() {
                assert!(
                    throttle.rate.is_finite()
                        && throttle.burst.is_finite()
                        && throttle.rate >= 0.0
                        && throttle.burst >= 0.0
                );
            }
        }
        if let Some(throttle) = plan.throttle {
            assert!(
                throttle.rate.is_finite()
                    && throttle.burst.is_finite()
                    && throttle.rate >= 0.0
                    && throttle.burst >= 0.0
            );
        }
    }
    for (i, key) in plans.keys.iter().enumerate() {
        assert!(
            key.value.len() >= 20,
            "API Gateway refuses a key value under 20 characters"
        );
        assert!(
            plans.keys[..i].iter().all(|k| k.value != key.value),
            "two keys with one value"
        );
        for (n, &p) in key.plans.iter().enumerate() {
            let plan = plans.plans.get(p).expect("a key's plan index is in range");
            for &q in &key.plans[..n] {
                let other = &plans.plans[q];
                assert!(
                    !plan.stages.iter().any(|s| other
                        .stages
                        .iter()
                        .any(|o| o.api == s.api && o.stage == s.stage)),
                    "key {} is in two plans that cover one stage",
                    key.name
                );
            }
        }
    }
});
