// A tower stack whose request body is not `Clone` (a stream), without
// `.replay(…)`: the error says what to add (`.replay(NoReplay)` or a closure).
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use scope_core::auth::outgoing::{BearerLayer, Origin};
use scope_core::auth::{AuthClient, Credentials, TokenSource};
use tower::Layer;

/// A body that streams: it cannot be cloned.
struct Streamed;

impl http_body::Body for Streamed {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(None)
    }
}

async fn send() {
    let tokens = TokenSource::new(AuthClient::new(), Credentials::integration("id", "s", None));
    let origin = Origin::new("https://acme.commercelayer.io").unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http::<Streamed>();
    let service = BearerLayer::new(Arc::new(tokens), origin).layer(client);
    let request = http::Request::post("https://acme.commercelayer.io/api/orders")
        .body(Streamed)
        .unwrap();
    let _ = service.oneshot(request).await;
}

fn main() {
    let _ = send;
}
