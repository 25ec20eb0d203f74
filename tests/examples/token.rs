//! Get one access token and print the token response as JSON.
//!
//! ```text
//! cargo run --example token -- --client-id ID [--client-secret SECRET] [--scope "SCOPES"] [--base-url URL]
//! ```
//!
//! Each option can also come from the environment: `CL_CLIENT_ID`,
//! `CL_CLIENT_SECRET`, `CL_SCOPE`, `CL_AUTH_URL`. A secret makes it an
//! integration; without one it is a sales channel, whose scope must name a
//! market. On success it prints one JSON object on stdout (`access_token`,
//! `token_type`, `expires_in`, `scope`, `created_at`) and exits 0. On failure it
//! prints one line on stderr and exits 1 (2 for a usage error). A bad scope or a
//! sales channel without a market never reaches the network.

use std::process::ExitCode;

use scope_core::ScopeSet;
use scope_core::auth::{Credentials, ExposeSecret, blocking::AuthClient};

const USAGE: &str =
    "usage: token --client-id ID [--client-secret SECRET] [--scope \"SCOPES\"] [--base-url URL]
  (or CL_CLIENT_ID, CL_CLIENT_SECRET, CL_SCOPE, CL_AUTH_URL)";

#[derive(Default)]
struct Options {
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
    base_url: Option<String>,
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
    Ok(Some(options))
}

/// Checks everything, then asks for the token; the JSON to print, or the error.
fn run(options: Options) -> Result<String, String> {
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
        .request_token(&credentials)
        .map_err(|err| err.to_string())?;
    let json = serde_json::json!({
        "access_token": token.access_token().expose_secret(),
        "token_type": token.token_type(),
        "expires_in": token.expires_in().as_secs(),
        "scope": token.scope(),
        "created_at": token.created_at(),
    });
    Ok(json.to_string())
}
