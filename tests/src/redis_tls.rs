//! [`TestCa`]: a certificate authority made at test time (rcgen, on the
//! aws-lc-rs backend already in the tree), with a server certificate for
//! 127.0.0.1 and a client certificate, written as PEM files for
//! `redis-server`.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A private CA and the certificates it signed, in a temporary directory
/// removed on drop. Nothing in it is a real secret: it lives for one test.
///
/// ```no_run
/// let ca = scope_tests::TestCa::new();
/// assert!(ca.ca_pem().starts_with(b"-----BEGIN CERTIFICATE-----"));
/// ```
pub struct TestCa {
    dir: PathBuf,
    ca_pem: Vec<u8>,
    client_cert_pem: Vec<u8>,
    client_key_pem: Vec<u8>,
}

impl TestCa {
    /// A new CA, a server certificate for `127.0.0.1` and `localhost`, and a
    /// client certificate, all signed by it.
    ///
    /// # Panics
    ///
    /// When a certificate cannot be made or written.
    ///
    /// ```no_run
    /// let ca = scope_tests::TestCa::new();
    /// ```
    pub fn new() -> TestCa {
        let dir = crate::redis_server::temp_dir("tls", 0);
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "scope-tests CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose, name: &str| {
            let key = KeyPair::generate().expect("a key");
            let mut params = CertificateParams::new(names).expect("certificate parameters");
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![usage];
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            let cert = params.signed_by(&key, &issuer).expect("a certificate");
            (cert.pem().into_bytes(), key.serialize_pem().into_bytes())
        };
        let (server_cert, server_key) = leaf(
            vec!["127.0.0.1".into(), "localhost".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
            "scope-tests redis-server",
        );
        let (client_cert, client_key) = leaf(
            Vec::new(),
            ExtendedKeyUsagePurpose::ClientAuth,
            "scope-tests client",
        );
        let ca_pem = ca_cert.pem().into_bytes();
        for (name, pem) in [
            ("ca.pem", &ca_pem),
            ("server.pem", &server_cert),
            ("server.key", &server_key),
            ("client.pem", &client_cert),
            ("client.key", &client_key),
        ] {
            std::fs::write(dir.join(name), pem).expect("write a PEM file");
        }
        TestCa {
            dir,
            ca_pem,
            client_cert_pem: client_cert,
            client_key_pem: client_key,
        }
    }

    /// The CA's certificate (PEM).
    ///
    /// ```no_run
    /// let pem = scope_tests::TestCa::new().ca_pem().to_vec();
    /// ```
    pub fn ca_pem(&self) -> &[u8] {
        &self.ca_pem
    }

    /// The client certificate (PEM).
    ///
    /// ```no_run
    /// let pem = scope_tests::TestCa::new().client_cert_pem().to_vec();
    /// ```
    pub fn client_cert_pem(&self) -> &[u8] {
        &self.client_cert_pem
    }

    /// The client certificate's key (PEM).
    ///
    /// ```no_run
    /// let pem = scope_tests::TestCa::new().client_key_pem().to_vec();
    /// ```
    pub fn client_key_pem(&self) -> &[u8] {
        &self.client_key_pem
    }

    /// The CA's certificate file.
    ///
    /// ```no_run
    /// assert!(scope_tests::TestCa::new().ca_file().exists());
    /// ```
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The client certificate and key files.
    ///
    /// ```no_run
    /// let (cert, key) = scope_tests::TestCa::new().client_files();
    /// ```
    pub fn client_files(&self) -> (PathBuf, PathBuf) {
        (self.dir.join("client.pem"), self.dir.join("client.key"))
    }

    pub(crate) fn server_cert_file(&self) -> PathBuf {
        self.dir.join("server.pem")
    }

    pub(crate) fn server_key_file(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    /// The directory the files are in.
    ///
    /// ```no_run
    /// assert!(scope_tests::TestCa::new().dir().is_dir());
    /// ```
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
