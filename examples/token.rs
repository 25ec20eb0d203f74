//! Get one access token and print the token response as JSON.
//!
//! ```text
//! cargo run --example token -- --client-id ID [--client-secret SECRET] [--scope "SCOPES"] [--base-url URL]
//!     [--grant client_credentials|password|refresh_token|authorization_code|jwt_bearer]
//!     [--username EMAIL --password PASSWORD] [--refresh-token TOKEN]
//!     [--code CODE --redirect-uri URI] [--assertion JWT]
//! ```
//!
//! Each option can also come from the environment: `CL_CLIENT_ID`,
//! `CL_CLIENT_SECRET`, `CL_SCOPE`, `CL_AUTH_URL`, `CL_GRANT`, `CL_USERNAME`,
//! `CL_PASSWORD`, `CL_REFRESH_TOKEN`, `CL_CODE`, `CL_REDIRECT_URI`,
//! `CL_ASSERTION` (prefer the environment for secrets: a command line is seen
//! by every user of the machine). The grant defaults to `client_credentials`;
//! `authorization_code` takes the secret as a webapp's. A grant that acts for a
//! person adds `refresh_token`, `owner_id` and `owner_type` to the output. A secret makes it an
//! integration; without one it is a sales channel, whose scope must name a
//! market. On success it prints one JSON object on stdout (`access_token`,
//! `token_type`, `expires_in`, `scope`, `created_at`) and exits 0. On failure it
//! prints one line on stderr and exits 1 (2 for a usage error). A bad scope or a
//! sales channel without a market never reaches the network.

use std::process::ExitCode;

use scope_core::ScopeSet;
use scope_core::auth::{Assertion, Credentials, ExposeSecret, Grant, blocking::AuthClient};

const USAGE: &str =
    "usage: token --client-id ID [--client-secret SECRET] [--scope \"SCOPES\"] [--base-url URL]
  [--grant client_credentials|password|refresh_token|authorization_code|jwt_bearer]
  [--username EMAIL --password PASSWORD] [--refresh-token TOKEN] [--code CODE --redirect-uri URI]
  [--assertion JWT]
  (or CL_CLIENT_ID, CL_CLIENT_SECRET, CL_SCOPE, CL_AUTH_URL, CL_GRANT, CL_USERNAME, CL_PASSWORD,
   CL_REFRESH_TOKEN, CL_CODE, CL_REDIRECT_URI, CL_ASSERTION)";

#[derive(Default)]
struct Options {
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    base_url: Option<String>,
    grant: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    assertion: Option<String>,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            // One line, whatever the error holds.
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// The options from the command line, then the environment; `None` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options::default();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let slot = match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--client-id" => &mut options.client_id,
            "--client-secret" => &mut options.client_secret,
            "--scope" => &mut options.scope,
            "--base-url" => &mut options.base_url,
            "--grant" => &mut options.grant,
            "--username" => &mut options.username,
            "--password" => &mut options.password,
            "--refresh-token" => &mut options.refresh_token,
            "--code" => &mut options.code,
            "--redirect-uri" => &mut options.redirect_uri,
            "--assertion" => &mut options.assertion,
            _ => return Err(format!("unknown argument {arg:?}")),
        };
        let value = match inline {
            Some(value) => value,
            None => args.next().ok_or_else(|| format!("{name} needs a value"))?,
        };
        *slot = Some(value);
    }
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    options.client_id = options.client_id.or_else(|| env("CL_CLIENT_ID"));
    options.client_secret = options.client_secret.or_else(|| env("CL_CLIENT_SECRET"));
    options.scope = options.scope.or_else(|| env("CL_SCOPE"));
    options.base_url = options.base_url.or_else(|| env("CL_AUTH_URL"));
    options.grant = options.grant.or_else(|| env("CL_GRANT"));
    options.username = options.username.or_else(|| env("CL_USERNAME"));
    options.password = options.password.or_else(|| env("CL_PASSWORD"));
    options.refresh_token = options.refresh_token.or_else(|| env("CL_REFRESH_TOKEN"));
    options.code = options.code.or_else(|| env("CL_CODE"));
    options.redirect_uri = options.redirect_uri.or_else(|| env("CL_REDIRECT_URI"));
    options.assertion = options.assertion.or_else(|| env("CL_ASSERTION"));
    Ok(Some(options))
}

/// Checks everything, then asks for the token; the JSON to print, or the error.
fn run(mut options: Options) -> Result<String, String> {
    let grant = grant(&mut options)?;
    let client_id = options
        .client_id
        .ok_or("give --client-id (or CL_CLIENT_ID)")?;
    let scope = match options.scope {
        Some(text) => Some(
            text.parse::<ScopeSet>()
                .map_err(|err| format!("bad --scope: {err}"))?,
        ),
        None => None,
    };
    let credentials = match (options.client_secret, scope) {
        (Some(secret), scope) if matches!(grant, Grant::AuthorizationCode { .. }) => {
            Credentials::webapp(client_id, secret, scope)
        }
        (Some(secret), scope) => Credentials::integration(client_id, secret, scope),
        (None, Some(scope)) => {
            Credentials::sales_channel(client_id, scope).map_err(|err| err.to_string())?
        }
        (None, None) => {
            return Err(
                "sales channels require a market in scope: without --client-secret, give \
                        --scope with a market, such as --scope market:code:europe"
                    .into(),
            );
        }
    };
    let mut builder = AuthClient::builder();
    if let Some(url) = options.base_url {
        builder = builder.base_url(url);
    }
    let client = builder.build().map_err(|err| err.to_string())?;
    let token = client
        .request_token_with(&credentials, &grant)
        .map_err(|err| err.to_string())?;
    let mut json = serde_json::json!({
        "access_token": token.access_token().expose_secret(),
        "token_type": token.token_type(),
        "expires_in": token.expires_in().as_secs(),
        "scope": token.scope(),
        "created_at": token.created_at(),
    });
    if let Some(refresh_token) = token.refresh_token() {
        json["refresh_token"] = refresh_token.expose_secret().into();
    }
    if let (Some(id), Some(kind)) = (token.owner_id(), token.owner_type()) {
        json["owner_id"] = id.into();
        json["owner_type"] = kind.into();
    }
    Ok(json.to_string())
}

/// The grant the options name, with the values it needs.
fn grant(options: &mut Options) -> Result<Grant, String> {
    let need = |value: &mut Option<String>, flag: &str| {
        value
            .take()
            .ok_or_else(|| format!("this grant needs {flag}"))
    };
    Ok(
        match options.grant.as_deref().unwrap_or("client_credentials") {
            "client_credentials" => Grant::ClientCredentials,
            "password" => Grant::password(
                need(&mut options.username, "--username")?,
                need(&mut options.password, "--password")?,
            ),
            "refresh_token" => {
                Grant::refresh_token(need(&mut options.refresh_token, "--refresh-token")?)
            }
            "authorization_code" => Grant::authorization_code(
                need(&mut options.code, "--code")?,
                need(&mut options.redirect_uri, "--redirect-uri")?,
            ),
            "jwt_bearer" => Grant::JwtBearer(
                Assertion::from_jwt(need(&mut options.assertion, "--assertion")?)
                    .map_err(|err| err.to_string())?,
            ),
            other => {
                return Err(format!(
                    "unknown grant {other:?}: use client_credentials, password, refresh_token, \
                     authorization_code or jwt_bearer"
                ));
            }
        },
    )
}
