//! Building the stand-in's answers.

use hyper::Response;
use hyper::header::{CONTENT_TYPE, HeaderValue};

use crate::body::ResponseBody;
use crate::misbehaviour::ErrorShape;

pub(crate) type Answer = Response<ResponseBody>;

pub(crate) fn json(status: u16, value: &serde_json::Value) -> Answer {
    raw(
        status,
        Some("application/json; charset=utf-8"),
        ResponseBody::whole(value.to_string()),
    )
}

pub(crate) fn error(
    shape: ErrorShape,
    status: u16,
    title: &str,
    detail: &str,
    code: &str,
) -> Answer {
    json(status, &shape.render(status, title, detail, code))
}

pub(crate) fn raw(status: u16, content_type: Option<&str>, body: ResponseBody) -> Answer {
    let mut answer = Response::new(body);
    *answer.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(value) = content_type.and_then(|value| HeaderValue::from_str(value).ok()) {
        answer.headers_mut().insert(CONTENT_TYPE, value);
    }
    answer
}
