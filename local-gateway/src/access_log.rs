//! The stage's access log: one line per request in the template's own `Format`, with API
//! Gateway's `$context` variables filled in. A variable without a value is `-`, as there.

/// Fills every `$context.name` of `format` with `value(name)`, JSON-escaped (formats are
/// usually JSON), or `-`.
pub fn render(format: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(start) = rest.find("$context.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "$context.".len()..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(after.len());
        // A trailing `.` belongs to the text, not the name.
        let name = after[..end].trim_end_matches('.');
        match value(name).filter(|v| !v.is_empty()) {
            Some(v) => {
                let quoted = serde_json::to_string(&v).unwrap_or_default();
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
            None => out.push('-'),
        }
        rest = &after[name.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_escaped_or_dashed() {
        let line = render(
            r#"{"id":"$context.requestId","err":"$context.authorizer.error","x":"$context.nope"}. $context.status."#,
            |name| match name {
                "requestId" => Some("r-1".into()),
                "authorizer.error" => Some("say \"no\"".into()),
                "status" => Some("200".into()),
                _ => None,
            },
        );
        assert_eq!(line, r#"{"id":"r-1","err":"say \"no\"","x":"-"}. 200."#);
    }
}
