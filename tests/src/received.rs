//! What the stand-in received, for tests to check the request's exact shape.

/// One request the stand-in received, on any route.
///
/// ```
/// use scope_core::auth::{blocking::AuthClient, Credentials};
/// use scope_tests::AuthServer;
///
/// let server = AuthServer::start();
/// server.add_integration("backend", "s3cret");
/// let client = AuthClient::builder().base_url(server.base_url()).build().unwrap();
/// client.request_token(&Credentials::integration("backend", "s3cret", None)).unwrap();
///
/// let request = server.last_token_request().unwrap();
/// assert_eq!(request.header("content-type"), Some("application/json"));
/// assert_eq!(request.json().unwrap()["grant_type"], "client_credentials");
/// ```
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) received_at: std::time::Instant,
}

impl ReceivedRequest {
    /// When its whole body had arrived.
    ///
    /// ```no_run
    /// # fn f(request: scope_tests::ReceivedRequest) {
    /// assert!(request.received_at() <= std::time::Instant::now());
    /// # }
    /// ```
    pub fn received_at(&self) -> std::time::Instant {
        self.received_at
    }

    /// The method, such as `POST`.
    ///
    /// ```no_run
    /// # fn f(request: scope_tests::ReceivedRequest) {
    /// assert_eq!(request.method(), "POST");
    /// # }
    /// ```
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path, such as `/oauth/token`.
    ///
    /// ```no_run
    /// # fn f(request: scope_tests::ReceivedRequest) {
    /// assert_eq!(request.path(), "/oauth/token");
    /// # }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The first value of a header (names in any case), when it is text.
    ///
    /// ```no_run
    /// # fn f(request: scope_tests::ReceivedRequest) {
    /// assert_eq!(request.header("Accept"), Some("application/json"));
    /// # }
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every header, names in lowercase, in the order received.
    ///
    /// ```no_run
    /// # fn f(request: scope_tests::ReceivedRequest) {
    /// assert!(request.headers().iter().any(|(name, _)| name == "host"));
    /// # }
    /// ```
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The raw body.
    ///
    /// ```no_run
    /// # fn f(request: scope_tests::ReceivedRequest) {
    /// assert!(request.body().starts_with(b"{"));
    /// # }
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as JSON, when it is.
    ///
    /// ```no_run
    /// # fn f(request: scope_tests::ReceivedRequest) {
    /// assert!(request.json().unwrap().get("client_secret").is_none());
    /// # }
    /// ```
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
