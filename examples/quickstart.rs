//! Get a sales-channel token and an integration token, with scopes checked when
//! the program compiles.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With no configuration it starts the loopback stand-in of the auth server and
//! talks to it. With `CL_CLIENT_ID` set (and `CL_CLIENT_SECRET` for an
//! integration, `CL_SCOPE` for a scope) it talks to the real auth server
//! (`CL_AUTH_URL` to pick another, such as `https://auth.commercelayer.co`).
//! Tokens are printed redacted.

use std::process::ExitCode;

use scope_core::auth::{AuthClient, AuthError, Credentials, Token};
use scope_core::{ScopeSet, scopes};
use scope_tests::AuthServer;

/// What the storefront may reach: a typo here is a build error.
const STOREFRONT: ScopeSet = scopes!("market:code:europe stock_location:code:eu_warehouse");
/// What the back office integration may reach.
const BACK_OFFICE: ScopeSet = scopes!("market:code:europe market:code:usa");

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let outcome = match std::env::var("CL_CLIENT_ID") {
        Ok(client_id) => real_server(client_id).await,
        Err(_) => stand_in().await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Both kinds of token from the loopback stand-in.
async fn stand_in() -> Result<(), AuthError> {
    let server = AuthServer::start();
    server.add_sales_channel("storefront-client-id");
    server.add_integration("back-office-client-id", "back-office-secret");
    println!(
        "No CL_CLIENT_ID set: using the loopback stand-in at {}\n",
        server.base_url()
    );

    let client = AuthClient::builder().base_url(server.base_url()).build()?;

    // A sales channel must name a market: checked before any request.
    let storefront = Credentials::sales_channel("storefront-client-id", STOREFRONT)?;
    show("Sales channel", &client.request_token(&storefront).await?);

    let back_office = Credentials::integration(
        "back-office-client-id",
        "back-office-secret",
        Some(BACK_OFFICE),
    );
    show("Integration", &client.request_token(&back_office).await?);

    // The rule the types enforce: no market, no sales channel.
    let refused = Credentials::sales_channel(
        "storefront-client-id",
        scopes!("stock_location:code:eu_warehouse"),
    );
    if let Err(err) = refused {
        println!("Refused before sending: {err}");
    }
    println!(
        "\nThe stand-in received {} token requests.",
        server.token_requests()
    );
    Ok(())
}

/// One token from the real auth server, configured from the environment.
async fn real_server(client_id: String) -> Result<(), AuthError> {
    let scope = match std::env::var("CL_SCOPE") {
        Ok(text) => Some(text.parse::<ScopeSet>().map_err(|err| {
            AuthError::InvalidConfig(format!("CL_SCOPE is not valid scope text:\n{err:#}"))
        })?),
        Err(_) => None,
    };
    let credentials = match (std::env::var("CL_CLIENT_SECRET"), scope) {
        (Ok(secret), scope) => Credentials::integration(client_id, secret, scope),
        (Err(_), Some(scope)) => Credentials::sales_channel(client_id, scope)?,
        (Err(_), None) => {
            return Err(AuthError::InvalidConfig(
                "a sales channel (no CL_CLIENT_SECRET) needs CL_SCOPE with a market, such as \
                 CL_SCOPE=market:code:europe"
                    .into(),
            ));
        }
    };
    let mut builder = AuthClient::builder();
    if let Ok(url) = std::env::var("CL_AUTH_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    println!(
        "Asking {} for a token ({credentials:?})\n",
        client.base_url()
    );
    let kind = if credentials.is_sales_channel() {
        "Sales channel"
    } else {
        "Integration"
    };
    show(kind, &client.request_token(&credentials).await?);
    Ok(())
}

fn show(kind: &str, token: &Token) {
    println!("{kind} token:");
    println!("  scope       {}", token.scope());
    println!("  expires in  {} s", token.expires_in().as_secs());
    println!("  created at  {} (Unix seconds)", token.created_at());
    println!("  debug       {token:?}\n");
}
