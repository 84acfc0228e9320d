//! The floor for the server load benchmark (`bench/server_load.py`): an
//! axum route that answers "hello" and does nothing else, on the same
//! runtime and the same machine, so the benchmark can say how much of a
//! page's time is drawbridge's own. Prints its address, then serves until
//! killed.

use std::io::Write;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::io::Result<()> {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "http://{}/", listener.local_addr()?)?;
    out.flush()?;
    drop(out);
    axum::serve(listener, app).await
}
