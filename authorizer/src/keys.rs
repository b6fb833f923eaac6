//! The public keys that may sign a session token, parsed once at cold start.
//!
//! `CLERK_JWT_KEY` holds one PEM block, or several for key rotation. Each block is decoded
//! by jsonwebtoken and then kept as an aws-lc-rs `ParsedPublicKey` per RSA algorithm, so that
//! a request pays for one signature check and never for parsing a key.

use aws_lc_rs::signature::{
    ParsedPublicKey, RsaParameters, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_2048_8192_SHA384,
    RSA_PKCS1_2048_8192_SHA512,
};
use jsonwebtoken::{Algorithm, DecodingKey};

/// Keys under this size are refused at init: they can be factored.
pub const MIN_RSA_BITS: u32 = 2048;

/// One RSA public key, ready to verify RS256, RS384 or RS512 signatures.
pub struct RsaKey {
    rs256: ParsedPublicKey,
    rs384: ParsedPublicKey,
    rs512: ParsedPublicKey,
}

impl RsaKey {
    /// True when `signature` over `message` verifies with this key under `alg`.
    /// Any algorithm outside the RS family is refused.
    pub fn verifies(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        let key = match alg {
            Algorithm::RS256 => &self.rs256,
            Algorithm::RS384 => &self.rs384,
            Algorithm::RS512 => &self.rs512,
            _ => return false,
        };
        key.verify_sig(message, signature).is_ok()
    }
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material, not even a public key: logs are not the place for it.
        f.write_str("RsaKey(..)")
    }
}

/// Parses every PEM block in `text`. The error never quotes the input, because a user may
/// have pasted a private key by mistake.
pub fn parse_pem_keys(text: &str) -> Result<Vec<RsaKey>, String> {
    // Consoles and .env files often flatten the PEM onto one line with literal `\n`.
    let text = text.replace("\\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(
            "is empty; paste the PEM public key from the Clerk dashboard \
                    (API keys → Show JWT public key → PEM Public Key)"
                .into(),
        );
    }
    let mut keys = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let block = next_block(rest)?;
        keys.push(parse_block(block.label, block.text)?);
        rest = block.rest.trim_start();
    }
    Ok(keys)
}

struct Block<'a> {
    label: &'a str,
    text: &'a str,
    rest: &'a str,
}

fn next_block(text: &str) -> Result<Block<'_>, String> {
    const BEGIN: &str = "-----BEGIN ";
    if !text.starts_with(BEGIN) {
        return Err(if text.contains(BEGIN) {
            "has text between or around its PEM blocks; keep only the \
             -----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY----- blocks"
                .into()
        } else {
            "is not PEM; it must start with -----BEGIN PUBLIC KEY----- \
             (the PEM Public Key from the Clerk dashboard, not the JWKS URL or a secret key)"
                .into()
        });
    }
    let label_end = text[BEGIN.len()..]
        .find("-----")
        .ok_or("has a truncated PEM header line")?;
    let label = &text[BEGIN.len()..BEGIN.len() + label_end];
    let end_marker = format!("-----END {label}-----");
    let end = text
        .find(&end_marker)
        .ok_or_else(|| format!("has a {label} block without its -----END {label}----- line"))?;
    let end = end + end_marker.len();
    Ok(Block {
        label,
        text: &text[..end],
        rest: &text[end..],
    })
}

fn parse_block(label: &str, pem: &str) -> Result<RsaKey, String> {
    if label.contains("PRIVATE KEY") {
        return Err(
            "holds a PRIVATE key. Never deploy a private key: paste the PEM Public Key \
                    from the Clerk dashboard (API keys → Show JWT public key)"
                .into(),
        );
    }
    if label != "PUBLIC KEY" && label != "RSA PUBLIC KEY" {
        return Err(format!(
            "has a {label} block; only PUBLIC KEY (SPKI) or RSA PUBLIC KEY (PKCS#1) blocks are accepted"
        ));
    }
    let not_rsa =
        || "holds a public key that is not a valid RSA key; Clerk signs with RSA".to_string();
    let decoding = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| not_rsa())?;
    let der = match decoding.kind() {
        jsonwebtoken::DecodingKeyKind::SecretOrDer(der) => der.as_slice(),
        jsonwebtoken::DecodingKeyKind::RsaModulusExponent { .. } => return Err(not_rsa()),
    };
    from_der(der)
}

/// A key from its PKCS#1 `RSAPublicKey` DER, refused under `MIN_RSA_BITS`.
pub fn from_der(der: &[u8]) -> Result<RsaKey, String> {
    let not_rsa =
        || "holds a public key that is not a valid RSA key; Clerk signs with RSA".to_string();
    let bits = RsaParameters::public_modulus_len(der).map_err(|_| not_rsa())?;
    if bits < MIN_RSA_BITS {
        return Err(format!(
            "holds a {bits}-bit RSA key; keys under {MIN_RSA_BITS} bits are refused"
        ));
    }
    let parse = |alg| ParsedPublicKey::new(alg, der).map_err(|_| not_rsa());
    Ok(RsaKey {
        rs256: parse(&RSA_PKCS1_2048_8192_SHA256)?,
        rs384: parse(&RSA_PKCS1_2048_8192_SHA384)?,
        rs512: parse(&RSA_PKCS1_2048_8192_SHA512)?,
    })
}

/// A key from a JWK's modulus and exponent (big-endian bytes), as PKCS#1 DER:
/// `SEQUENCE { INTEGER n, INTEGER e }`.
pub fn from_components(n: &[u8], e: &[u8]) -> Result<RsaKey, String> {
    fn integer(bytes: &[u8]) -> Vec<u8> {
        let bytes = match bytes.iter().position(|b| *b != 0) {
            Some(first) => &bytes[first..],
            None => &[0][..],
        };
        let mut content = Vec::with_capacity(bytes.len() + 1);
        if bytes[0] & 0x80 != 0 {
            content.push(0); // stays positive
        }
        content.extend_from_slice(bytes);
        tagged(0x02, &content)
    }
    fn tagged(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let len_bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | len_bytes.len() as u8);
            out.extend(len_bytes);
        }
        out.extend_from_slice(content);
        out
    }
    let mut sequence = integer(n);
    sequence.extend(integer(e));
    from_der(&tagged(0x30, &sequence))
}
