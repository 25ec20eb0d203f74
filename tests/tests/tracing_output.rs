//! The library's log lines (feature `tracing`), captured as text at level TRACE while
//! each path runs against the stand-in: they name the grant, client id, scope and outcome,
//! say when a source backs off or goes on alone without its store, and never show a
//! secret, a token or a customer's e-mail address.

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use scope_core::auth::{
    AuthClient, Credentials, CustomerSessions, ExposeSecret, Grant, MemoryStore, RedisStore, Token,
    TokenSource, TokenStore,
};
use scope_core::scopes;
use scope_tests::jwt::access_token_claims;
use scope_tests::{App, AuthServer, Misbehaviour, RedisServer};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

const CLIENT_ID: &str = "backend";
const CLIENT_SECRET: &str = "backend-secret-for-the-log-test";
const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";
const REDIS_PASSWORD: &str = "redis-password-for-the-log-test";

/// Where the subscriber writes: one buffer for the whole test binary.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

/// The lines written while a test holds it; tests take turns, since the
/// subscriber is global (the runtimes' worker threads log too).
struct Capture {
    buffer: Buffer,
    _turn: MutexGuard<'static, ()>,
}

impl Capture {
    fn start() -> Capture {
        static BUFFER: OnceLock<Buffer> = OnceLock::new();
        static TURN: Mutex<()> = Mutex::new(());
        let buffer = BUFFER
            .get_or_init(|| {
                let buffer = Buffer::default();
                tracing_subscriber::fmt()
                    .with_max_level(LevelFilter::TRACE)
                    .with_writer(buffer.clone())
                    .init();
                buffer
            })
            .clone();
        let turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        buffer.0.lock().unwrap().clear();
        Capture {
            buffer,
            _turn: turn,
        }
    }

    fn text(&self) -> String {
        String::from_utf8(self.buffer.0.lock().unwrap().clone()).unwrap()
    }

    /// The lines that contain every one of `parts`.
    fn lines_with(&self, parts: &[&str]) -> Vec<String> {
        self.text()
            .lines()
            .filter(|line| parts.iter().all(|part| line.contains(part)))
            .map(str::to_owned)
            .collect()
    }

    /// Fails unless some line contains every one of `parts`.
    fn expect(&self, parts: &[&str]) {
        assert!(
            !self.lines_with(parts).is_empty(),
            "no line with {parts:?} in:\n{}",
            self.text()
        );
    }

    /// Waits (bounded) for a line with every one of `parts`: for background
    /// renewals, which run on the test's runtime meanwhile.
    async fn wait_for(&self, parts: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.lines_with(parts).is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.expect(parts);
    }

    /// Fails if any of `secrets` appears anywhere in the captured output.
    fn assert_no_secret(&self, secrets: &[&str]) {
        let text = self.text();
        assert!(!text.is_empty(), "nothing was logged");
        for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
            assert!(
                !text.contains(secret),
                "the log shows a secret ({secret}):\n{text}"
            );
        }
    }
}

fn secret_of(token: &Token) -> String {
    token.access_token().expose_secret().to_owned()
}

fn client(server: &AuthServer) -> AuthClient {
    AuthClient::builder()
        .base_url(server.base_url())
        .build()
        .unwrap()
}

fn integration() -> Credentials {
    Credentials::integration(CLIENT_ID, CLIENT_SECRET, Some(scopes!("market:all")))
}

#[tokio::test]
async fn a_token_request_names_grant_client_scope_and_outcome() {
    let log = Capture::start();
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    let tokens = TokenSource::new(client(&server), integration());
    let token = tokens.token().await.unwrap();

    log.expect(&[
        "token_source{client_id=backend scope=market:all}",
        "getting one",
    ]);
    log.expect(&[
        "auth_request{request=token grant=client_credentials client_id=backend scope=market:all}",
        "answered",
        "outcome=ok",
        "elapsed_ms=",
    ]);
    log.expect(&["token renewed", "expires_in="]);
    log.assert_no_secret(&[CLIENT_SECRET, &secret_of(&token)]);
}

#[tokio::test]
async fn a_failed_renewal_serves_the_valid_token_and_a_429_backs_off() {
    let log = Capture::start();
    let server = AuthServer::start();
    // Four seconds of life: renewed at half of it, expired at the end.
    server.register(App::integration(CLIENT_ID, CLIENT_SECRET).expires_in(4));
    let tokens = TokenSource::builder(client(&server), integration())
        .refresh_jitter(Duration::ZERO)
        .backoff(Duration::from_millis(100), Duration::from_secs(1))
        .build()
        .unwrap();
    let first = tokens.token().await.unwrap();

    // Past half its life, the renewal fails with a 503: the valid token is served.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    server.misbehave_once(Misbehaviour::Unavailable { retry_after: None });
    let served = tokens.token().await.unwrap();
    assert_eq!(secret_of(&served), secret_of(&first));
    log.wait_for(&[
        "the token request failed: backing off",
        "error=server_error",
        "serving_cached=true",
    ])
    .await;
    log.expect(&["renewing the token ahead of expiry"]);
    log.expect(&[
        "auth_request{request=token",
        "failed",
        "outcome=server_error",
        "status=503",
    ]);

    // A 429 with Retry-After once no valid token is left: the source backs off for it.
    tokens.invalidate().await.unwrap();
    server.misbehave_once(Misbehaviour::RateLimited {
        retry_after: Some("7".into()),
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let err = tokens.token().await.unwrap_err();
    assert!(err.auth_error().status() == Some(429), "{err}");
    log.expect(&["the cached token was invalidated"]);
    log.expect(&["outcome=rate_limited", "status=429", "retry_after=7.000s"]);
    let backoff = log.lines_with(&["backing off", "error=rate_limited", "serving_cached=false"]);
    assert_eq!(backoff.len(), 1, "{}", log.text());
    assert!(backoff[0].contains("retry_in=6.") || backoff[0].contains("retry_in=7."));
    assert!(backoff[0].contains("WARN"), "{}", backoff[0]);
    log.assert_no_secret(&[CLIENT_SECRET, &secret_of(&first)]);
}

#[tokio::test]
async fn a_401_drops_the_token_and_the_echoed_secret_is_not_logged() {
    let log = Capture::start();
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    let tokens = TokenSource::new(client(&server), integration());
    let token = tokens.token().await.unwrap();

    // The Core API refused the token; the auth server then refuses the
    // credentials, with an error detail that repeats the client secret.
    tokens.invalidate_token(&token).await.unwrap();
    server.misbehave_once(Misbehaviour::EchoSecret);
    let err = tokens.token().await.unwrap_err();
    assert!(err.auth_error().is_unauthorized(), "{err}");

    log.expect(&["refused token invalidated", "was_cached=true"]);
    log.expect(&[
        "auth_request{request=token",
        "outcome=rejected",
        "status=401",
    ]);
    log.expect(&[
        "WARN",
        "refused the credentials: the cached token was dropped",
    ]);
    log.assert_no_secret(&[CLIENT_SECRET, &secret_of(&token)]);
}

#[tokio::test]
async fn customer_sessions_log_login_renewal_end_and_logout_by_session_key() {
    let log = Capture::start();
    let server = AuthServer::start();
    server.add_sales_channel("storefront");
    server.add_customer(EMAIL, PASSWORD);
    let storefront =
        Credentials::sales_channel("storefront", scopes!("market:code:europe")).unwrap();
    let store = MemoryStore::new();
    let sessions = CustomerSessions::new(client(&server), storefront, store.clone());

    let key = sessions
        .login(&Grant::password(EMAIL, PASSWORD))
        .await
        .unwrap();
    let id = sessions.store_key(&key);
    let login = stored(&store, &id).await;
    expire(&store, &id).await;
    let renewed = sessions.token(&key).await.unwrap();
    // The refresh token rotated: renew once more with it refused.
    let after_renewal = stored(&store, &id).await;
    expire(&store, &id).await;
    server.expire_refresh_tokens();
    assert!(sessions.token(&key).await.is_err());

    let again = sessions
        .login(&Grant::password(EMAIL, PASSWORD))
        .await
        .unwrap();
    let again_id = sessions.store_key(&again);
    let last = stored(&store, &again_id).await;
    sessions.logout(&again).await.unwrap();

    // A session is named by the start of the hash it is stored under.
    let short = |id: &str| id.rsplit('|').next().unwrap()[..8].to_owned();
    let session = format!("session={}", short(&id));
    log.expect(&[
        "auth_request{request=token grant=password client_id=storefront scope=market:code:europe}",
        "outcome=ok",
    ]);
    log.expect(&["session opened", &session]);
    log.expect(&["renewing the session", &session]);
    log.expect(&["grant=refresh_token", "outcome=ok"]);
    log.expect(&["session renewed", &session]);
    log.expect(&["grant=refresh_token", "outcome=rejected"]);
    log.expect(&["refresh token refused: session ended", &session]);
    log.expect(&[
        "auth_request{request=revocation client_id=storefront}",
        "outcome=ok",
    ]);
    log.expect(&[
        "session logged out",
        &format!("session={}", short(&again_id)),
    ]);

    let mut secrets = vec![
        EMAIL.to_owned(),
        PASSWORD.to_owned(),
        secret_of(&renewed),
        key.expose_secret().to_owned(),
        again.expose_secret().to_owned(),
    ];
    for token in [&login, &after_renewal, &last] {
        secrets.push(secret_of(token));
        secrets.push(token.refresh_token().unwrap().expose_secret().to_owned());
    }
    log.assert_no_secret(&secrets.iter().map(String::as_str).collect::<Vec<_>>());
}

async fn stored(store: &MemoryStore, id: &str) -> Token {
    store
        .get(id)
        .await
        .unwrap()
        .and_then(|stored| stored.to_token())
        .unwrap()
}

/// Stores the session as if its token had expired while it sat idle: the
/// next `token()` renews it.
async fn expire(store: &MemoryStore, id: &str) {
    let record = store.get(id).await.unwrap().unwrap();
    let aged = scope_tests::aged(&record, Duration::ZERO, None);
    store.put(id, aged).await.unwrap();
}

#[tokio::test]
async fn key_set_fetches_log_their_outcome_keys_and_the_cooldown() {
    let log = Capture::start();
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    let client = client(&server);
    let token = client.request_token(&integration()).await.unwrap();
    let kid = server.signing_key().kid().to_owned();
    let stranger = server.signing_key().with_kid("not-a-key-of-the-stand-in");
    let claims = access_token_claims(
        "integration",
        CLIENT_ID,
        "market:all",
        &server.base_url(),
        0,
        7200,
    );
    let unknown = stranger.sign(&claims);

    // A kid the key set does not have, just after a fetch: none within the cooldown.
    let verifier = client.verifier();
    verifier.verify_token(&token).await.unwrap();
    assert!(verifier.verify(&unknown).await.is_err());
    // Without a cooldown: a refetch.
    let eager = client
        .verifier_builder()
        .refetch_cooldown(Duration::ZERO)
        .build();
    eager.verify_token(&token).await.unwrap();
    assert!(eager.verify(&unknown).await.is_err());

    log.expect(&["auth_request{request=key_set}", "answered", "outcome=ok"]);
    log.expect(&[
        "key set fetched",
        "keys=1",
        &format!("kid={kid}"),
        "refetch=false",
    ]);
    log.expect(&[
        "key set fetched",
        "kid=not-a-key-of-the-stand-in",
        "refetch=true",
    ]);
    log.expect(&[
        "no refetch in the cooldown",
        "kid=not-a-key-of-the-stand-in",
    ]);
    log.assert_no_secret(&[CLIENT_SECRET, &secret_of(&token), &unknown]);
}

/// A store on a Redis server that wants `REDIS_PASSWORD`, given in the URL.
async fn redis_store(redis: &RedisServer) -> RedisStore {
    let url = format!("redis://:{REDIS_PASSWORD}@127.0.0.1:{}", redis.port());
    RedisStore::builder(url)
        .prefix("log-test:")
        .timeout(Duration::from_secs(2))
        .connect()
        .await
        .unwrap()
}

fn fleet_source(server: &AuthServer, store: &RedisStore) -> TokenSource {
    TokenSource::builder(client(server), integration())
        .store(store.clone())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_logs_its_lease_its_backoff_and_one_warning_when_redis_fails() {
    let log = Capture::start();
    let mut redis = RedisServer::start_on(free_port(), &["--requirepass", REDIS_PASSWORD]);
    let port = redis.port();
    let server = AuthServer::start();
    server.add_integration(CLIENT_ID, CLIENT_SECRET);
    let store = redis_store(&redis).await;

    // Two sources at once while the request is slow: one takes the lease, the other waits.
    server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(1500)));
    let (a, b) = (fleet_source(&server, &store), fleet_source(&server, &store));
    let (first, second) = tokio::join!(a.token(), b.token());
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(server.token_requests(), 1);
    log.expect(&["lease taken: this process asks for the fleet"]);
    log.expect(&["lease held elsewhere: waiting for its token"]);
    log.expect(&["woken by the fleet's token"]);

    // A 429 for the holder: a fleet-wide backoff that another source sees.
    a.invalidate_token(&first).await.unwrap();
    server.misbehave_once(Misbehaviour::RateLimited {
        retry_after: Some("30".into()),
    });
    assert!(a.token().await.is_err());
    assert!(fleet_source(&server, &store).token().await.is_err());
    log.expect(&[
        "WARN",
        "fleet backoff recorded",
        "retry_in=30.000s",
        "failures=1",
    ]);
    log.expect(&[
        "WARN",
        "fleet backoff: no request until it ends",
        "retry_in=2",
    ]);

    // Redis dies: one warning for the fallback, however many calls fail.
    let fallback = "the token store failed: this process gets its tokens on its own";
    let alone = fleet_source(&server, &store);
    redis.kill();
    for _ in 0..3 {
        let token = token_when_ready(&alone).await;
        assert!(alone.is_on_its_own());
        assert!(alone.invalidate_token(&token).await.is_err());
    }
    let warnings = log.lines_with(&["WARN", fallback]);
    assert_eq!(warnings.len(), 1, "{}", log.text());
    assert!(warnings[0].contains("Redis at redis://"), "{}", warnings[0]);

    // Back: one line when the store answers again.
    let _redis = RedisServer::start_on(port, &["--requirepass", REDIS_PASSWORD]);
    let token = token_when_ready(&alone).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while alone.invalidate_token(&token).await.is_err() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!alone.is_on_its_own());
    log.expect(&["the token store answers again"]);
    log.expect(&["a Redis call failed"]);
    log.assert_no_secret(&[
        CLIENT_SECRET,
        REDIS_PASSWORD,
        &secret_of(&first),
        &secret_of(&second),
        &secret_of(&token),
    ]);
}

/// A token from `source`, waiting out its backoff (tokens refused one after
/// the other soon after their issue back off).
async fn token_when_ready(source: &TokenSource) -> std::sync::Arc<Token> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match source.token().await {
            Ok(token) => return token,
            Err(err) if Instant::now() < deadline => {
                let wait = err.retry_in().unwrap_or(Duration::from_millis(100));
                tokio::time::sleep(wait.max(Duration::from_millis(10))).await;
            }
            Err(err) => panic!("{err}"),
        }
    }
}

#[tokio::test]
async fn an_unreadable_stored_token_is_a_warning_without_its_value() {
    let log = Capture::start();
    let redis = RedisServer::start_on(free_port(), &["--requirepass", REDIS_PASSWORD]);
    let store = redis_store(&redis).await;
    let garbage = "not-a-token-but-maybe-a-secret-value";
    let mut raw = redis::Client::open(format!(
        "redis://:{REDIS_PASSWORD}@127.0.0.1:{}",
        redis.port()
    ))
    .unwrap()
    .get_multiplexed_async_connection()
    .await
    .unwrap();
    redis::AsyncCommands::set::<_, _, ()>(&mut raw, store.token_key("k"), garbage)
        .await
        .unwrap();
    assert!(store.get("k").await.unwrap().is_none());
    let key = format!("key={}", store.token_key("k"));
    log.expect(&["WARN", "unreadable: taken as absent", "what=token", &key]);
    log.assert_no_secret(&[garbage, REDIS_PASSWORD]);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port()
}
