//! `POST /oauth/token`: every grant, by the rules of the spec (what each grant
//! needs and earns is in `grants`).

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::header::{HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use scope_core::ScopeSet;
use serde_json::{Value, json};

use crate::access_token::Grant;
use crate::answer::{self, Answer};
use crate::app::AppKind;
use crate::body::ResponseBody;
use crate::grants::{self, GrantType};
use crate::misbehaviour::{ErrorShape, Misbehaviour};
use crate::received::ReceivedRequest;
use crate::router::REDIRECT_TARGET;
use crate::state::State;

const INVALID_CLIENT: &str = "Client authentication failed due to unknown client, no client authentication included, \
                              or unsupported authentication method.";

pub(crate) async fn answer(state: &State, request: &ReceivedRequest) -> Answer {
    state.count_token_request();
    // Every request counts against its client IP's window, well-formed or not.
    if state.over_rate_limit(request.header("x-true-client-ip")) {
        return rate_limited(None);
    }
    match state.next_misbehaviour() {
        Some(Misbehaviour::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            by_the_rules(state, request)
        }
        Some(misbehaviour) => misbehave(state, request, misbehaviour),
        None => by_the_rules(state, request),
    }
}

fn by_the_rules(state: &State, request: &ReceivedRequest) -> Answer {
    let shape = state.error_shape();
    let bad_request =
        |title: &str, detail: &str| answer::error(shape, 400, title, detail, "BAD_REQUEST");
    let invalid_client =
        |detail: &str| answer::error(shape, 401, "invalid_client", detail, "UNAUTHORIZED");

    let is_json = request.header("content-type").is_some_and(|value| {
        value
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("application/json")
    });
    if !is_json {
        return bad_request(
            "invalid_request",
            "send the body as JSON with Content-Type: application/json",
        );
    }
    let Some(Value::Object(body)) = request.json() else {
        return bad_request("invalid_request", "the body is not a JSON object");
    };
    let Some(grant) = body
        .get("grant_type")
        .and_then(Value::as_str)
        .and_then(GrantType::parse)
    else {
        return bad_request(
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        );
    };
    let Some(client_id) = body
        .get("client_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
    else {
        return bad_request(
            "invalid_request",
            "The request is missing a required parameter: client_id.",
        );
    };
    let Some(app) = state.app(client_id) else {
        return invalid_client(INVALID_CLIENT);
    };
    match (app.secret(), body.get("client_secret")) {
        (None, None) => {}
        (None, Some(_)) => {
            return invalid_client("sales channels are public applications: send no client_secret");
        }
        (Some(secret), Some(Value::String(sent))) if sent == secret => {}
        (Some(_), _) => return invalid_client(INVALID_CLIENT),
    }
    if !grant.allowed_for(app.kind()) {
        return answer::error(
            shape,
            400,
            "unauthorized_client",
            "The client is not authorized to perform this request using this method.",
            "BAD_REQUEST",
        );
    }

    let scope = match body.get("scope") {
        None => None,
        Some(Value::String(text)) => match text.parse::<ScopeSet>() {
            Ok(scope) => Some(scope),
            Err(err) => {
                return answer::error(
                    shape,
                    400,
                    "invalid_scope",
                    &err.to_string(),
                    "INVALID_SCOPE",
                );
            }
        },
        Some(_) => {
            return bad_request(
                "invalid_scope",
                "scope must be a string of space-separated scopes",
            );
        }
    };
    let earned = match grants::earn(state, &app, grant, &body) {
        Ok(earned) => earned,
        Err(refusal) => {
            let code = if refusal.status == 401 {
                "UNAUTHORIZED"
            } else {
                "BAD_REQUEST"
            };
            return answer::error(shape, refusal.status, refusal.title, &refusal.detail, code);
        }
    };
    let scope = scope.or_else(|| earned.default_scope.as_deref().and_then(|s| s.parse().ok()));
    if app.kind() == &AppKind::SalesChannel
        && !scope.as_ref().is_some_and(ScopeSet::has_market_or_store)
    {
        return answer::error(
            shape,
            400,
            "invalid_scope",
            "sales channels require a market in scope (market:id:…, market:code:… or store:…)",
            "INVALID_SCOPE",
        );
    }

    let requested_scope = scope.as_ref().map(ToString::to_string);
    let granted = requested_scope
        .clone()
        .unwrap_or_else(|| "market:all".to_owned());
    let created_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64);
    let access_token = state.issue_access_token(&Grant {
        app: &app,
        scope: &granted,
        created_at,
        expires_in: app.expires_in_secs(),
        owner: earned.owner.as_ref(),
    });
    let mut answer = json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": app.expires_in_secs(),
        "scope": granted,
        "created_at": created_at,
    });
    if let Some(owner) = &earned.owner {
        answer["owner_id"] = json!(owner.id);
        answer["owner_type"] = json!(owner.kind);
        answer["refresh_token"] = json!(grants::refresh_token_for(
            state,
            &app,
            owner,
            requested_scope.as_deref()
        ));
    }
    answer::json(200, &answer)
}

/// A 429 in the `errors`-object shape the real server uses for it, whatever
/// shape the other errors take.
fn rate_limited(retry_after: Option<&str>) -> Answer {
    let answer = answer::error(
        ErrorShape::Object,
        429,
        "Too many requests",
        "You have exceeded the rate limit of 30 token requests per minute.",
        "TOO_MANY_REQUESTS",
    );
    with_header(answer, RETRY_AFTER, retry_after)
}

/// `answer` with header `name` of exactly `value`, when there is one (and it
/// is valid in HTTP).
fn with_header(mut answer: Answer, name: HeaderName, value: Option<&str>) -> Answer {
    if let Some(value) = value.and_then(|value| HeaderValue::from_str(value).ok()) {
        answer.headers_mut().insert(name, value);
    }
    answer
}

fn misbehave(state: &State, request: &ReceivedRequest, misbehaviour: Misbehaviour) -> Answer {
    match misbehaviour {
        Misbehaviour::RateLimited { retry_after } => rate_limited(retry_after.as_deref()),
        Misbehaviour::Unavailable { retry_after } => with_header(
            answer::error(
                ErrorShape::Array,
                503,
                "Service Unavailable",
                "The auth server is down for maintenance.",
                "SERVICE_UNAVAILABLE",
            ),
            RETRY_AFTER,
            retry_after.as_deref(),
        ),
        Misbehaviour::ServerErrorHtml => answer::raw(
            500,
            Some("text/html; charset=utf-8"),
            ResponseBody::whole(
                "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>\
                 <body><h1>Internal Server Error</h1></body></html>",
            ),
        ),
        Misbehaviour::TruncatedJson => {
            let whole = by_the_rules(state, request);
            let mut full = body_bytes(whole);
            full.truncate(full.len() / 2);
            answer::raw(200, Some("application/json"), ResponseBody::whole(full))
        }
        Misbehaviour::Redirect(status) => with_header(
            answer::raw(status, None, ResponseBody::whole("")),
            LOCATION,
            Some(&format!("{}{REDIRECT_TARGET}", state.base_url)),
        ),
        Misbehaviour::Oversized {
            bytes,
            announce_length,
        } => {
            let padding = "x".repeat(bytes.saturating_sub(120));
            let body = json!({
                "access_token": "standin.oversized.token",
                "token_type": "bearer",
                "expires_in": 7200,
                "scope": "market:all",
                "created_at": 0,
                "padding": padding,
            })
            .to_string()
            .into_bytes();
            let body = if announce_length {
                ResponseBody::whole(body)
            } else {
                ResponseBody::chunks(body, 4096)
            };
            answer::raw(200, Some("application/json"), body)
        }
        Misbehaviour::Trickle {
            gap,
            announce_length,
        } => {
            let body = body_bytes(by_the_rules(state, request));
            answer::raw(
                200,
                Some("application/json"),
                ResponseBody::trickle(body, gap, announce_length),
            )
        }
        Misbehaviour::EchoSecret => {
            let sent = request
                .json()
                .and_then(|body| {
                    body.get("client_secret")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            let detail = format!("the client_secret {sent} is not the secret of this client");
            answer::error(
                state.error_shape(),
                401,
                "invalid_client",
                &detail,
                "UNAUTHORIZED",
            )
        }
        Misbehaviour::Answer {
            status,
            content_type,
            body,
        } => answer::raw(status, content_type.as_deref(), ResponseBody::whole(body)),
        // `Slow` is handled before answering; a later variant answers by the rules.
        _ => by_the_rules(state, request),
    }
}

/// The body of an answer built by the rules (a success body when the request was valid).
fn body_bytes(answer: Answer) -> Vec<u8> {
    match answer.into_body() {
        ResponseBody::Whole(Some(bytes)) => bytes.to_vec(),
        _ => Vec::new(),
    }
}
