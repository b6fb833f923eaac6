//! Where a Clerk token is read from: the `Authorization` header, the session cookie
//! (`__session_<suffix>` of the configured publishable key, else `__session`), or (WebSocket
//! only) the `Sec-WebSocket-Protocol` header. Where it was found travels with it: machine
//! tokens are accepted from `Authorization` only.
//!
//! Every function here is a single left-to-right pass over its input, and inputs over the
//! limits below are refused before they are scanned, so a 1 MiB header costs next to nothing.

use crate::rejection::Rejection;

/// The largest token we will look at. Clerk session tokens are about 1 KiB; 16 KiB leaves room
/// for generous custom claims while keeping hostile inputs cheap to refuse.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The largest `Cookie` header (or `cookies` array, summed) we will scan. API Gateway itself caps
/// request headers at about 10 KiB, so anything bigger did not come from a real browser.
pub const MAX_COOKIE_BYTES: usize = 32 * 1024;

/// The cookie in which Clerk keeps the same-origin session token.
pub const SESSION_COOKIE: &str = "__session";

/// The WebSocket subprotocol that announces a token in the next entry: `clerk, <jwt>`.
pub const WEBSOCKET_PROTOCOL: &str = "clerk";

/// Where a token was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The `Authorization` header (or the TOKEN authorizer's identity source).
    Authorization,
    /// A session cookie.
    Cookie,
    /// The WebSocket subprotocol entry after `clerk`.
    Subprotocol,
}

/// What an `Authorization` value holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization<'a> {
    /// `Bearer <jwt>` (any letter case) or a bare JWT with no scheme.
    Token(&'a str),
    /// Some other scheme, such as `Basic`: not ours.
    OtherScheme,
    /// Empty or only white space.
    Empty,
}

/// Reads an `Authorization` header value, refusing oversized values before scanning them.
pub fn parse_authorization(value: &str) -> Result<Authorization<'_>, Rejection> {
    if value.len() > MAX_TOKEN_BYTES + "Bearer ".len() + 64 {
        return Err(Rejection::TooLarge);
    }
    let value = value.trim();
    if value.is_empty() {
        return Ok(Authorization::Empty);
    }
    let found = match value.split_once(|c: char| c.is_ascii_whitespace()) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => {
            Authorization::Token(rest.trim())
        }
        Some(_) => Authorization::OtherScheme,
        None if value.eq_ignore_ascii_case("bearer") => Authorization::Empty,
        None => Authorization::Token(value),
    };
    match found {
        Authorization::Token("") => Ok(Authorization::Empty),
        Authorization::Token(token) => checked(token).map(Authorization::Token),
        other => Ok(other),
    }
}

/// Finds the cookie `name` in one `Cookie` header value (`a=1; __session=…; b=2`).
pub fn cookie_from_header<'h>(header: &'h str, name: &str) -> Result<Option<&'h str>, Rejection> {
    if header.len() > MAX_COOKIE_BYTES {
        return Err(Rejection::TooLarge);
    }
    header
        .split(';')
        .find_map(|pair| cookie_value(pair, name))
        .map(checked)
        .transpose()
}

/// Finds the cookie `name` in HTTP API 2.0's `cookies` array (`["a=1", "__session=…"]`).
pub fn cookie_from_list<'c, S: AsRef<str>>(
    cookies: &'c [S],
    name: &str,
) -> Result<Option<&'c str>, Rejection> {
    let total: usize = cookies.iter().map(|c| c.as_ref().len()).sum();
    if total > MAX_COOKIE_BYTES {
        return Err(Rejection::TooLarge);
    }
    cookies
        .iter()
        .find_map(|c| cookie_value(c.as_ref(), name))
        .map(checked)
        .transpose()
}

/// Reads `Sec-WebSocket-Protocol: clerk, <jwt>`: browsers cannot set `Authorization` on a
/// WebSocket, so the token travels as the subprotocol entry after `clerk`.
pub fn token_from_subprotocols(header: &str) -> Result<Option<&str>, Rejection> {
    if header.len() > MAX_TOKEN_BYTES + 256 {
        return Err(Rejection::TooLarge);
    }
    let mut entries = header.split(',').map(str::trim);
    while let Some(entry) = entries.next() {
        if entry == WEBSOCKET_PROTOCOL {
            return entries
                .next()
                .filter(|t| !t.is_empty())
                .map(checked)
                .transpose();
        }
    }
    Ok(None)
}

fn cookie_value<'p>(pair: &'p str, wanted: &str) -> Option<&'p str> {
    let (name, value) = pair.split_once('=')?;
    if name.trim() != wanted {
        return None;
    }
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    (!value.is_empty()).then_some(value)
}

fn checked(token: &str) -> Result<&str, Rejection> {
    if token.len() > MAX_TOKEN_BYTES {
        Err(Rejection::TooLarge)
    } else {
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for value in [
            "Bearer a.b.c",
            "bearer a.b.c",
            "BEARER   a.b.c ",
            "  Bearer\ta.b.c",
        ] {
            assert_eq!(
                parse_authorization(value),
                Ok(Authorization::Token("a.b.c")),
                "{value:?}"
            );
        }
    }

    #[test]
    fn bare_jwt_without_scheme_is_a_token() {
        assert_eq!(
            parse_authorization("a.b.c"),
            Ok(Authorization::Token("a.b.c"))
        );
    }

    #[test]
    fn other_schemes_and_empty_values_are_not_tokens() {
        assert_eq!(
            parse_authorization("Basic dXNlcjpwYXNz"),
            Ok(Authorization::OtherScheme)
        );
        assert_eq!(
            parse_authorization("Token a.b.c"),
            Ok(Authorization::OtherScheme)
        );
        assert_eq!(parse_authorization(""), Ok(Authorization::Empty));
        assert_eq!(parse_authorization("   "), Ok(Authorization::Empty));
        assert_eq!(parse_authorization("Bearer"), Ok(Authorization::Empty));
        assert_eq!(parse_authorization("Bearer   "), Ok(Authorization::Empty));
    }

    #[test]
    fn token_over_16_kib_is_refused_before_decoding() {
        let token = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(parse_authorization(&token), Err(Rejection::TooLarge));
        assert_eq!(
            parse_authorization(&format!("Bearer {token}")),
            Err(Rejection::TooLarge)
        );
        let huge = "x".repeat(1 << 20);
        assert_eq!(parse_authorization(&huge), Err(Rejection::TooLarge));
        let at_limit = "a".repeat(MAX_TOKEN_BYTES);
        assert!(matches!(
            parse_authorization(&at_limit),
            Ok(Authorization::Token(_))
        ));
    }

    #[test]
    fn session_cookie_is_found_among_others() {
        let header = "theme=dark; __client_uat=1700000000; __session=a.b.c; other=1";
        let session = |h| cookie_from_header(h, SESSION_COOKIE);
        assert_eq!(session(header), Ok(Some("a.b.c")));
        assert_eq!(session("__session=\"a.b.c\""), Ok(Some("a.b.c")));
        assert_eq!(session("__session_abc=x.y.z"), Ok(None));
        assert_eq!(session(""), Ok(None));
        assert_eq!(session("__session="), Ok(None));
        assert_eq!(
            cookie_from_header("__session=a.b.c; __session_abc=x.y.z", "__session_abc"),
            Ok(Some("x.y.z"))
        );
    }

    #[test]
    fn one_mebibyte_cookie_header_is_refused() {
        let header = format!("a={}", "x".repeat(1 << 20));
        assert_eq!(
            cookie_from_header(&header, SESSION_COOKIE),
            Err(Rejection::TooLarge)
        );
        let list = vec![header];
        assert_eq!(
            cookie_from_list(&list, SESSION_COOKIE),
            Err(Rejection::TooLarge)
        );
    }

    #[test]
    fn session_cookie_is_found_in_http_api_cookie_list() {
        let cookies = ["theme=dark", "__session=a.b.c"];
        assert_eq!(
            cookie_from_list(&cookies, SESSION_COOKIE),
            Ok(Some("a.b.c"))
        );
        assert_eq!(cookie_from_list(&["theme=dark"], SESSION_COOKIE), Ok(None));
    }

    #[test]
    fn websocket_token_is_the_entry_after_clerk() {
        assert_eq!(token_from_subprotocols("clerk, a.b.c"), Ok(Some("a.b.c")));
        assert_eq!(
            token_from_subprotocols("chat,clerk,a.b.c"),
            Ok(Some("a.b.c"))
        );
        assert_eq!(token_from_subprotocols("a.b.c"), Ok(None));
        assert_eq!(token_from_subprotocols("clerk"), Ok(None));
        assert_eq!(token_from_subprotocols("clerk, "), Ok(None));
    }
}
