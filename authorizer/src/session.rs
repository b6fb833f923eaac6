//! Verified claims → one view of a Clerk session, whichever token version carried it.
//!
//! Session token v1 (deprecated by Clerk on 2025-04-14) names the active organisation in
//! `org_id`, `org_slug`, `org_role` and `org_permissions`. Version 2 (`"v": 2`) packs it into
//! `o: {id, slg, rol, per, fpm}` and adds plans (`pla`), features (`fea`), factor verification
//! age (`fva`) and session status (`sts`). The rules and the context read this view only, so
//! they never care which version a token is.

use crate::json::Json;
use crate::verify::Claims;

/// Why a v2 token's organisation permissions were withheld, for the log.
pub const AMBIGUOUS_FPM: &str = "permissions_withheld_ambiguous_fpm";

/// A verified session, as Clerk's `has()` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session<'c> {
    /// `sub`: the Clerk user id.
    pub user: &'c str,
    /// `sid`: the session id.
    pub session: Option<&'c str>,
    /// The string at `ROLE_CLAIM` (default `metadata.role`).
    pub role: Option<&'c str>,
    /// The active organisation, if any.
    pub org: Option<Organization<'c>>,
    /// `pla`: the subscribed plans, `scope:slug`.
    pub plans: Vec<Scoped<'c>>,
    /// `fea`: the enabled features, `scope:slug`.
    pub features: Vec<Scoped<'c>>,
    /// `fva`: minutes since the first and the second factor were verified, `-1` for never.
    /// `None` when the claim is missing or malformed.
    pub factor_age: Option<[i64; 2]>,
    /// Set when a v2 token's permissions could not be decoded without ambiguity.
    pub permissions_withheld: Option<&'static str>,
    /// The raw `pla` list, for the context.
    pub plans_claim: Option<&'c str>,
    /// The raw `fea` list, for the context.
    pub features_claim: Option<&'c str>,
}

/// The organisation that is active in the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization<'c> {
    /// The organisation id, `org_…`.
    pub id: &'c str,
    /// The organisation slug.
    pub slug: Option<&'c str>,
    /// With the `org:` prefix, as `has()` compares it (`admin` → `org:admin`).
    pub role: Option<String>,
    /// The permissions, e.g. `org:tasks:manage` as feature `tasks`, name `manage`.
    pub permissions: Vec<Permission<'c>>,
}

/// One organisation permission, `org:<feature>:<name>`, borrowed from the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission<'c> {
    /// The feature, `tasks` in `org:tasks:manage`.
    pub feature: &'c str,
    /// The permission's name, `manage` in `org:tasks:manage`.
    pub name: &'c str,
}

impl<'c> Permission<'c> {
    /// Reads a full key such as `org:tasks:manage`; anything else is not a permission.
    pub fn parse(key: &'c str) -> Option<Permission<'c>> {
        let (feature, name) = key.strip_prefix("org:")?.split_once(':')?;
        (!feature.is_empty() && !name.is_empty()).then_some(Permission { feature, name })
    }

    /// True when this is the permission `key` (`org:<feature>:<name>`), without allocating.
    pub fn is(&self, key: &str) -> bool {
        key.strip_prefix("org:")
            .and_then(|rest| rest.strip_prefix(self.feature))
            .and_then(|rest| rest.strip_prefix(':'))
            == Some(self.name)
    }
}

impl std::fmt::Display for Permission<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "org:{}:{}", self.feature, self.name)
    }
}

impl Organization<'_> {
    /// The permissions as full keys, e.g. `org:tasks:manage`.
    pub fn permission_keys(&self) -> Vec<String> {
        self.permissions.iter().map(ToString::to_string).collect()
    }

    /// `org:tasks:view,org:tasks:edit`: one string, as the context carries it.
    pub fn permission_list(&self) -> String {
        let mut list = String::new();
        for (i, p) in self.permissions.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            list.push_str("org:");
            list.push_str(p.feature);
            list.push(':');
            list.push_str(p.name);
        }
        list
    }
}

/// One entry of `pla` or `fea`: `u:pro`, `o:business`, `ou:…`, `uo:…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scoped<'c> {
    /// `u`, `o`, `ou` or `uo`.
    pub scope: &'c str,
    /// The plan's or feature's slug.
    pub slug: &'c str,
}

impl Scoped<'_> {
    /// Organisation-scoped: `o`, `ou`, `uo`.
    pub fn for_org(&self) -> bool {
        self.scope.contains('o')
    }

    /// User-scoped: `u`, `ou`, `uo`.
    pub fn for_user(&self) -> bool {
        self.scope.contains('u')
    }
}

impl<'c> Session<'c> {
    /// Reads the session out of verified claims; `role_claim` is the dot path of `ROLE_CLAIM`.
    pub fn from_claims<S: AsRef<str>>(claims: &'c Claims<'_>, role_claim: &[S]) -> Session<'c> {
        let v2 = claims.get("v").and_then(Json::as_u64) == Some(2);
        let features_claim = claims.str("fea");
        let features = scoped_list(features_claim);
        let mut permissions_withheld = None;
        let org = if v2 {
            claims.get("o").and_then(Json::as_object).and_then(|o| {
                let text = |k: &str| o.get(k).and_then(Json::as_str);
                let id = text("id").filter(|id| !id.is_empty())?;
                let permissions = match decode_permissions(&features, text("per"), text("fpm")) {
                    Ok(permissions) => permissions,
                    Err(why) => {
                        permissions_withheld = Some(why);
                        Vec::new()
                    }
                };
                Some(Organization {
                    id,
                    slug: text("slg"),
                    role: text("rol").map(org_role),
                    permissions,
                })
            })
        } else {
            claims.str("org_id").filter(|id| !id.is_empty()).map(|id| {
                let permissions = match claims.get("org_permissions") {
                    Some(Json::Array(list)) => list
                        .iter()
                        .filter_map(Json::as_str)
                        .filter_map(Permission::parse)
                        .collect(),
                    _ => Vec::new(),
                };
                Organization {
                    id,
                    slug: claims.str("org_slug"),
                    role: claims.str("org_role").map(org_role),
                    permissions,
                }
            })
        };
        let plans_claim = claims.str("pla");
        Session {
            user: claims.subject(),
            session: claims.str("sid"),
            role: claims.str_at(role_claim).filter(|r| !r.is_empty()),
            org,
            plans: scoped_list(plans_claim),
            features,
            factor_age: factor_age(claims.get("fva")),
            permissions_withheld,
            plans_claim,
            features_claim,
        }
    }
}

/// An organisation role as `has()` compares it: `admin` and `org:admin` are the same role.
pub fn org_role(role: &str) -> String {
    if role.starts_with("org:") {
        role.to_string()
    } else {
        format!("org:{role}")
    }
}

/// `"u:pro,o:business"` → its entries; an entry without a scope is skipped (Clerk always
/// writes one).
pub fn scoped_list(list: Option<&str>) -> Vec<Scoped<'_>> {
    list.unwrap_or_default()
        .split(',')
        .filter_map(|entry| entry.trim().split_once(':'))
        .filter(|(scope, slug)| !scope.is_empty() && !slug.is_empty())
        .map(|(scope, slug)| Scoped { scope, slug })
        .collect()
}

/// `[first, second]` as whole minutes; anything else is `None` (reverification then fails).
fn factor_age(value: Option<&Json<'_>>) -> Option<[i64; 2]> {
    match value?.as_array()? {
        [first, second] => Some([first.as_i64()?, second.as_i64()?]),
        _ => None,
    }
}

/// v2 permissions, decoded as Clerk's JavaScript SDK does: `fpm` holds one decimal bitmask
/// per organisation-scoped entry of `fea` (scopes `o`, `ou`, `uo`), in order; bit `i`, least
/// significant first, grants `org:<feature>:<per[i]>`.
///
/// Fails closed: a mask that is not all ASCII digits grants nothing for its feature, bits
/// beyond `per` are ignored, a feature without a mask gets nothing. Clerk's other SDKs align
/// `fpm` with every entry of `fea`; the two readings disagree exactly when a user-only entry
/// comes before an organisation-scoped one, and then nothing is granted (`Err` says why).
pub fn decode_permissions<'c>(
    features: &[Scoped<'c>],
    per: Option<&'c str>,
    fpm: Option<&str>,
) -> Result<Vec<Permission<'c>>, &'static str> {
    let (Some(per), Some(fpm)) = (per, fpm) else {
        return Ok(Vec::new());
    };
    let user_only_before_org = features
        .iter()
        .rposition(Scoped::for_org)
        .is_some_and(|last_org| features[..last_org].iter().any(|f| !f.for_org()));
    if user_only_before_org {
        return Err(AMBIGUOUS_FPM);
    }
    let names: Vec<&str> = per.split(',').collect();
    let mut permissions = Vec::new();
    let org_features = features.iter().filter(|f| f.for_org());
    for (feature, mask) in org_features.zip(fpm.split(',')) {
        let Some(mask) = Mask::parse(mask) else {
            continue;
        };
        for (i, name) in names.iter().enumerate() {
            if mask.bit(i) && !name.is_empty() {
                permissions.push(Permission {
                    feature: feature.slug,
                    name,
                });
            }
        }
    }
    Ok(permissions)
}

/// An unsigned decimal bitmask, exact at any size.
enum Mask {
    /// Up to 38 digits: always fits, no allocation.
    Small(u128),
    /// Little-endian base-2^32 limbs.
    Big(Vec<u32>),
}

impl Mask {
    /// `None` unless `mask` is one or more ASCII digits.
    fn parse(mask: &str) -> Option<Mask> {
        if mask.is_empty() || !mask.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if mask.len() <= 38 {
            return mask.parse().ok().map(Mask::Small);
        }
        // Multiply-by-ten-and-add over limbs: exact however long the mask is.
        let mut limbs: Vec<u32> = vec![0];
        for digit in mask.bytes().map(|b| u64::from(b - b'0')) {
            let mut carry = digit;
            for limb in &mut limbs {
                let value = u64::from(*limb) * 10 + carry;
                *limb = value as u32;
                carry = value >> 32;
            }
            if carry > 0 {
                limbs.push(carry as u32);
            }
        }
        Some(Mask::Big(limbs))
    }

    /// Bit `i`, least significant first.
    fn bit(&self, i: usize) -> bool {
        match self {
            Mask::Small(m) => i < 128 && (m >> i) & 1 == 1,
            Mask::Big(limbs) => limbs.get(i / 32).is_some_and(|l| l >> (i % 32) & 1 == 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn session(claims: Value) -> Vec<String> {
        let claims = Claims::from_payload(claims.as_object().unwrap().clone());
        let s = Session::from_claims(&claims, &["metadata", "role"]);
        s.org.map(|o| o.permission_keys()).unwrap_or_default()
    }

    fn bits(mask: &Mask, count: usize) -> Vec<usize> {
        (0..count).filter(|&i| mask.bit(i)).collect()
    }

    #[test]
    fn masks_decode_exactly_beyond_two_to_the_53_and_beyond_128_bits() {
        assert_eq!(bits(&Mask::parse("9007199254740993").unwrap(), 54), [0, 53]);
        // 2^130 + 1: 40 digits, the long path.
        let big = Mask::parse("1361129467683753853853498429727072845825").unwrap();
        assert!(matches!(big, Mask::Big(_)));
        assert_eq!(bits(&big, 200), [0, 130]);
    }

    #[test]
    fn masks_that_are_not_plain_digits_grant_nothing() {
        for mask in ["", " 1", "-1", "1.5", "0x3", "1invalid", "+1"] {
            assert!(Mask::parse(mask).is_none(), "{mask:?}");
        }
    }

    #[test]
    fn permissions_compare_without_allocating() {
        let p = Permission::parse("org:tasks:manage").unwrap();
        assert!(p.is("org:tasks:manage"));
        assert!(!p.is("org:tasks:manager") && !p.is("org:task:manage") && !p.is("tasks:manage"));
        assert_eq!(p.to_string(), "org:tasks:manage");
        assert!(
            Permission::parse("tasks:manage").is_none() && Permission::parse("org::x").is_none()
        );
    }

    #[test]
    fn v1_and_v2_give_the_same_view() {
        let v1 = session(
            json!({"sub": "u", "org_id": "org_1", "org_role": "org:admin",
            "org_permissions": ["org:tasks:read"]}),
        );
        let v2 = session(json!({"sub": "u", "v": 2, "fea": "o:tasks",
            "o": {"id": "org_1", "rol": "admin", "per": "read", "fpm": "1"}}));
        assert_eq!(v1, v2);
        assert_eq!(v1, vec!["org:tasks:read".to_string()]);
    }

    #[test]
    fn v2_fields_are_ignored_without_the_version_marker() {
        assert!(session(json!({"sub": "u", "fea": "o:tasks",
            "o": {"id": "org_1", "per": "read", "fpm": "1"}}))
        .is_empty());
    }
}
