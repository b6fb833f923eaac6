//! The gateway's log, for people: a function's decision line shown as `decision reason sub
//! route`, CloudWatch's EMF records hidden, other JSON log lines as `LEVEL message key=value`.
//! `--verbose` shows every line as the function wrote it, with `Authorization` and `Cookie`
//! values and bearer tokens redacted. Colours only when standard error is a terminal.

use std::io::IsTerminal;
use std::sync::OnceLock;

use serde_json::Value;

/// How function output is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Readable,
    Verbose,
}

static MODE: OnceLock<Mode> = OnceLock::new();

/// Sets the mode once, at start.
pub fn set_mode(mode: Mode) {
    let _ = MODE.set(mode);
}

fn mode() -> Mode {
    *MODE.get().unwrap_or(&Mode::Readable)
}

/// True when standard error is a terminal (colours on).
pub fn colours() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
}

/// Wraps `text` in an ANSI colour when colours are on.
pub fn paint(text: &str, colour: u8) -> String {
    if colours() {
        format!("\u{1b}[{colour}m{text}\u{1b}[0m")
    } else {
        text.to_string()
    }
}

/// A status code coloured by class: 2xx green, 4xx yellow, 5xx red.
pub fn status(code: u16) -> String {
    let colour = match code {
        200..=299 => 32,
        400..=499 => 33,
        500..=599 => 31,
        _ => 0,
    };
    paint(&code.to_string(), colour)
}

/// How one line a function wrote is shown, or `None` to hide it.
pub fn function_line(function: &str, line: &str) -> Option<String> {
    let prefix = paint(&format!("[{function}]"), 36);
    if mode() == Mode::Verbose {
        return Some(format!("{prefix} {}", redact(line)));
    }
    let Ok(Value::Object(record)) = serde_json::from_str::<Value>(line) else {
        return Some(format!("{prefix} {}", redact(line)));
    };
    // CloudWatch Embedded Metric Format: for CloudWatch, not for people.
    if record.contains_key("_aws") {
        return None;
    }
    let text = |key: &str| record.get(key).and_then(Value::as_str).unwrap_or("-");
    if text("message") == "authorizer decision" {
        let decision = match text("decision") {
            "allow" => paint("allow", 32),
            "deny" => paint("deny", 33),
            other => paint(other, 31),
        };
        return Some(format!(
            "{prefix} {decision} {} {} {}",
            text("reason"),
            text("sub"),
            text("route")
        ));
    }
    // Lambda's platform.report (JSON log format) read as the text REPORT line reads.
    if text("type") == "platform.report" {
        let inner = record.get("record").cloned().unwrap_or_default();
        let metric = |key: &str| inner.pointer(&format!("/metrics/{key}")).cloned();
        let mut line = format!(
            "{prefix} REPORT {} ms, billed {} ms, {} of {} MB",
            metric("durationMs").unwrap_or_default(),
            metric("billedDurationMs").unwrap_or_default(),
            metric("maxMemoryUsedMB").unwrap_or_default(),
            metric("memorySizeMB").unwrap_or_default(),
        );
        if let Some(init) = metric("initDurationMs") {
            line += &format!(", init {init} ms");
        }
        match inner.get("status").and_then(Value::as_str) {
            Some("success") | None => {}
            Some(status) => line += &format!(", {}", paint(status, 31)),
        }
        return Some(line);
    }
    let level = text("level");
    let fields: Vec<String> = record
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "timestamp" | "level" | "message" | "target"))
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    Some(
        redact(&format!(
            "{prefix} {} {} {}",
            match level {
                "ERROR" => paint(level, 31),
                "WARN" => paint(level, 33),
                _ => level.to_string(),
            },
            text("message"),
            fields.join(" ")
        ))
        .trim_end()
        .to_string(),
    )
}

/// `Authorization` and `Cookie` values (as JSON members or header lines) and bearer tokens
/// replaced by `[redacted]`.
pub fn redact(line: &str) -> String {
    let mut out = line.to_string();
    for name in [
        "authorization",
        "cookie",
        "Authorization",
        "Cookie",
        "AUTHORIZATION",
        "COOKIE",
    ] {
        for quote in ["\"", ""] {
            let key = format!("{quote}{name}{quote}:");
            let mut from = 0;
            while let Some(found) = out[from..].find(&key) {
                let start = from + found + key.len();
                let rest = &out[start..];
                let trimmed = rest.trim_start();
                let skip = rest.len() - trimmed.len();
                let (value_start, value_end) = if let Some(body) = trimmed.strip_prefix('"') {
                    let end = body.find('"').map_or(body.len(), |e| e);
                    (start + skip + 1, start + skip + 1 + end)
                } else {
                    let end = trimmed
                        .find([',', '}', '\n', '\''])
                        .unwrap_or(trimmed.len());
                    (start + skip, start + skip + end)
                };
                out.replace_range(value_start..value_end, "[redacted]");
                from = value_start + "[redacted]".len();
            }
        }
    }
    // A bearer token anywhere else.
    let mut redacted = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(found) = rest.find("Bearer ") {
        redacted.push_str(&rest[..found + "Bearer ".len()]);
        let after = &rest[found + "Bearer ".len()..];
        let end = after
            .find(|c: char| c.is_whitespace() || c == '"' || c == ',')
            .unwrap_or(after.len());
        if end > 0 && !after.starts_with("[redacted]") {
            redacted.push_str("[redacted]");
        } else {
            redacted.push_str(&after[..end]);
        }
        rest = &after[end..];
    }
    redacted.push_str(rest);
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_lines_read_as_decision_reason_sub_route_and_emf_is_hidden() {
        let decision = r#"{"timestamp":"t","level":"INFO","decision":"deny","reason":"route_not_allowed","flavour":"rest_token","route":"DELETE/tasks/1","sub":"user_1","message":"authorizer decision"}"#;
        assert_eq!(
            function_line("AuthorizerFunction", decision).unwrap(),
            "[AuthorizerFunction] deny route_not_allowed user_1 DELETE/tasks/1"
        );
        assert_eq!(function_line("F", r#"{"_aws":{},"Decisions":1}"#), None);
        assert_eq!(
            function_line("F", r#"{"level":"WARN","message":"slow","ms":12}"#).unwrap(),
            "[F] WARN slow ms=12"
        );
        assert_eq!(function_line("F", "plain text").unwrap(), "[F] plain text");
        let report = r#"{"time":"t","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":3.5,"billedDurationMs":4,"memorySizeMB":128,"maxMemoryUsedMB":11},"status":"timeout"}}"#;
        assert_eq!(
            function_line("F", report).unwrap(),
            "[F] REPORT 3.5 ms, billed 4 ms, 11 of 128 MB, timeout"
        );
    }

    #[test]
    fn authorization_and_cookie_values_and_bearer_tokens_are_redacted() {
        let line = r#"{"headers":{"authorization":"Bearer eyJ.a.b","Cookie":"__session=eyJ.c.d; theme=dark"},"x":1}"#;
        let redacted = redact(line);
        assert!(!redacted.contains("eyJ"), "{redacted}");
        assert!(
            redacted.contains(r#""authorization":"[redacted]""#),
            "{redacted}"
        );
        assert!(redacted.contains(r#""Cookie":"[redacted]""#), "{redacted}");
        assert_eq!(
            redact("curl -H 'Authorization: Bearer abc.def' x"),
            "curl -H 'Authorization: [redacted]' x"
        );
        assert_eq!(
            redact("token Bearer abc.def here"),
            "token Bearer [redacted] here"
        );
    }
}
