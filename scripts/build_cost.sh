#!/usr/bin/env bash
# What a clean build of a small downstream service costs with each way of getting a
# client_credentials token, side by side in one run:
#   a) scope-core, default features (rustls on aws-lc-rs)
#   b) scope-core on ring:  default-features = false, features = ["macros", "ring"]
#   c) by hand: reqwest 0.13 (default features: rustls on aws-lc-rs) + serde + serde_json
#   d) the oauth2 crate (default features: its reqwest 0.12 with rustls)
# Each service (out of tree, in a temp dir, a path dependency on this workspace's
# scope-core) gets a fresh target dir for `cargo build` and another for `cargo check`;
# everything is fetched first, so no download is timed. Prints a Markdown table: wall
# time of the clean build and check (the machine may be shared: compare the rows of one
# run), and the number of crates each compiles.
#
#     bash scripts/build_cost.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
unset CARGO_TARGET_DIR RUSTFLAGS

service() { # name, dependency lines, main.rs
    mkdir -p "$WORK/$1/src"
    printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[dependencies]\n%s\n[workspace]\n' \
        "$1" "$2" >"$WORK/$1/Cargo.toml"
    printf '%s\n' "$3" >"$WORK/$1/src/main.rs"
}

TOKIO='tokio = { version = "1.40", features = ["rt", "macros"] }'
SCOPE_MAIN='use scope_core::auth::{AuthClient, Credentials, ExposeSecret as _};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = std::env::var;
    let client = AuthClient::builder().base_url(var("CL_AUTH_URL")?).build()?;
    let credentials = Credentials::integration(var("CL_CLIENT_ID")?, var("CL_CLIENT_SECRET")?, None);
    let token = client.request_token(&credentials).await?;
    println!("a token of {} bytes", token.access_token().expose_secret().len());
    Ok(())
}'

service a-scope-core-default \
    "scope-core = { path = \"$ROOT/scope-core\" }
$TOKIO" "$SCOPE_MAIN"

service b-scope-core-ring \
    "scope-core = { path = \"$ROOT/scope-core\", default-features = false, features = [\"macros\", \"ring\"] }
$TOKIO" "$SCOPE_MAIN"

service c-reqwest-serde-json \
    "reqwest = { version = \"0.13\", features = [\"form\"] }
serde = { version = \"1\", features = [\"derive\"] }
serde_json = \"1\"
$TOKIO" 'use serde::Deserialize;

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = std::env::var;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let (id, secret) = (var("CL_CLIENT_ID")?, var("CL_CLIENT_SECRET")?);
    let form = [("grant_type", "client_credentials"), ("client_id", id.as_str()), ("client_secret", secret.as_str())];
    let answer = http.post(format!("{}/oauth/token", var("CL_AUTH_URL")?)).form(&form).send().await?.error_for_status()?;
    let token: TokenResponse = serde_json::from_slice(&answer.bytes().await?)?;
    println!("a token of {} bytes for {} s", token.access_token.len(), token.expires_in);
    Ok(())
}'

service d-oauth2 \
    "oauth2 = \"5\"
$TOKIO" 'use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, TokenResponse as _, TokenUrl};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = std::env::var;
    let client = BasicClient::new(ClientId::new(var("CL_CLIENT_ID")?))
        .set_client_secret(ClientSecret::new(var("CL_CLIENT_SECRET")?))
        .set_token_uri(TokenUrl::new(format!("{}/oauth/token", var("CL_AUTH_URL")?))?);
    let http = oauth2::reqwest::ClientBuilder::new().redirect(oauth2::reqwest::redirect::Policy::none()).build()?;
    let token = client.exchange_client_credentials().request_async(&http).await?;
    println!("a token of {} bytes", token.access_token().secret().len());
    Ok(())
}'

SERVICES=(a-scope-core-default b-scope-core-ring c-reqwest-serde-json d-oauth2)
for name in "${SERVICES[@]}"; do
    (cd "$WORK/$name" && cargo fetch --quiet)
done

# Wall seconds of `cargo $1` in a fresh target dir, then the crates it compiled.
clean() {
    local dir="$WORK/$2" target="$WORK/target-$2-$1" start end
    start=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR="$target" cargo "$1" --offline 2>"$target.log") || {
        cat "$target.log" >&2
        exit 1
    }
    end=$(date +%s.%N)
    printf '%.0f %d' "$(echo "$end - $start" | bc)" "$(grep -c '^ *Compiling ' "$target.log")"
    rm -rf "$target"
}

echo "| service | clean \`cargo build\` | clean \`cargo check\` | crates compiled (build) |"
echo "|---|---|---|---|"
for name in "${SERVICES[@]}"; do
    read -r build_s build_n <<<"$(clean build "$name")"
    read -r check_s _ <<<"$(clean check "$name")"
    echo "| $name | ${build_s} s | ${check_s} s | $build_n |"
done
echo
echo "$(nproc) cores; $(uptime | sed 's/.*load average/load average/')"
