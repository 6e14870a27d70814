//! Helpers shared by the integration tests.

#![allow(dead_code)] // Each test binary uses a different part.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the real `schemagen` binary in `dir` with `args`.
pub fn schemagen(dir: &Path, args: &[&str]) -> Output {
    schemagen_with_env(dir, args, &[])
}

/// The same with extra environment variables.
pub fn schemagen_with_env(dir: &Path, args: &[&str], envs: &[(&str, &Path)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_schemagen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(envs.iter().copied())
        .output()
        .expect("the schemagen binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file under `dir` with its bytes and modification time.
pub fn snapshot_dir(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let modified = entry.metadata().unwrap().modified().unwrap();
                files.push((path.clone(), std::fs::read(&path).unwrap(), modified));
            }
        }
    }
    files.sort();
    files
}

/// The variable naming the PostgreSQL server the tests use; `.ci/run` sets
/// it to the server on 127.0.0.1:5432.
pub const POSTGRES_URL_VARIABLE: &str = "PIPELINE_DB_TEST_POSTGRES_URL";

/// The PostgreSQL server to test against. Without one, a developer's run
/// skips the PostgreSQL half with a note; a CI run (`CI` set) fails instead,
/// so CI can never pass without having talked to the server.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VARIABLE) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set but {POSTGRES_URL_VARIABLE} is not: the PostgreSQL tests must run")
        }
        _ => {
            eprintln!("note: {POSTGRES_URL_VARIABLE} is not set; skipping the PostgreSQL half");
            None
        }
    }
}

/// `snake_case` as `CamelCase`, for model names made from table names.
pub fn camel(word: &str) -> String {
    word.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A small, seedable generator (splitmix64) for the property tests: a run
/// replays from one number, without a dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The number in environment variable `name`, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// A seed from `variable` if set (to replay a run), else from the clock;
/// printed, so a failure can be replayed.
pub fn seed(variable: &str) -> u64 {
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let seed = env_number(variable, clock);
    eprintln!("{variable}={seed} replays this run");
    seed
}

/// Runs `cargo` in `dir` with the fixtures' shared target directory;
/// panics with its output and `context` when it fails.
pub fn cargo(dir: &Path, args: &[&str], envs: &[(String, String)], context: &str) {
    let target = root().join("target").join("fixtures");
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .envs(envs.iter().cloned())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo {}` failed in {}{context}\n{}{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A PostgreSQL schema of a test's own, created empty and dropped at the
/// end; `url` reaches it through `search_path`.
pub struct PgSchema {
    pub client: postgres::Client,
    pub name: String,
    pub url: String,
}

impl PgSchema {
    pub fn new(url: &str, label: &str) -> Self {
        let name = format!("{label}_{}", std::process::id());
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
            ))
            .unwrap();
        let separator = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{separator}options=-csearch_path%3D{name}");
        PgSchema { client, name, url }
    }

    pub fn target(&self) -> schemagen::migrate::runner::Target {
        schemagen::migrate::runner::Target::Postgres(self.url.clone())
    }

    pub fn catalog(&mut self) -> schemagen::catalog::Catalog {
        schemagen::catalog::postgres::read(&mut self.client, &self.name).unwrap()
    }

    pub fn count(&mut self, table: &str) -> i64 {
        let sql = format!(
            "SELECT count(*) FROM {}.{}",
            self.name,
            schemagen::naming::sql_ident(table)
        );
        self.client.query_one(&sql, &[]).unwrap().get(0)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        let _ = self.client.batch_execute(&drop);
    }
}
