//! Helpers for driving the real `drawbridge` binary: isolated data folders,
//! a running server, and a tiny HTTP/1.1 client (so tests control every header).

#![allow(dead_code)]

pub mod python;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_drawbridge")
}

/// A `drawbridge` command on an isolated data folder, with nothing inherited
/// from the developer's own environment.
pub fn cmd(dir: &Path) -> Command {
    let mut c = Command::new(bin());
    c.arg("--data-dir").arg(dir).env("NO_COLOR", "1").stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("DRAWBRIDGE_") {
            c.env_remove(k);
        }
    }
    c
}

pub fn run(dir: &Path, args: &[&str]) -> Output {
    cmd(dir).args(args).output().expect("run drawbridge")
}

/// Run with `input` on standard input, exactly these bytes.
pub fn run_bytes(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = cmd(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(input).expect("write");
    child.wait_with_output().expect("wait")
}

pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "drawbridge {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A running `drawbridge serve`, stopped (by PID) when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub port: u16,
    pub token: String,
}

impl Server {
    pub fn start(dir: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Server {
        let mut c = cmd(dir);
        c.args(["serve", "--no-open", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("spawn serve");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("read url");
        let url = line.trim().to_string();
        let port = url
            .trim_start_matches("http://127.0.0.1:")
            .split('/')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("no URL printed: {url:?}")
            });
        let token = url.rsplit('=').next().unwrap_or_default().to_string();
        Server { child, url, port, token }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Sign in; returns (cookie, csrf).
    pub fn sign_in(&self) -> (String, String) {
        let r = http(self.port, "GET", &format!("/login?token={}", self.token), &[], "");
        assert_eq!(r.status, 303, "{}", r.body);
        let cookie = r.header("set-cookie").split(';').next().unwrap_or_default().to_string();
        let today = http(self.port, "GET", "/", &[("Cookie", &cookie)], "");
        assert_eq!(today.status, 200, "{}", today.body);
        let at = today.body.find("name=\"csrf\" value=\"").expect("csrf") + 19;
        (cookie, today.body[at..at + 64].to_string())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Http {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Http {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// One HTTP/1.1 request to 127.0.0.1:port with exactly the given headers
/// (Host is added unless given).
pub fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Http {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    Http {
        status,
        headers,
        body: body.to_string(),
    }
}

pub fn post_form(server: &Server, cookie: &str, path: &str, form: &str) -> Http {
    post_to(server.port, cookie, path, form)
}

/// A form posted to the server on `port`, from its own origin.
pub fn post_to(port: u16, cookie: &str, path: &str, form: &str) -> Http {
    let origin = format!("http://127.0.0.1:{port}");
    http(
        port,
        "POST",
        path,
        &[
            ("Cookie", cookie),
            ("Origin", &origin),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form,
    )
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// A data folder on one storage engine: the local file, or a PostgreSQL
/// database of its own (named in the folder's `drawbridge.toml`, the way a
/// person would set it), dropped with it.
pub struct Engine {
    pub name: &'static str,
    dir: tempfile::TempDir,
    db: Option<drawbridge_store::testing::FreshDatabase>,
    announced: std::cell::Cell<bool>,
}

impl Engine {
    pub fn sqlite() -> Engine {
        Engine {
            name: "SQLite",
            dir: tempdir(),
            db: None,
            announced: std::cell::Cell::new(false),
        }
    }

    pub fn postgres(server: &str) -> Engine {
        let db = fresh_database(server);
        let dir = tempdir();
        std::fs::write(dir.path().join("drawbridge.toml"), format!("database_url = \"{}\"\n", db.url)).expect("config");
        Engine {
            name: "PostgreSQL",
            dir,
            db: Some(db),
            announced: std::cell::Cell::new(false),
        }
    }

    /// The data folder. The first call says which engine this is, so a
    /// failure names the engine it happened on.
    pub fn path(&self) -> &Path {
        if !self.announced.replace(true) {
            eprintln!("on {}", self.name);
        }
        self.dir.path()
    }

    /// Another empty folder on the same engine.
    pub fn another(&self) -> Engine {
        match &self.db {
            None => Engine::sqlite(),
            Some(_) => Engine::postgres(&drawbridge_store::testing::postgres_server().expect("a server")),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.db.is_some()
    }
}

/// A database of its own on `server`, dropped when the value is. Made on a
/// thread of its own, so an async test can call this too.
pub fn fresh_database(server: &str) -> drawbridge_store::testing::FreshDatabase {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(drawbridge_store::testing::FreshDatabase::new(server))
        })
        .join()
        .expect("made a database")
    })
}

/// Every engine this run can test: SQLite always, PostgreSQL when
/// `DATABASE_URL` names a server.
pub fn engines() -> Vec<Engine> {
    let mut out = vec![Engine::sqlite()];
    if let Some(server) = drawbridge_store::testing::postgres_server() {
        out.push(Engine::postgres(&server));
    }
    // Said once each, so a failure names the engine it happened on.
    out.into_iter().inspect(|e| eprintln!("on {}", e.name)).collect::<Vec<_>>()
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("drawbridge.db")
}

/// Answers to every Patterns Quiz item, as the JSON object `quiz --answers`
/// reads; `value(n)` answers the n-th item. Built from the bundled quiz, so it
/// follows the content.
pub fn patterns_answers(value: impl Fn(usize) -> i64) -> String {
    let c = drawbridge_core::Catalog::embedded();
    let items = &c.instrument("patterns").expect("patterns").items;
    let m: serde_json::Map<String, serde_json::Value> = items.iter().enumerate().map(|(n, i)| (i.id.clone(), value(n).into())).collect();
    serde_json::Value::Object(m).to_string()
}

/// `drawbridge experiment log` with a fixed plan and the given follow-up.
pub fn log_experiment(dir: &Path, id: &str, date: &str, peak: &str, outcome: &str, flooded: bool) {
    let mut args = vec![
        "experiment",
        "log",
        id,
        "--prediction",
        "They will be annoyed with me",
        "--belief",
        "70",
        "--want",
        "60",
        "--expect",
        "40",
        "--peak",
        peak,
        "--after",
        "10",
        "--outcome",
        outcome,
        "--belief-after",
        "30",
        "--capacity",
        "60",
        "--date",
        date,
        "--learned",
        "Asking was smaller than I feared",
    ];
    if flooded {
        args.push("--flooded");
    }
    ok(dir, &args);
}
