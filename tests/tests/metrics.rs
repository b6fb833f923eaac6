//! The per-decision CloudWatch Embedded Metric Format records: valid EMF, bounded dimensions,
//! and printed by the real binary beside each decision line.

mod common;

use authorizer::metrics;
use common::*;
use serde_json::Value;

/// Checks `line` against the EMF specification (version 0), independently of the writer:
/// `_aws.Timestamp` in ms, one or more metric directives with a namespace, dimension sets that
/// name top-level string members, metrics that name top-level numeric members, known units.
fn assert_valid_emf(line: &str) -> Value {
    let record: Value = serde_json::from_str(line).expect("an EMF record is one JSON object");
    let aws = record["_aws"].as_object().expect("_aws");
    assert!(
        aws["Timestamp"]
            .as_u64()
            .is_some_and(|t| t > 1_600_000_000_000),
        "Timestamp in ms"
    );
    let directives = aws["CloudWatchMetrics"]
        .as_array()
        .expect("CloudWatchMetrics");
    assert!(!directives.is_empty());
    for directive in directives {
        let namespace = directive["Namespace"].as_str().expect("Namespace");
        assert!((1..=255).contains(&namespace.len()) && !namespace.starts_with("AWS/"));
        let sets = directive["Dimensions"].as_array().expect("Dimensions");
        for set in sets {
            let set = set.as_array().expect("a dimension set is a list");
            assert!(set.len() <= 30);
            for name in set {
                let name = name.as_str().expect("a dimension name");
                assert!(
                    record[name].is_string(),
                    "dimension {name} is a top-level string"
                );
            }
        }
        let metrics = directive["Metrics"].as_array().expect("Metrics");
        assert!(!metrics.is_empty() && metrics.len() <= 100);
        for metric in metrics {
            let name = metric["Name"].as_str().expect("Name");
            assert!(
                record[name].is_number(),
                "metric {name} is a top-level number"
            );
            let unit = metric["Unit"].as_str().unwrap_or("None");
            assert!(
                ["Count", "Microseconds", "Milliseconds", "Seconds", "None"].contains(&unit),
                "{unit}"
            );
        }
    }
    record
}

#[test]
fn every_sample_decision_gives_a_valid_emf_record_with_bounded_dimensions() {
    let authorizer = dev_authorizer();
    for sample in samples() {
        let outcome = run(&authorizer, &sample.event);
        let line = metrics::record(
            &outcome,
            "ClerkAuthorizer",
            "prod-authorizer",
            42,
            1_800_000_000_000,
        );
        let record = assert_valid_emf(&line);
        // Every dimension set names the function, so two stacks' alarms never mix.
        assert_eq!(record["FunctionName"], "prod-authorizer");
        for set in record["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
            .as_array()
            .unwrap()
        {
            assert_eq!(set[0], "FunctionName", "{set}");
        }
        assert_eq!(record["Verdict"], outcome.verdict.name(), "{}", sample.file);
        assert_eq!(record["Reason"], sample.reason, "{}", sample.file);
        assert_eq!(record["Decisions"], 1);
        assert_eq!(
            record["UnauthorizedErrors"],
            u8::from(outcome.response.is_none())
        );
        // Never the user, the route or the token.
        let members: Vec<&String> = record.as_object().unwrap().keys().collect();
        assert_eq!(members.len(), 9, "{members:?}");
        assert_eq!(
            record["TokenType"],
            outcome.token_type.unwrap_or("none"),
            "{}",
            sample.file
        );
        for value in record
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_str)
        {
            assert!(
                !value.contains("user_") && !value.contains('/') && !value.contains("eyJ"),
                "{value}"
            );
        }
    }
}

#[test]
fn the_namespace_can_be_configured_and_is_checked() {
    let config =
        authorizer::Config::from_lookup(dev_lookup(&[("METRICS_NAMESPACE", "Acme/Auth")])).unwrap();
    assert_eq!(config.metrics_namespace, "Acme/Auth");
    assert_eq!(
        dev_authorizer().config().metrics_namespace,
        authorizer::config::DEFAULT_METRICS_NAMESPACE
    );
    let error = authorizer::Config::from_lookup(dev_lookup(&[("METRICS_NAMESPACE", "AWS/Lambda")]))
        .unwrap_err();
    assert_eq!(error.variable, "METRICS_NAMESPACE");
}

/// Everything the function printed once `n` EMF records are among it (at most 5 s), and those
/// records.
fn lines_with_emf(authorizer: &RealAuthorizer, n: usize) -> (Vec<String>, Vec<String>) {
    let is_emf = |l: &String| l.contains("\"_aws\"");
    let lines = authorizer.lines_when(|lines| lines.iter().filter(|l| is_emf(l)).count() >= n);
    let emf = lines.iter().filter(|l| is_emf(l)).cloned().collect();
    (lines, emf)
}

#[test]
fn the_real_binary_prints_one_emf_record_beside_each_decision_line() {
    let authorizer = RealAuthorizer::start(&dev_env());
    let events: Vec<Value> = samples().into_iter().take(6).map(|s| s.event).collect();
    for event in &events {
        authorizer.decide(event);
    }
    let (lines, emf) = lines_with_emf(&authorizer, events.len());
    let decisions = authorizer.decisions().len();
    assert_eq!(
        (emf.len(), decisions),
        (events.len(), events.len()),
        "{lines:#?}"
    );
    for line in &emf {
        let record = assert_valid_emf(line);
        assert!(record["DecisionLatency"].as_u64().is_some());
        // Lambda's AWS_LAMBDA_FUNCTION_NAME, as RealAuthorizer sets it.
        assert_eq!(record["FunctionName"], "authorizer");
    }
}

/// The template's `LogLevel` becomes Lambda's `AWS_LAMBDA_LOG_LEVEL`: at WARN the decision
/// lines (INFO) go, the metrics records stay, as the alarms need them.
#[test]
fn the_log_level_drops_decision_lines_but_never_the_metrics() {
    let mut env = dev_env();
    env.push(("AWS_LAMBDA_LOG_LEVEL", "WARN".to_string()));
    let authorizer = RealAuthorizer::start(&env);
    let events: Vec<Value> = samples().into_iter().take(3).map(|s| s.event).collect();
    for event in &events {
        authorizer.invoke(event);
    }
    let (lines, emf) = lines_with_emf(&authorizer, events.len());
    assert_eq!(emf.len(), events.len());
    assert!(authorizer.decisions().is_empty(), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("\"INFO\"")), "{lines:#?}");
}
