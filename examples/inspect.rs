//! Get a token, read what it says about itself, check its signature, then revoke it.
//!
//! ```text
//! cargo run --example inspect
//! ```
//!
//! With no configuration it starts the loopback stand-in of the auth server. With
//! `CL_CLIENT_ID` set (and `CL_CLIENT_SECRET` for an integration, `CL_SCOPE` for a scope,
//! `CL_AUTH_URL` for another auth server such as `https://auth.commercelayer.co`) it talks to
//! the real one, and revokes the token it got there too. The token itself is never printed.

use std::process::ExitCode;

use scope_core::ScopeSet;
use scope_core::auth::{AuthClient, Credentials, Token};
use scope_tests::AuthServer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // The stand-in lives until the end of `run`.
    let (_stand_in, client, credentials) = match std::env::var("CL_CLIENT_ID") {
        Ok(client_id) => {
            let scope = match std::env::var("CL_SCOPE") {
                Ok(text) => Some(text.parse::<ScopeSet>()?),
                Err(_) => None,
            };
            let credentials = match (std::env::var("CL_CLIENT_SECRET"), scope) {
                (Ok(secret), scope) => Credentials::integration(client_id, secret, scope),
                (Err(_), Some(scope)) => Credentials::sales_channel(client_id, scope)?,
                (Err(_), None) => return Err("a sales channel needs CL_SCOPE with a market".into()),
            };
            let mut builder = AuthClient::builder();
            if let Ok(url) = std::env::var("CL_AUTH_URL") {
                builder = builder.base_url(url);
            }
            (None, builder.build()?, credentials)
        }
        Err(_) => {
            let server = AuthServer::start();
            server.add_integration("back-office", "back-office-secret");
            println!(
                "No CL_CLIENT_ID set: using the loopback stand-in at {}",
                server.base_url()
            );
            let client = AuthClient::builder().base_url(server.base_url()).build()?;
            let scope = "market:code:europe stock_location:code:eu_warehouse".parse()?;
            let credentials =
                Credentials::integration("back-office", "back-office-secret", Some(scope));
            (Some(server), client, credentials)
        }
    };

    let token = client.request_token(&credentials).await?;
    describe(&token)?;

    let claims = client.verifier().verify_token(&token).await?;
    println!(
        "signature:        valid (RS512, keys from {})",
        client.verifier().jwks_url()
    );
    println!(
        "issuer:           {}",
        claims.iss.as_deref().unwrap_or("(none)")
    );

    client.revoke(token.access_token(), &credentials).await?;
    println!("revoked:          yes");
    Ok(())
}

/// What the token says, decoded without a request.
fn describe(token: &Token) -> Result<(), Box<dyn std::error::Error>> {
    let claims = token.claims()?;
    let application = claims.application.as_ref();
    let kind = application.and_then(|app| app.kind.as_ref());
    println!(
        "application kind: {}",
        kind.map_or("(none)".into(), ToString::to_string)
    );
    if let Some(org) = &claims.organization {
        println!(
            "organization:     {}",
            org.slug.as_deref().unwrap_or("(no slug)")
        );
        println!("core API:         {}", claims.core_api_base_url()?);
    }
    println!(
        "scope:            {}",
        claims.scope.as_deref().unwrap_or("(none)")
    );
    if let Some(market) = &claims.market {
        println!("market ids:       {}", market.ids.join(", "));
        println!("stock locations:  {}", market.stock_location_ids.join(", "));
    }
    let mode = match claims.test {
        Some(true) => "test",
        Some(false) => "live",
        None => "(not said)",
    };
    println!("mode:             {mode}");
    if let (Some(iat), Some(exp)) = (claims.iat, claims.exp) {
        println!(
            "lifetime:         {} s (exp {exp})",
            exp.saturating_sub(iat)
        );
    }
    Ok(())
}
