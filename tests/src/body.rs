//! Response bodies: whole, or in chunks with no announced length.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// A response body the stand-in sends.
pub(crate) enum ResponseBody {
    /// Sent with `Content-Length`.
    Whole(Option<Bytes>),
    /// Sent chunked: the length is never announced.
    Chunks(VecDeque<Bytes>),
    /// One byte after each pause, with or without `Content-Length`.
    Trickle {
        bytes: VecDeque<u8>,
        gap: Duration,
        pause: Pin<Box<tokio::time::Sleep>>,
        announce_length: bool,
    },
}

impl ResponseBody {
    pub(crate) fn whole(bytes: impl Into<Bytes>) -> ResponseBody {
        ResponseBody::Whole(Some(bytes.into()))
    }

    pub(crate) fn trickle(bytes: Vec<u8>, gap: Duration, announce_length: bool) -> ResponseBody {
        ResponseBody::Trickle {
            bytes: bytes.into(),
            gap,
            pause: Box::pin(tokio::time::sleep(gap)),
            announce_length,
        }
    }

    pub(crate) fn chunks(bytes: Vec<u8>, chunk_size: usize) -> ResponseBody {
        ResponseBody::Chunks(
            bytes
                .chunks(chunk_size)
                .map(Bytes::copy_from_slice)
                .collect(),
        )
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = match self.get_mut() {
            ResponseBody::Whole(bytes) => bytes.take(),
            ResponseBody::Chunks(chunks) => chunks.pop_front(),
            ResponseBody::Trickle {
                bytes, gap, pause, ..
            } => {
                if bytes.is_empty() {
                    return Poll::Ready(None);
                }
                ready!(pause.as_mut().poll(cx));
                pause.as_mut().reset(tokio::time::Instant::now() + *gap);
                bytes
                    .pop_front()
                    .map(|byte| Bytes::copy_from_slice(&[byte]))
            }
        };
        Poll::Ready(next.map(|bytes| Ok(Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Whole(bytes) => bytes.is_none(),
            ResponseBody::Chunks(chunks) => chunks.is_empty(),
            ResponseBody::Trickle { bytes, .. } => bytes.is_empty(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Whole(Some(bytes)) => SizeHint::with_exact(bytes.len() as u64),
            ResponseBody::Whole(None) => SizeHint::with_exact(0),
            ResponseBody::Trickle {
                bytes,
                announce_length: true,
                ..
            } => SizeHint::with_exact(bytes.len() as u64),
            ResponseBody::Chunks(_) | ResponseBody::Trickle { .. } => SizeHint::default(),
        }
    }
}
