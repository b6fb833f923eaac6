//! YAML → JSON, with CloudFormation's short-form tags turned into their long forms
//! (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`,
//! `!Sub s` → `{"Fn::Sub": s}`, `!Condition C` → `{"Condition": "C"}`, any other `!Name v` → `{"Fn::Name": v}`), so the rest of the
//! gateway reads one representation, whichever form the template uses.

use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde_json::{Map, Number, Value};

/// Parses a template (YAML or JSON, which is YAML) into JSON.
pub fn parse(text: &str) -> Result<Value, String> {
    let documents =
        YamlOwned::load_from_str(text).map_err(|e| format!("is not valid YAML: {e}"))?;
    match documents.as_slice() {
        [document] => to_json(document),
        [] => Err("is empty".into()),
        _ => Err("holds several YAML documents; a template is one".into()),
    }
}

fn to_json(node: &YamlOwned) -> Result<Value, String> {
    Ok(match node {
        YamlOwned::Value(scalar) => match scalar {
            ScalarOwned::Null => Value::Null,
            ScalarOwned::Boolean(b) => Value::Bool(*b),
            ScalarOwned::Integer(i) => Value::Number((*i).into()),
            ScalarOwned::FloatingPoint(f) => Number::from_f64(f.into_inner())
                .map(Value::Number)
                .ok_or_else(|| format!("has a number JSON cannot hold: {f}"))?,
            ScalarOwned::String(s) => Value::String(s.clone()),
        },
        YamlOwned::Representation(text, _, _) => Value::String(text.clone()),
        YamlOwned::Sequence(items) => {
            Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        YamlOwned::Mapping(map) => {
            let mut object = Map::new();
            for (key, value) in map {
                // CloudFormation's keys are scalars. A mapping or sequence as a key (YAML's `? `)
                // is refused: written out as JSON text it would nest escapes at each level,
                // doubling in size per level (found by the `layers` fuzz target: 331 bytes took
                // 46 s).
                let key = match to_json(key)? {
                    Value::String(s) => s,
                    Value::Array(_) | Value::Object(_) => {
                        return Err("has a key that is a mapping or a list; keys are names".into())
                    }
                    other => other.to_string(),
                };
                object.insert(key, to_json(value)?);
            }
            Value::Object(object)
        }
        YamlOwned::Tagged(tag, inner) => {
            let inner = to_json(inner)?;
            let name = tag.suffix.as_str();
            if tag.handle != "!" {
                // Core schema tags (`!!str`, …) are already applied by the parser.
                return Ok(inner);
            }
            let long = match (name, inner) {
                ("Ref", value) => ("Ref".to_string(), value),
                // `!Condition C` (inside a condition) is `{"Condition": "C"}`.
                ("Condition", value) => ("Condition".to_string(), value),
                ("GetAtt", Value::String(path)) => {
                    let (resource, attribute) = path.split_once('.').ok_or_else(|| {
                        format!("has !GetAtt {path:?}; expected Resource.Attribute")
                    })?;
                    (
                        "Fn::GetAtt".to_string(),
                        serde_json::json!([resource, attribute]),
                    )
                }
                (other, value) => (format!("Fn::{other}"), value),
            };
            Value::Object(Map::from_iter([long]))
        }
        YamlOwned::Alias(_) => {
            return Err("uses a YAML alias, which CloudFormation does not accept".into())
        }
        YamlOwned::BadValue => return Err("has a value YAML cannot read".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_form_tags_become_long_forms() {
        let v = parse("a: !Ref P\nb: !GetAtt F.Arn\nc: !Sub 'x-${P}'\nd: !Join ['', [a, b]]\ne: \"2.0\"\nf: 300\ng: !And [!Condition C, !Equals [a, a]]\n").unwrap();
        assert_eq!(
            v,
            json!({"a": {"Ref": "P"}, "b": {"Fn::GetAtt": ["F", "Arn"]}, "c": {"Fn::Sub": "x-${P}"},
                   "d": {"Fn::Join": ["", ["a", "b"]]}, "e": "2.0", "f": 300,
                   "g": {"Fn::And": [{"Condition": "C"}, {"Fn::Equals": ["a", "a"]}]}})
        );
    }

    /// Keys that are mappings, nested (found by the `layers` fuzz target: 46 s for these 331
    /// bytes when each level's key was written out as JSON text) are refused at once.
    #[test]
    fn a_key_that_is_a_mapping_is_refused_without_blowing_up() {
        let nested = "  :  :  :  :  ?   :  :  ?  :   :  ?   :   : ?  :    :  :   :    ?   :  :  ?  :   :  ?   :   : ?  :    :  :   :  :  :  ?   :  :  ?  :   : ?  :    :  :   :    ?   :  :  ?  :   :  ?   :   : ?  :    :  :   :  :  :  ?   :  :  ?  :   : ?  :    :  :  :  :  ? :  ?  :   :  ?   :   :  :  :  ? :  ?  :   :  ?   :  :  ?  :   :  ?   :   : :\n  ";
        let error = parse(nested).unwrap_err();
        assert!(error.contains("keys are names"), "{error}");
        let error = parse("? [a, b]\n: c\n").unwrap_err();
        assert!(error.contains("keys are names"), "{error}");
        assert_eq!(
            parse("1: a\ntrue: b\n").unwrap(),
            json!({"1": "a", "true": "b"})
        );
    }
}
