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
