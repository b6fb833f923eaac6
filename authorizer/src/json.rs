//! JSON values that borrow their strings from the text they were read from: a token's claims.
//!
//! A token's payload is parsed on every call. As `serde_json::Value` it was a `BTreeMap` with
//! every key and string copied into an allocation of its own, then all freed: the largest cost
//! of a decision beside the RSA verification (BENCHMARKS.md). Here a string without escapes
//! points into the payload, and an object is one vector.
//!
//! An object reads exactly as `serde_json::Map` does: its keys are sorted and unique, and a
//! repeated key keeps its last value, so the claims a check sees cannot depend on the type.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A JSON value whose strings may borrow from the text it was parsed from.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as `serde_json` holds it.
    Number(Number),
    /// A string: borrowed from the text unless it had escapes.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object.
    Object(Object<'a>),
}

/// A JSON object: entries sorted by key, each key once (its last value in the text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object<'a>(Vec<(Cow<'a, str>, Json<'a>)>);

impl<'a> Json<'a> {
    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number as an `f64`, when this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The number, when this is an integer that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number, when this is an integer that fits a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The items, when this is an array.
    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The object, when this is one.
    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Json::Object(object) => Some(object),
            _ => None,
        }
    }

    /// The value at `key`, when this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.as_object()?.get(key)
    }
}

impl<'a> Object<'a> {
    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        let at = self.0.binary_search_by(|(k, _)| (**k).cmp(key)).ok()?;
        Some(&self.0[at].1)
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    /// How many keys it has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when it has no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A `serde_json` object as owned claims (tests, and Clerk's records of opaque credentials).
impl From<Map<String, Value>> for Object<'static> {
    fn from(map: Map<String, Value>) -> Self {
        // A `Map` is already sorted and unique.
        Object(
            map.into_iter()
                .map(|(k, v)| (Cow::Owned(k), Json::from(v)))
                .collect(),
        )
    }
}

impl From<Value> for Json<'static> {
    fn from(value: Value) -> Self {
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) => Json::Number(n),
            Value::String(s) => Json::String(Cow::Owned(s)),
            Value::Array(items) => Json::Array(items.into_iter().map(Json::from).collect()),
            Value::Object(map) => Json::Object(Object::from(map)),
        }
    }
}

/// Back to a `serde_json::Value`, for a nested claim put in the context as its JSON text.
impl From<&Json<'_>> for Value {
    fn from(json: &Json<'_>) -> Self {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.clone()),
            Json::String(s) => Value::String(s.to_string()),
            Json::Array(items) => Value::Array(items.iter().map(Value::from).collect()),
            Json::Object(object) => Value::Object(
                object
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::from(v)))
                    .collect(),
            ),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Json<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor(PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Object<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_map(JsonVisitor(PhantomData))? {
            Json::Object(object) => Ok(object),
            _ => Err(serde::de::Error::custom("expected a JSON object")),
        }
    }
}

struct JsonVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for JsonVisitor<'a> {
    type Value = Json<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json<'a>, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json<'a>, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json<'a>, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Json<'a>, E> {
        // As `serde_json::Value`: a float JSON cannot hold is null.
        Ok(Number::from_f64(n).map_or(Json::Null, Json::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Json<'a>, E> {
        Ok(Json::String(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json<'a>, E> {
        Ok(Json::String(Cow::Owned(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Json<'a>, E> {
        Ok(Json::String(Cow::Owned(s)))
    }

    fn visit_unit<E>(self) -> Result<Json<'a>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json<'a>, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json<'a>, D::Error> {
        Json::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'a>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'a>, A::Error> {
        // serde_json gives no size: 8 entries hold a nested claim at once, and a token's top
        // level after one doubling.
        let mut entries: Vec<(Cow<'a, str>, Json<'a>)> =
            Vec::with_capacity(map.size_hint().unwrap_or(8).min(16));
        let mut sorted = true;
        while let Some(Key(key)) = map.next_key()? {
            // Clerk writes its claims sorted, so this is usually a check and a push.
            sorted = sorted && entries.last().is_none_or(|(last, _)| *last < key);
            entries.push((key, map.next_value()?));
        }
        if !sorted {
            // Reversed, then sorted stably, so that of a repeated key the last value read comes
            // first, which is the one `dedup_by` keeps. A JWT's header is read before its
            // signature is checked: no step here is quadratic.
            entries.reverse();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|later, kept| later.0 == kept.0);
        }
        Ok(Json::Object(Object(entries)))
    }
}

/// An object's key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_str(JsonVisitor(PhantomData))? {
            Json::String(key) => Ok(Key(key)),
            _ => Err(serde::de::Error::custom("expected a key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Json<'_> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn reads_as_serde_json_reads_the_same_text() {
        let texts = [
            r#"{"b": 1, "a": [true, null, -2, 1.5, "x\"y"], "c": {"z": {}, "y": []}}"#,
            r#"{"k": 1, "k": "last", "j": {"n": 1, "n": 2, "m": 3}}"#,
            r#"{"big": 18446744073709551615, "neg": -9223372036854775808, "f": 1e300}"#,
            r#"{"\u0061": "escaped key", "é": "ü", "": ""}"#,
        ];
        for text in texts {
            let ours = parse(text);
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, Json::from(theirs.clone()), "{text}");
            assert_eq!(Value::from(&ours), theirs, "{text}");
        }
    }

    #[test]
    fn a_large_object_in_any_order_reads_as_serde_json_reads_it() {
        // Out of order, with repeats: the path a hostile header takes before its signature.
        let mut text = String::from("{");
        for i in (0..3000).rev() {
            text.push_str(&format!(
                "\"k{:04}\":{i},\"k{:04}\":\"again\",",
                i % 1000,
                i % 700
            ));
        }
        text.push_str("\"end\":true}");
        let theirs: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(Value::from(&parse(&text)), theirs);
    }

    #[test]
    fn a_repeated_key_reads_as_its_last_value() {
        let value = parse(r#"{"sub": "user_a", "exp": 1, "sub": "user_b", "sub": "user_c"}"#);
        assert_eq!(value.get("sub").and_then(Json::as_str), Some("user_c"));
        assert_eq!(value.as_object().unwrap().len(), 2);
    }

    #[test]
    fn strings_without_escapes_borrow_from_the_text() {
        let text = r#"{"sub": "user_1", "name": "a\nb"}"#.to_string();
        let object: Object<'_> = serde_json::from_str(&text).unwrap();
        assert!(matches!(
            object.get("sub"),
            Some(Json::String(Cow::Borrowed("user_1")))
        ));
        assert!(matches!(object.get("name"), Some(Json::String(Cow::Owned(s))) if s == "a\nb"));
        assert!(matches!(&object.0[0].0, Cow::Borrowed("name")));
    }

    #[test]
    fn only_an_object_is_an_object() {
        for text in ["[]", "1", "\"x\"", "null", "{", "{\"a\": }"] {
            assert!(serde_json::from_str::<Object<'_>>(text).is_err(), "{text}");
        }
        assert_eq!(
            Json::from(json!({"a": {"b": [1]}}))
                .get("a")
                .and_then(|a| a.get("b")),
            Some(&Json::Array(vec![Json::Number(1.into())]))
        );
    }
}
