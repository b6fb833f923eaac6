//! Signing keys from a JWKS URL (`CLERK_JWKS_URL`, normally the Frontend API's
//! `/.well-known/jwks.json`), so that a rotated key is picked up without a redeploy.
//!
//! Loaded at cold start; then refetched only when a token needs it, and boundedly:
//! - a token whose `kid` is not in the set triggers at most one refetch per
//!   `UNKNOWN_KID_REFETCH_SECONDS`, so forged `kid`s cannot amplify into fetches;
//! - the set is refreshed at most every `REFRESH_SECONDS`, so a removed key stops working;
//! - a failed refetch keeps the keys we have;
//! - a set that could not be loaded at all (the JWKS was down at cold start) is tried again at
//!   most every `EMPTY_RETRY_SECONDS`; meanwhile every token is refused as an outage.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use crate::clerk_api::{Transport, MAX_BODY_BYTES, REQUEST_TIMEOUT};
use crate::keys::{self, RsaKey};
use crate::verify::KeySource;

/// How often a `kid` we do not know may cause a refetch.
pub const UNKNOWN_KID_REFETCH_SECONDS: u64 = 300;
/// How old the set may get before a token that needs it refreshes it.
pub const REFRESH_SECONDS: u64 = 600;
/// While no key was ever loaded, how often a token may cause a fetch.
pub const EMPTY_RETRY_SECONDS: u64 = 10;

/// How much longer than one request's timeout a token waits for another one's fetch.
const FETCH_GRACE: Duration = Duration::from_millis(500);

/// A JWKS document's key: only the fields we read.
#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Deserialize)]
struct Document {
    keys: Vec<Jwk>,
}

/// Reads a JWKS document: its RSA signing keys of `keys::MIN_RSA_BITS` or more for RS256,
/// RS384 or RS512, each with its `kid`. Other keys are skipped; a document with none is an
/// error.
pub fn parse(document: &[u8]) -> Result<Vec<(Option<String>, RsaKey)>, String> {
    if document.len() > MAX_BODY_BYTES {
        return Err(format!("is over {MAX_BODY_BYTES} bytes"));
    }
    let document: Document =
        serde_json::from_slice(document).map_err(|e| format!("is not a JWKS document ({e})"))?;
    let usable = |jwk: &Jwk| {
        jwk.kty == "RSA"
            && jwk.usage.as_deref().is_none_or(|u| u == "sig")
            && jwk
                .alg
                .as_deref()
                .is_none_or(|a| matches!(a, "RS256" | "RS384" | "RS512"))
    };
    let keys: Vec<_> = document
        .keys
        .iter()
        .filter(|jwk| usable(jwk))
        .filter_map(|jwk| {
            let n = URL_SAFE_NO_PAD.decode(jwk.n.as_deref()?).ok()?;
            let e = URL_SAFE_NO_PAD.decode(jwk.e.as_deref()?).ok()?;
            let key = keys::from_components(&n, &e).ok()?;
            Some((jwk.kid.clone(), key))
        })
        .collect();
    if keys.is_empty() {
        return Err(format!(
            "holds no RSA signing key of {} bits or more for RS256/384/512",
            keys::MIN_RSA_BITS
        ));
    }
    Ok(keys)
}

/// The keys we hold and when we last fetched them.
#[derive(Debug, Default)]
struct Ring {
    keys: Arc<Vec<(Option<String>, RsaKey)>>,
    fetched_at: u64,
    unknown_kid_fetch_at: Option<u64>,
    /// An invocation is fetching the set (outside the lock).
    fetching: bool,
}

/// The keys of `CLERK_JWKS_URL`, refreshed within the bounds above.
pub struct KeyRing {
    url: String,
    transport: Arc<dyn Transport>,
    ring: Mutex<Ring>,
    /// Signalled when a fetch ends.
    fetched: Condvar,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Loads the keys at `url` at `now` (cold start). A failure is returned beside a ring
    /// that holds no key yet and tries again, boundedly, when tokens need it: the function
    /// starts anyway, refusing tokens as an outage until the JWKS can be read.
    pub fn load(url: &str, transport: Arc<dyn Transport>, now: u64) -> (KeyRing, Option<String>) {
        let (keys, problem) = match fetch_document(transport.as_ref(), url) {
            Ok(keys) => (keys, None),
            Err(problem) => (Vec::new(), Some(problem)),
        };
        let ring = KeyRing {
            url: url.to_string(),
            transport,
            ring: Mutex::new(Ring {
                keys: Arc::new(keys),
                fetched_at: now,
                unknown_kid_fetch_at: None,
                fetching: false,
            }),
            fetched: Condvar::new(),
        };
        (ring, problem)
    }
}

impl KeySource for KeyRing {
    /// The keys that may verify a token with this `kid`, at `now`: refetched first when the
    /// set is older than `REFRESH_SECONDS`, or when `kid` is unknown and no such refetch
    /// happened in the last `UNKNOWN_KID_REFETCH_SECONDS`.
    ///
    /// With invocations at once (Lambda Managed Instances), one of them fetches, outside the
    /// lock; meanwhile a token whose key is held is verified with it at once, and only tokens
    /// that need the new set (an unknown `kid`, or no key yet) wait for that one fetch.
    fn keys(&self, kid: Option<&str>, now: u64) -> Arc<Vec<(Option<String>, RsaKey)>> {
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let known = |ring: &Ring| {
            !ring.keys.is_empty()
                && kid.is_none_or(|kid| ring.keys.iter().any(|(k, _)| k.as_deref() == Some(kid)))
        };
        if ring.fetching {
            if !known(&ring) {
                let deadline = std::time::Instant::now() + REQUEST_TIMEOUT + FETCH_GRACE;
                while ring.fetching {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    ring = self
                        .fetched
                        .wait_timeout(ring, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
            return ring.keys.clone();
        }
        let age = now.saturating_sub(ring.fetched_at);
        let stale = age >= REFRESH_SECONDS || (ring.keys.is_empty() && age >= EMPTY_RETRY_SECONDS);
        let may_chase_kid = ring
            .unknown_kid_fetch_at
            .is_none_or(|at| now.saturating_sub(at) >= UNKNOWN_KID_REFETCH_SECONDS);
        let chase_kid = !known(&ring) && may_chase_kid && !ring.keys.is_empty();
        if !stale && !chase_kid {
            return ring.keys.clone();
        }
        if chase_kid {
            ring.unknown_kid_fetch_at = Some(now);
        }
        ring.fetching = true;
        drop(ring);
        let mut fetch = Fetch {
            ring: self,
            now,
            keys: None,
        };
        match fetch_document(self.transport.as_ref(), &self.url) {
            Ok(keys) => fetch.keys = Some(keys),
            // Keep the keys we have; try again at the next bound.
            Err(problem) => {
                tracing::warn!(url = %self.url, "CLERK_JWKS_URL could not be refreshed: {problem}")
            }
        }
        drop(fetch);
        self.ring
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .clone()
    }
}

/// A fetch under way; dropping it stores what it got (nothing keeps the keys we had) and
/// wakes the tokens waiting for it, even if the fetch panicked.
struct Fetch<'a> {
    ring: &'a KeyRing,
    now: u64,
    keys: Option<Vec<(Option<String>, RsaKey)>>,
}

impl Drop for Fetch<'_> {
    fn drop(&mut self) {
        let mut ring = self.ring.ring.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(keys) = self.keys.take() {
            ring.keys = Arc::new(keys);
        }
        ring.fetched_at = self.now;
        ring.fetching = false;
        drop(ring);
        self.ring.fetched.notify_all();
    }
}

/// One GET of the document, parsed.
fn fetch_document(
    transport: &dyn Transport,
    url: &str,
) -> Result<Vec<(Option<String>, RsaKey)>, String> {
    let reply = transport
        .get(url, REQUEST_TIMEOUT)
        .map_err(|failure| format!("could not be fetched ({failure:?})"))?;
    if reply.status != 200 {
        return Err(format!("answered HTTP {}", reply.status));
    }
    parse(&reply.body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clerk_api::{Failure, FakeClerk, Reply};

    /// A 2048-bit modulus (any odd number of that size parses) and e = 65537.
    fn jwk(kid: &str, bits: usize, extra: &str) -> String {
        let n = URL_SAFE_NO_PAD.encode(vec![0xC5; bits / 8]);
        format!(
            r#"{{"kty":"RSA","kid":"{kid}","alg":"RS256","use":"sig","n":"{n}","e":"AQAB"{extra}}}"#
        )
    }

    #[test]
    fn only_rsa_signing_keys_of_2048_bits_or_more_are_kept() {
        let doc = format!(
            r#"{{"keys":[{},{},{},{},{{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}}]}}"#,
            jwk("good", 2048, ""),
            jwk("weak", 1024, ""),
            jwk("enc", 2048, "").replace(r#""use":"sig""#, r#""use":"enc""#),
            jwk("hs", 2048, "").replace("RS256", "HS256"),
        );
        let keys = parse(doc.as_bytes()).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].0.as_deref(), Some("good"));
        let weak_only = format!(r#"{{"keys":[{}]}}"#, jwk("weak", 1024, ""));
        assert!(parse(weak_only.as_bytes()).unwrap_err().contains("2048"));
        assert!(parse(b"[]").is_err());
        assert!(parse(b"{\"keys\": {}}").is_err());
    }

    #[test]
    fn refetches_are_bounded_and_a_failed_one_keeps_the_keys() {
        // Serves `doc`, or fails while it is empty.
        let doc = Arc::new(Mutex::new(format!(
            r#"{{"keys":[{}]}}"#,
            jwk("a", 2048, "")
        )));
        let served = doc.clone();
        let source = Arc::new(FakeClerk::getting(move || {
            let doc = served.lock().unwrap().clone();
            if doc.is_empty() {
                return Err(Failure::Connect);
            }
            Ok(Reply::new(200, doc))
        }));
        let gets = || source.get_count();
        let (ring, problem) = KeyRing::load("https://x/jwks", source.clone(), 1000);
        assert_eq!(problem, None);
        assert_eq!(gets(), 1);
        // Known kid, fresh set: no fetch.
        assert_eq!(ring.keys(Some("a"), 1100).len(), 1);
        assert_eq!(gets(), 1);
        // Unknown kids: one refetch, then none for five minutes.
        for t in 1100..1200 {
            ring.keys(Some(&format!("forged{t}")), t);
        }
        assert_eq!(gets(), 2);
        ring.keys(Some("forged"), 1100 + UNKNOWN_KID_REFETCH_SECONDS);
        assert_eq!(gets(), 3);
        // Ten minutes after the last fetch, a token that needs the set refreshes it, so a
        // removed key stops working.
        *doc.lock().unwrap() = format!(r#"{{"keys":[{}]}}"#, jwk("b", 2048, ""));
        let keys = ring.keys(
            Some("a"),
            1100 + UNKNOWN_KID_REFETCH_SECONDS + REFRESH_SECONDS,
        );
        assert_eq!(keys[0].0.as_deref(), Some("b"));
        // A failed refetch keeps what we have.
        doc.lock().unwrap().clear();
        let later = 1100 + UNKNOWN_KID_REFETCH_SECONDS + 2 * REFRESH_SECONDS;
        assert_eq!(ring.keys(Some("b"), later)[0].0.as_deref(), Some("b"));
    }

    #[test]
    fn a_jwks_down_at_cold_start_is_retried_boundedly_until_it_answers() {
        let up = Arc::new(Mutex::new(false));
        let serving = up.clone();
        let source = Arc::new(FakeClerk::getting(move || {
            if !*serving.lock().unwrap() {
                return Err(Failure::Connect);
            }
            Ok(Reply::new(
                200,
                format!(r#"{{"keys":[{}]}}"#, jwk("a", 2048, "")),
            ))
        }));
        let (ring, problem) = KeyRing::load("https://x/jwks", source.clone(), 1000);
        assert!(problem.unwrap().contains("could not be fetched"));
        // Tokens (any kid) meanwhile: no key, and at most one fetch per EMPTY_RETRY_SECONDS.
        for t in 1000..1000 + EMPTY_RETRY_SECONDS {
            assert!(ring.keys(Some(&format!("k{t}")), t).is_empty());
        }
        assert_eq!(source.get_count(), 1);
        assert!(ring.keys(Some("a"), 1000 + EMPTY_RETRY_SECONDS).is_empty());
        assert_eq!(source.get_count(), 2);
        *up.lock().unwrap() = true;
        assert!(ring
            .keys(Some("a"), 1000 + 2 * EMPTY_RETRY_SECONDS - 1)
            .is_empty());
        assert_eq!(
            ring.keys(Some("a"), 1000 + 2 * EMPTY_RETRY_SECONDS).len(),
            1
        );
        assert_eq!(source.get_count(), 3);
    }

    #[test]
    fn one_fetch_for_tokens_at_once_and_a_held_key_never_waits_for_it() {
        use std::sync::atomic::{AtomicBool, Ordering};
        // The first fetch is quick; later ones take 400 ms and serve a second key.
        let rotated = Arc::new(AtomicBool::new(false));
        let landed = Arc::new(AtomicBool::new(false));
        let (r, l) = (rotated.clone(), landed.clone());
        let source = Arc::new(FakeClerk::getting(move || {
            if !r.load(Ordering::SeqCst) {
                return Ok(Reply::new(
                    200,
                    format!(r#"{{"keys":[{}]}}"#, jwk("a", 2048, "")),
                ));
            }
            std::thread::sleep(Duration::from_millis(400));
            l.store(true, Ordering::SeqCst);
            let keys = format!("{},{}", jwk("a", 2048, ""), jwk("b", 2048, ""));
            Ok(Reply::new(200, format!(r#"{{"keys":[{keys}]}}"#)))
        }));
        let (ring, _) = KeyRing::load("https://x/jwks", source.clone(), 1000);
        let ring = Arc::new(ring);
        rotated.store(true, Ordering::SeqCst);
        let waiting: Vec<_> = (0..6)
            .map(|_| {
                let ring = ring.clone();
                std::thread::spawn(move || ring.keys(Some("b"), 1100).len())
            })
            .collect();
        // While the fetch is under way, a token signed with a key we hold is served at once.
        while !ring.ring.lock().unwrap().fetching {
            std::thread::yield_now();
        }
        assert_eq!(ring.keys(Some("a"), 1100).len(), 1);
        assert!(
            !landed.load(Ordering::SeqCst),
            "a held key waited for the fetch"
        );
        for thread in waiting {
            assert_eq!(
                thread.join().unwrap(),
                2,
                "every token of the new key sees it"
            );
        }
        assert_eq!(source.get_count(), 2, "one fetch for all of them");
    }
}
