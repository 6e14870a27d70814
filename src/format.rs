//! Stage 3b, format: takes the rendered [`Output`] and gives it back with
//! every Rust file as rustfmt prints it, so the generated crate passes
//! `cargo fmt --check` whatever names the schema uses. All files go to one
//! rustfmt process in a scratch directory (one process per file would cost
//! a process start each). A missing rustfmt is an error, never a silent
//! skip: unformatted output would fail the user's CI later, far from here.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::render::Output;

/// Why formatting failed.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("cannot run rustfmt ({source}); install it with `rustup component add rustfmt`")]
    Missing {
        #[source]
        source: std::io::Error,
    },
    #[error("cannot use the scratch directory {path}: {source}")]
    Scratch {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// rustfmt refused the rendered code: a bug in a template, not in the
    /// schema.
    #[error("rustfmt rejected the generated code (a schemagen bug; please report it):\n{stderr}")]
    Rejected { stderr: String },
}

/// Formats every `.rs` file of `output` with rustfmt.
pub fn format_output(mut output: Output) -> Result<Output, FormatError> {
    let rust_files: Vec<String> = output
        .files
        .keys()
        .filter(|path| path.ends_with(".rs"))
        .cloned()
        .collect();
    if rust_files.is_empty() {
        return Ok(output);
    }
    let scratch = tempfile::tempdir().map_err(|source| FormatError::Scratch {
        path: std::env::temp_dir(),
        source,
    })?;
    let scratch_error = |path: &Path| {
        let path = path.to_owned();
        move |source| FormatError::Scratch { path, source }
    };
    for path in &rust_files {
        let target = scratch.path().join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(scratch_error(parent))?;
        }
        std::fs::write(&target, &output.files[path]).map_err(scratch_error(&target))?;
    }
    let result = Command::new(rustfmt_command())
        .args(["--edition", "2021", "--quiet"])
        .args(&rust_files)
        .current_dir(scratch.path())
        .output()
        .map_err(|source| FormatError::Missing { source })?;
    if !result.status.success() {
        return Err(FormatError::Rejected {
            stderr: String::from_utf8_lossy(&result.stderr).into_owned(),
        });
    }
    for path in &rust_files {
        let target = scratch.path().join(path);
        let text = std::fs::read_to_string(&target).map_err(scratch_error(&target))?;
        output.files.insert(path.clone(), text);
    }
    Ok(output)
}

/// `$RUSTFMT` where set (as cargo and rust-analyzer honour it), else the
/// `rustfmt` on PATH.
fn rustfmt_command() -> std::ffi::OsString {
    std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into())
}
