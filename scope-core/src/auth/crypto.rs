//! The one file that names the crypto backend: rustls's provider, the HMAC of JWT
//! bearer assertions, the CSPRNG of authorize states and session keys, the SHA-256
//! that names a session in the store, and the RS512 check of access tokens.
//!
//! Feature `aws-lc-rs` (the default) or `ring` picks the backend; the two crates have
//! the same API for all of the above, so the rest of the crate calls these functions and
//! never a backend. Features are additive: with both on, aws-lc-rs wins, as it does in
//! reqwest (whose `rustls` feature then links it anyway), so a build never mixes the two.
//! The constant-time compare is `subtle`'s, which rustls already links on both backends.

#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs as backend;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring as backend;

#[cfg(not(any(feature = "aws-lc-rs", feature = "ring")))]
compile_error!(
    "scope-core's token client needs a crypto backend: enable feature `aws-lc-rs` (the default) \
     or `ring`, e.g. `scope-core = { version = \"0.1\", default-features = false, features = [\"macros\", \"ring\"] }`"
);

/// The operating system's random number generator failed.
#[derive(Debug)]
pub(crate) struct RandomFailed;

/// HMAC-SHA512 of `data` under `key`.
pub(crate) fn hmac_sha512(key: &[u8], data: &[u8]) -> impl AsRef<[u8]> {
    let key = backend::hmac::Key::new(backend::hmac::HMAC_SHA512, key);
    backend::hmac::sign(&key, data)
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = backend::digest::digest(&backend::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Fills `bytes` from the operating system's CSPRNG.
pub(crate) fn fill_random(bytes: &mut [u8]) -> Result<(), RandomFailed> {
    use backend::rand::SecureRandom as _;
    backend::rand::SystemRandom::new()
        .fill(bytes)
        .map_err(|_| RandomFailed)
}

/// Whether `a` and `b` are equal, in a time that does not depend on where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(a.ct_eq(b))
}

/// Whether `signature` is an RS512 (RSASSA-PKCS1-v1_5 with SHA-512) signature of
/// `message` under `key`, a 2048 to 8192-bit RSA public key. jsonwebtoken only parses
/// the keys; the check is the backend's, so `verify` adds no second RSA implementation.
#[cfg(feature = "verify")]
pub(crate) fn verify_rs512(
    key: &jsonwebtoken::DecodingKey,
    message: &[u8],
    signature: &[u8],
) -> bool {
    use backend::signature::{RSA_PKCS1_2048_8192_SHA512, RsaPublicKeyComponents};
    match key.kind() {
        jsonwebtoken::DecodingKeyKind::RsaModulusExponent { n, e } => {
            RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA512, message, signature)
                .is_ok()
        }
        jsonwebtoken::DecodingKeyKind::SecretOrDer(_) => false,
    }
}

/// Before building a reqwest client: on ring, installs ring as rustls's process-wide
/// provider unless the program installed one, because reqwest's `rustls-no-provider`
/// (the only way to keep aws-lc out of reqwest) panics without one. On aws-lc-rs,
/// reqwest brings its own provider and nothing is installed.
pub(crate) fn prepare_http_tls() {
    #[cfg(not(feature = "aws-lc-rs"))]
    install_rustls_provider();
}

/// Before opening a Redis connection: redis builds its rustls config from the
/// process-wide provider, which rustls picks by itself only when exactly one of its
/// backends is compiled in, and panics otherwise. Installing this crate's backend
/// (unless the program installed one) is what rustls does in the unambiguous case, and
/// keeps `rediss://` working when both features are on.
#[cfg(feature = "redis")]
pub(crate) fn prepare_redis_tls() {
    install_rustls_provider();
}

/// Installs this crate's backend as rustls's process-wide provider, unless one is
/// installed already (by the program, or by another thread a moment ago: both fine).
#[cfg(any(feature = "redis", not(feature = "aws-lc-rs")))]
fn install_rustls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        #[cfg(feature = "aws-lc-rs")]
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        #[cfg(not(feature = "aws-lc-rs"))]
        let provider = rustls::crypto::ring::default_provider();
        // Losing a race to another installer leaves a provider in place: what is needed.
        let _ = provider.install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    #[test]
    fn hmac_sha512_matches_rfc_4231_test_case_2() {
        let tag = hmac_sha512(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(tag.as_ref()),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    #[test]
    fn sha256_matches_fips_180_2_abc() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn random_bytes_differ_between_calls() {
        let (mut first, mut second) = ([0u8; 32], [0u8; 32]);
        fill_random(&mut first).unwrap();
        fill_random(&mut second).unwrap();
        assert_ne!(first, second);
        assert_ne!(first, [0u8; 32]);
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"state", b"state"));
        assert!(!constant_time_eq(b"state", b"statf"));
        assert!(!constant_time_eq(b"state", b"stat"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }

    /// A 2048-bit key and an RS512 signature of `header.payload`, made with Python's
    /// `cryptography` (OpenSSL): a check independent of both backends.
    #[cfg(feature = "verify")]
    const RSA_N: &str = "06LzzwVDe282bPQtHVq-j6p6RyfPbrMj3AysFwE33VHsrBE1PYHWNLsNtRakR6Ffgo6xUT7QamvOD_H-mbe0DAFep6T00AmhYQCrBjUJCpEDbEI5rCX6i0a9ihJOoGgXdJZHzX7H7lbKINA_Zizxb5YppINi22WtajVCJ_Q0fz0hyrktgyUOpZJ1Qngs2looo9TTIie45HnWzL8frji1fiPBapC4ApsTc43RShJU5rixIFSqG9UKMUW0T6CDg2VPrQcty4h-9BMuBxrIxnTIosM7fl2uOfxwzn0-mHm3LxkSOPzK4AmrwfbCcmeXXlUQIWVtoUyOSelwugZmjQ6GOw";
    #[cfg(feature = "verify")]
    const RS512_SIGNATURE: &str = "zb7nZXA2yHtQHyCNFjcKbE7Yp4nYSl-b4nAo2A82gPW8TsGnOMwouUbkgTBJYYq2foGh04x9k55a7tUWtQGg5f01ArXyea9261xBpZwaPVIUQVr6h-PY7A2zVnjhGRpCY31lBBsx8rsh5VZH9ffXpDLwbxL5rnM0OcIcmLaLmwoZNMvAZPn_r84HpnWbOKieh__A9tW6aedvl-BHSdijGNQFSVcUcl9roMKnC7rWmxVqq7VV9iwiWZ_N1cRoXPjz0h2vJnYj1gk676pl0t7VIgqQfJGQi-xJJTagmFTNd-qBB9e2fojE4_-LHMPYO3e6yZQYlF-1568HS-Sco7539A";

    #[cfg(feature = "verify")]
    #[test]
    fn rs512_accepts_an_openssl_signature_and_nothing_else() {
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let key = jsonwebtoken::DecodingKey::from_rsa_components(RSA_N, "AQAB").unwrap();
        let signature = URL_SAFE_NO_PAD.decode(RS512_SIGNATURE).unwrap();
        assert!(verify_rs512(&key, b"header.payload", &signature));
        assert!(!verify_rs512(&key, b"header.payloaD", &signature));
        let mut flipped = signature.clone();
        flipped[100] ^= 1;
        assert!(!verify_rs512(&key, b"header.payload", &flipped));
        let not_rsa = jsonwebtoken::DecodingKey::from_secret(b"secret").unwrap();
        assert!(!verify_rs512(&not_rsa, b"header.payload", &signature));
    }

    #[cfg(not(feature = "aws-lc-rs"))]
    #[test]
    fn the_ring_build_gives_reqwest_a_provider() {
        prepare_http_tls();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        // Building a client is where reqwest panics without one.
        reqwest::Client::builder().build().unwrap();
    }
}
