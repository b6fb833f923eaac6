//! Which certificate authorities the DynamoDB client trusts.
//!
//! The SDK's HTTPS client trusts the machine's CA bundle by default, and reads it when the client
//! is built, whatever the endpoint: on the tasks function's cold start that was 84 % of its
//! instructions (146 certificates base64-decoded, BENCHMARKS.md). AWS's own endpoints in the
//! commercial partition present certificates of Amazon Trust Services, whose repository
//! recommends exactly five roots for a custom trust store; those five are compiled in
//! (`amazon-trust-services.pem`) and parsed in microseconds.
//!
//! Anywhere that is not known to be AWS's commercial partition, the machine still decides:
//! an `https://` endpoint you set (a proxy, a private CA), and the China, GovCloud, ISO and
//! sovereign partitions. A region this code does not recognise costs a slower cold start,
//! never a refused certificate.

use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};

/// Amazon Root CA 1 to 4 and Starfield Services Root Certificate Authority - G2, in PEM.
pub const AMAZON_TRUST_SERVICES_ROOTS: &str = include_str!("amazon-trust-services.pem");

/// The first label of the regions of AWS's commercial partition (`aws`), as the SDK's
/// partition table matches them: `^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`.
const COMMERCIAL_AREAS: [&str; 9] = ["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"];

/// The roots a client trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Amazon Trust Services' five roots: AWS's own endpoint in the commercial partition, or a
    /// plain-HTTP endpoint (a local table), where no certificate is ever checked.
    AmazonTrustServices,
    /// The machine's CA bundle, as the SDK does by default.
    Machine,
}

/// The roots for a client of `region`, at `endpoint` when one is set
/// (`AWS_ENDPOINT_URL_DYNAMODB` or `AWS_ENDPOINT_URL`).
pub fn trust_for(region: &str, endpoint: Option<&str>) -> Trust {
    match endpoint {
        Some(url)
            if url
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("http://")) =>
        {
            Trust::AmazonTrustServices
        }
        Some(_) => Trust::Machine,
        None if in_commercial_partition(region) => Trust::AmazonTrustServices,
        None => Trust::Machine,
    }
}

/// The SDK's HTTPS client (rustls on aws-lc-rs, as `default-https-client` builds it) over
/// `trust`'s roots; `None` for the machine's, which is the SDK's own default.
pub fn http_client(trust: Trust) -> Option<SharedHttpClient> {
    match trust {
        Trust::Machine => None,
        Trust::AmazonTrustServices => {
            let store = TrustStore::empty()
                .with_native_roots(false)
                .with_pem_certificate(AMAZON_TRUST_SERVICES_ROOTS.as_bytes());
            let context = TlsContext::builder()
                .with_trust_store(store)
                .build()
                .expect("a TLS context of PEM certificates only");
            Some(
                aws_smithy_http_client::Builder::new()
                    .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
                    .tls_context(context)
                    .build_https(),
            )
        }
    }
}

/// `us-east-1`, `eu-central-2`, `ap-southeast-7`, ...: an area of `COMMERCIAL_AREAS`, a word,
/// a number. `us-gov-west-1`, `cn-north-1`, `us-iso-east-1` and `eusc-de-east-1` are not.
fn in_commercial_partition(region: &str) -> bool {
    let mut labels = region.split('-');
    match (labels.next(), labels.next(), labels.next(), labels.next()) {
        (Some(area), Some(name), Some(number), None) => {
            COMMERCIAL_AREAS.contains(&area)
                && !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    #[test]
    fn the_compiled_in_roots_are_the_five_amazon_trust_services_publishes() {
        // https://www.amazontrust.com/repository/: SHA-256 of each root's SubjectPublicKeyInfo.
        let published = [
            "fbe3018031f9586bcbf41727e417b7d1c45c2f47f93be372a17b96b50757d5a2", // Amazon Root CA 1
            "7f4296fc5b6a4e3b35d3c369623e364ab1af381d8fa7121533c9d6c633ea2461", // Amazon Root CA 2
            "36abc32656acfc645c61b71613c4bf21c787f5cabbee48348d58597803d7abc9", // Amazon Root CA 3
            "f7ecded5c66047d28ed6466b543c40e0743abe81d109254dcf845d4c2c7853c5", // Amazon Root CA 4
            "2b071c59a0a0ae76b0eadb2bad23bad4580b69c3601b630c2eaf0613afa83f92", // Starfield Services G2
        ];
        let certificates = CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES_ROOTS.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("PEM");
        let mut store = rustls::RootCertStore::empty();
        for certificate in certificates {
            store.add(certificate).expect("a root rustls can trust");
        }
        let hashes: Vec<String> = store
            .roots
            .iter()
            .map(|anchor| {
                // webpki keeps the SPKI's contents; the published hash covers the whole SEQUENCE.
                let contents = anchor.subject_public_key_info.as_ref();
                let mut spki = vec![0x30];
                match contents.len() {
                    n if n < 0x80 => spki.push(n as u8),
                    n if n < 0x100 => spki.extend([0x81, n as u8]),
                    n => spki.extend([0x82, (n >> 8) as u8, n as u8]),
                }
                spki.extend_from_slice(contents);
                let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &spki);
                digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
            })
            .collect();
        assert_eq!(hashes, published);
    }

    #[test]
    fn aws_commercial_endpoints_trust_amazon_and_everything_else_the_machine() {
        for region in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-7",
            "mx-central-1",
            "il-central-1",
        ] {
            assert_eq!(
                trust_for(region, None),
                Trust::AmazonTrustServices,
                "{region}"
            );
        }
        for region in [
            "us-gov-west-1",
            "cn-north-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "eusc-de-east-1",
            "",
            "us-east",
            "us-east-1a",
        ] {
            assert_eq!(trust_for(region, None), Trust::Machine, "{region:?}");
        }
        // An endpoint you set: over HTTPS it may be anything (a proxy, a private CA).
        let machine = trust_for("us-east-1", Some("https://dynamodb.internal.example"));
        assert_eq!(machine, Trust::Machine);
        // Over plain HTTP no certificate is checked: the cheap store, whatever the region.
        let local = trust_for("cn-north-1", Some("HTTP://127.0.0.1:8000"));
        assert_eq!(local, Trust::AmazonTrustServices);
    }
}
