//! CORS headers for REST proxy integrations: API Gateway adds none to a proxy response, so the
//! handler must, from the same origins the template configures (`ALLOWED_ORIGINS`, from the
//! `AllowedOrigins` parameter). One place builds them; the origin is echoed only when allowed.

use std::fmt;

/// The allowed origins, checked once at init.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    origins: Vec<String>,
}

/// A bad `ALLOWED_ORIGINS`: the function stops at init with this message.
#[derive(Clone, PartialEq, Eq)]
pub struct CorsError(pub String);

/// The same text as `Display`: an init error is printed through `Debug`.
impl fmt::Debug for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ALLOWED_ORIGINS {}", self.0)
    }
}

impl std::error::Error for CorsError {}

impl Cors {
    /// `ALLOWED_ORIGINS`: comma-separated origins such as `https://app.example.com`. Unset or
    /// empty allows no cross-origin caller. `*` is refused: these responses allow credentials.
    pub fn parse(value: Option<&str>) -> Result<Cors, CorsError> {
        let mut origins = Vec::new();
        for origin in value
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            if origin == "*" {
                return Err(CorsError(
                    "has *, which browsers refuse with credentials; list the front ends' origins"
                        .into(),
                ));
            }
            let Some((scheme, host)) = origin.split_once("://") else {
                return Err(CorsError(format!(
                    "has {origin:?}; write origins as scheme://host[:port]"
                )));
            };
            if !matches!(scheme, "http" | "https") || host.is_empty() || host.contains('/') {
                return Err(CorsError(format!(
                    "has {origin:?}; write origins as scheme://host[:port], no path or trailing slash"
                )));
            }
            origins.push(origin.to_string());
        }
        Ok(Cors { origins })
    }

    pub fn from_env() -> Result<Cors, CorsError> {
        Cors::parse(std::env::var("ALLOWED_ORIGINS").ok().as_deref())
    }

    /// The headers for a response to a request from `origin`: the origin echoed with
    /// credentials allowed when it is listed, and always `Vary: Origin` so caches keep
    /// answers for different origins apart.
    pub fn headers(&self, origin: Option<&str>) -> Vec<(&'static str, String)> {
        let mut headers = vec![("vary", "Origin".to_string())];
        if let Some(origin) = origin.filter(|o| self.origins.iter().any(|a| a == o)) {
            headers.push(("access-control-allow-origin", origin.to_string()));
            headers.push(("access-control-allow-credentials", "true".to_string()));
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_origins_are_echoed() {
        let cors = Cors::parse(Some("http://localhost:3000, https://app.example.com")).unwrap();
        let allowed = cors.headers(Some("https://app.example.com"));
        assert!(allowed.contains(&(
            "access-control-allow-origin",
            "https://app.example.com".into()
        )));
        assert!(allowed.contains(&("access-control-allow-credentials", "true".into())));
        for origin in [
            Some("https://evil.example.com"),
            Some("https://app.example.com.evil.com"),
            None,
        ] {
            assert_eq!(
                cors.headers(origin),
                vec![("vary", "Origin".to_string())],
                "{origin:?}"
            );
        }
    }

    #[test]
    fn star_and_malformed_origins_are_refused() {
        for bad in ["*", "localhost:3000", "http://a/b", "ftp://x", "https://"] {
            let error = Cors::parse(Some(bad)).unwrap_err().to_string();
            assert!(error.starts_with("ALLOWED_ORIGINS"), "{error}");
        }
        assert_eq!(Cors::parse(None).unwrap(), Cors::default());
    }
}
