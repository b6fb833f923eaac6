//! Event JSON → `Request`: which API Gateway flavour called us, for which API, stage and
//! route, and where its credential is.
//!
//! One borrowed struct reads every flavour; unknown fields are skipped without being built.
//! (aws_lambda_events' request types are owned and build a `HeaderMap` per call; the tests
//! check our sample events against them instead.)

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::rejection::Rejection;
use crate::rules::WEBSOCKET_CONNECT;
use crate::token::{self, Authorization, Place};

/// The shapes of authorizer event that API Gateway sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// REST API, `type: TOKEN`: one header value in `authorizationToken`.
    RestToken,
    /// REST API, `type: REQUEST`: headers, including cookies.
    RestRequest,
    /// WebSocket API `$connect`, a REQUEST event.
    WebSocket,
    /// HTTP API, payload format 1.0 (IAM policy responses).
    HttpV1,
    /// HTTP API, payload format 2.0 (simple or IAM policy responses).
    HttpV2,
}

impl Flavour {
    /// The flavour's name in the log and the metrics, e.g. `rest_token`.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::RestToken => "rest_token",
            Flavour::RestRequest => "rest_request",
            Flavour::WebSocket => "websocket",
            Flavour::HttpV1 => "http_v1",
            Flavour::HttpV2 => "http_v2",
        }
    }

    /// True for the APIs that have usage plans (REST and WebSocket): only their answers
    /// carry `usageIdentifierKey`. HTTP APIs have none, in either response format.
    pub fn has_usage_plans(self) -> bool {
        matches!(
            self,
            Flavour::RestToken | Flavour::RestRequest | Flavour::WebSocket
        )
    }
}

/// A parsed authorizer event.
#[derive(Debug)]
pub struct Request<'a> {
    /// Which API Gateway shape the event has.
    pub flavour: Flavour,
    /// The requested route's ARN, split into the API prefix and the route.
    pub arn: RouteArn<'a>,
    event: RawEvent<'a>,
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{route}`, split once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteArn<'a> {
    /// Everything up to and including `{stage}/`: every resource we grant starts with it.
    pub prefix: &'a str,
    /// What follows: `GET/tasks/42`, or `$connect`.
    pub route: &'a str,
}

impl<'a> RouteArn<'a> {
    /// Splits a `methodArn`/`routeArn`. Refuses ARNs whose fixed parts are empty or hold
    /// wildcards (but a stage that is exactly `*`), so a policy can never be wider than the
    /// calling API and stage.
    pub fn parse(arn: &'a str) -> Option<RouteArn<'a>> {
        let mut fields = arn.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some("execute-api"),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        )
        else {
            return None;
        };
        let mut parts = resource.splitn(3, '/');
        let (Some(api), Some(stage), Some(route)) = (parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let plain = |s: &str| !s.is_empty() && !s.contains(['*', '?', '/', ':']);
        // The console's "Test authorizer" sends `*` as the stage: the policy then names every
        // stage of that API, exactly what the ARN names. No other wildcard is accepted.
        if ![partition, region, account, api].into_iter().all(plain)
            || !(plain(stage) || stage == "*")
            || route.is_empty()
        {
            return None;
        }
        let prefix_len = arn.len() - route.len();
        Some(RouteArn {
            prefix: &arn[..prefix_len],
            route,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    version: Option<Str<'a>>,
    #[serde(borrow)]
    authorization_token: Option<Str<'a>>,
    #[serde(borrow)]
    method_arn: Option<Str<'a>>,
    #[serde(borrow)]
    route_arn: Option<Str<'a>>,
    #[serde(borrow, default)]
    headers: Headers<'a>,
    #[serde(borrow, default)]
    multi_value_headers: Headers<'a>,
    #[serde(borrow, default)]
    cookies: Option<Vec<Str<'a>>>,
    /// HTTP API 2.0: the identity-source values API Gateway keyed its cache on.
    #[serde(borrow, default)]
    identity_source: Option<IdentitySource<'a>>,
    /// HTTP API 2.0: `GET /tasks/{id}`.
    #[serde(borrow, default)]
    route_key: Option<Str<'a>>,
}

/// `identitySource`: a list (HTTP API 2.0) or one string (1.0); `null` is none.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum IdentitySource<'a> {
    #[serde(borrow)]
    Many(Vec<Option<Str<'a>>>),
    #[serde(borrow)]
    One(Str<'a>),
}

/// A JSON string that borrows from the event unless it holds escapes. (serde's own `Cow`
/// impl always copies when the `Cow` sits inside an `Option` or a `Vec`.)
#[derive(Debug, Clone, PartialEq, Eq)]
struct Str<'a>(Cow<'a, str>);

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Str<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

impl<'a> Request<'a> {
    /// Parses and classifies an event. Anything that is not one of the five shapes is
    /// `UnrecognisedEvent`.
    pub fn parse(json: &'a str) -> Result<Request<'a>, Rejection> {
        let event: RawEvent<'a> =
            serde_json::from_str(json).map_err(|_| Rejection::UnrecognisedEvent)?;
        // By structure: only HTTP API payload 2.0 has a `routeArn`; only payload 1.0 says
        // `version: "1.0"` beside a `methodArn`. Any other `version` (WebSocket events can carry
        // one such as "$LATEST") does not change what the event is.
        let version = event.version.as_deref();
        let (flavour, arn) = match (event.kind.as_deref(), &event.route_arn, version) {
            (Some("TOKEN"), _, _) => (Flavour::RestToken, event.method_arn.as_ref()),
            (Some("REQUEST"), Some(route_arn), None | Some("2.0")) => {
                (Flavour::HttpV2, Some(route_arn))
            }
            (Some("REQUEST"), Some(_), Some(_)) => return Err(Rejection::UnrecognisedEvent),
            (Some("REQUEST"), None, Some("1.0")) => (Flavour::HttpV1, event.method_arn.as_ref()),
            (Some("REQUEST"), None, _) => (Flavour::RestRequest, event.method_arn.as_ref()),
            _ => return Err(Rejection::UnrecognisedEvent),
        };
        // The ARN must borrow from the input: API Gateway never escapes characters in it.
        let arn = match arn {
            Some(Str(Cow::Borrowed(arn))) => RouteArn::parse(arn),
            _ => None,
        }
        .ok_or(Rejection::UnrecognisedEvent)?;
        let flavour = match flavour {
            Flavour::RestRequest if arn.route == WEBSOCKET_CONNECT => Flavour::WebSocket,
            other => other,
        };
        Ok(Request {
            flavour,
            arn,
            event,
        })
    }

    /// The token and where it was found, from the places this flavour reads, in order:
    /// `Authorization` (Bearer or bare JWT), the session cookie, and for WebSocket the
    /// `Sec-WebSocket-Protocol` entry after `clerk`. Query strings are never read.
    ///
    /// `suffixed_cookie` is the `__session_<suffix>` name of the configured publishable key:
    /// when that cookie is present it is the credential, and `__session` is not read (several
    /// apps on one host each set their own suffixed cookie).
    pub fn token(&self, suffixed_cookie: Option<&str>) -> Result<(&str, Place), Rejection> {
        if self.flavour == Flavour::RestToken {
            let value = self
                .event
                .authorization_token
                .as_deref()
                .unwrap_or_default();
            return match token::parse_authorization(value)? {
                Authorization::Token(token) => Ok((token, Place::Authorization)),
                Authorization::OtherScheme => Err(Rejection::UnsupportedScheme),
                Authorization::Empty => Err(Rejection::NoToken),
            };
        }
        for value in self.header_values("authorization") {
            if let Authorization::Token(token) = token::parse_authorization(value)? {
                return Ok((token, Place::Authorization));
            }
        }
        // HTTP API 1.0 also copies the identity source into `authorizationToken`.
        if let Some(value) = self.event.authorization_token.as_deref() {
            if let Authorization::Token(token) = token::parse_authorization(value)? {
                return Ok((token, Place::Authorization));
            }
        }
        for name in suffixed_cookie.into_iter().chain([token::SESSION_COOKIE]) {
            if let Some(token) = self.cookie(name)? {
                return Ok((token, Place::Cookie));
            }
        }
        if self.flavour == Flavour::WebSocket {
            for value in self.header_values("sec-websocket-protocol") {
                if let Some(token) = token::token_from_subprotocols(value)? {
                    return Ok((token, Place::Subprotocol));
                }
            }
        }
        Err(Rejection::NoToken)
    }

    /// The cookie `name`, from the `Cookie` headers or HTTP API 2.0's `cookies`.
    fn cookie(&self, name: &str) -> Result<Option<&str>, Rejection> {
        for value in self.header_values("cookie") {
            if let Some(token) = token::cookie_from_header(value, name)? {
                return Ok(Some(token));
            }
        }
        match &self.event.cookies {
            Some(cookies) => token::cookie_from_list(cookies, name),
            None => Ok(None),
        }
    }

    /// HTTP API 2.0 only: true when the route key is not among the identity sources, so
    /// API Gateway caches a simple response for every route (`$context.routeKey` missing).
    /// Never reads the values beyond comparing them with the route key.
    pub fn cache_key_lacks_route(&self) -> bool {
        let Some(route_key) = self.event.route_key.as_deref() else {
            return false;
        };
        match &self.event.identity_source {
            Some(IdentitySource::Many(values)) => {
                !values.iter().flatten().any(|v| v.as_ref() == route_key)
            }
            Some(IdentitySource::One(value)) => value.as_ref() != route_key,
            None => true,
        }
    }

    /// Every value of header `name` (lower case), in `headers` and `multiValueHeaders`,
    /// matching names case-insensitively.
    fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.event
            .headers
            .get(name)
            .chain(self.event.multi_value_headers.get(name))
    }
}

/// A header map, kept as the pairs API Gateway sent: values may be strings or (in
/// `multiValueHeaders`) lists of strings; `null` is skipped.
#[derive(Debug, Default)]
struct Headers<'a>(Vec<(Str<'a>, Str<'a>)>);

impl<'a> Headers<'a> {
    fn get<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| &**v)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Headers<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeadersVisitor;

        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany<'a> {
            #[serde(borrow)]
            One(Str<'a>),
            #[serde(borrow)]
            Many(Vec<Str<'a>>),
            Null(()),
        }

        impl<'de> Visitor<'de> for HeadersVisitor {
            type Value = Headers<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of header names to strings or lists of strings")
            }

            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Headers::default())
            }

            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Headers::default())
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_map(self)
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((name, value)) = map.next_entry::<Str<'de>, OneOrMany<'de>>()? {
                    match value {
                        OneOrMany::One(v) => pairs.push((name, v)),
                        OneOrMany::Many(vs) => {
                            pairs.extend(vs.into_iter().map(|v| (name.clone(), v)))
                        }
                        OneOrMany::Null(()) => {}
                    }
                }
                Ok(Headers(pairs))
            }
        }

        deserializer.deserialize_option(HeadersVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_splits_into_prefix_and_route() {
        let arn =
            RouteArn::parse("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/tasks/1")
                .unwrap();
        assert_eq!(
            arn.prefix,
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/"
        );
        assert_eq!(arn.route, "GET/tasks/1");
        let ws =
            RouteArn::parse("arn:aws:execute-api:eu-west-1:123456789012:ws1/dev/$connect").unwrap();
        assert_eq!(ws.route, "$connect");
        // The console's test invocation: any stage, the root path.
        let console =
            RouteArn::parse("arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/")
                .unwrap();
        assert_eq!(
            (console.prefix, console.route),
            (
                "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/",
                "GET/"
            )
        );
    }

    #[test]
    fn arns_with_wildcards_or_missing_parts_are_refused() {
        for arn in [
            "",
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod",
            "arn:aws:execute-api:us-east-1:123456789012:abc123/pro*/GET/x",
            "arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/x",
            "arn:aws:execute-api:us-east-1:*:abc123/prod/GET/x",
            "arn:aws:execute-api:*:123456789012:abc123/prod/GET/x",
            "arn:aws:execute-api:us-east-1::abc123/prod/GET/x",
            "arn:aws:s3:us-east-1:123456789012:abc123/prod/GET/x",
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/",
        ] {
            assert_eq!(RouteArn::parse(arn), None, "{arn}");
        }
    }

    #[test]
    fn flavours_are_recognised_by_shape() {
        let arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/tasks";
        let cases = [
            (format!(r#"{{"type":"TOKEN","authorizationToken":"x","methodArn":"{arn}"}}"#), Flavour::RestToken),
            (format!(r#"{{"type":"REQUEST","methodArn":"{arn}","headers":null}}"#), Flavour::RestRequest),
            (format!(r#"{{"version":"1.0","type":"REQUEST","methodArn":"{arn}"}}"#), Flavour::HttpV1),
            (format!(r#"{{"version":"2.0","type":"REQUEST","routeArn":"{arn}"}}"#), Flavour::HttpV2),
            (format!(r#"{{"type":"TOKEN","version":"1.0","authorizationToken":"x","methodArn":"{arn}"}}"#), Flavour::RestToken),
            (format!(r#"{{"version":"$LATEST","type":"REQUEST","methodArn":"{arn}","headers":null,"cookies":null}}"#), Flavour::RestRequest),
            (
                r#"{"version":"$LATEST","type":"REQUEST","methodArn":"arn:aws:execute-api:us-east-1:123456789012:ws/prod/$connect"}"#.to_string(),
                Flavour::WebSocket,
            ),
            (
                r#"{"type":"REQUEST","methodArn":"arn:aws:execute-api:us-east-1:123456789012:ws/prod/$connect"}"#.to_string(),
                Flavour::WebSocket,
            ),
        ];
        for (json, flavour) in cases {
            assert_eq!(Request::parse(&json).unwrap().flavour, flavour, "{json}");
        }
    }

    #[test]
    fn unknown_shapes_are_unrecognised() {
        for json in [
            "",
            "null",
            "[]",
            "{}",
            r#"{"type":"TOKEN"}"#,
            r#"{"type":"COOKIE","methodArn":"arn:aws:execute-api:us-east-1:1:a/b/GET/"}"#,
            r#"{"version":"3.0","type":"REQUEST","routeArn":"arn:aws:execute-api:us-east-1:1:a/b/GET/"}"#,
            r#"{"type":"REQUEST","methodArn":"arn:aws:execute-api:us-east-1:1:a/b/GET/","headers":5}"#,
        ] {
            assert_eq!(
                Request::parse(json).unwrap_err(),
                Rejection::UnrecognisedEvent,
                "{json}"
            );
        }
    }

    #[test]
    fn header_names_match_in_any_case_and_multi_value_headers_count() {
        let json = r#"{"type":"REQUEST","methodArn":"arn:aws:execute-api:us-east-1:1:a/b/GET/",
            "headers":{"AUTHORIZATION":"Basic x"},
            "multiValueHeaders":{"Cookie":["a=1","__session=t.o.k"],"X":null}}"#;
        let request = Request::parse(json).unwrap();
        assert_eq!(request.token(None), Ok(("t.o.k", Place::Cookie)));
    }
}
