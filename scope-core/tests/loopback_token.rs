//! One client_credentials token from a tiny loopback server, with whichever crypto
//! backend this build has: how the `ring` build (`--no-default-features --features
//! macros,ring,...`) proves it gets a token end to end without the stand-in of
//! `tests/`, which signs its tokens with aws-lc-rs.

#![cfg(feature = "auth")]

use scope_core::auth::{AuthClient, Credentials, ExposeSecret as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

const ANSWER: &str = r#"{"access_token":"loopback-access-token","token_type":"bearer","expires_in":7200,"scope":"market:all","created_at":1732800000}"#;

/// Reads one HTTP/1.1 request (head and `Content-Length` body) and answers `ANSWER`;
/// returns the request as text.
async fn answer_one(listener: TcpListener) -> String {
    let (mut stream, _) = listener.accept().await.unwrap();
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the client closed before a full request");
        request.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&request);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= length {
                break;
            }
        }
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{ANSWER}",
        ANSWER.len()
    );
    stream.write_all(response.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    String::from_utf8(request).unwrap()
}

#[tokio::test]
async fn a_client_credentials_token_from_a_loopback_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(answer_one(listener));

    let client = AuthClient::builder().base_url(&base_url).build().unwrap();
    let credentials = Credentials::integration("loopback-client", "loopback-secret", None);
    let token = client.request_token(&credentials).await.unwrap();
    assert_eq!(
        token.access_token().expose_secret(),
        "loopback-access-token"
    );

    let request = server.await.unwrap();
    assert!(request.starts_with("POST /oauth/token "), "{request}");
    assert!(request.contains("client_credentials"), "{request}");
    assert!(request.contains("loopback-client"), "{request}");
}
