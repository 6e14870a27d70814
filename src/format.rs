//! Stage 3b, format: takes the rendered [`Output`] and gives it back with
//! every Rust file as rustfmt prints it, so the generated crate passes
//! `cargo fmt --check` whatever names the schema uses. A missing rustfmt is
//! an error, never a silent skip: unformatted output would fail the user's
//! CI later, far from here.
//!
//! rustfmt is most of `generate`'s time, so it is used sparingly: files go
//! to a scratch directory, rustfmt is given only the module roots (it
//! formats every file a root declares with `mod`, so naming those too would
//! format them again), and independent roots are formatted by parallel
//! processes.

use std::collections::{BTreeMap, BTreeSet};
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
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let groups = root_groups(&output, &rust_files, workers);
    let results: Vec<std::io::Result<std::process::Output>> = std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .iter()
            .map(|roots| {
                let dir = scratch.path();
                scope.spawn(move || {
                    Command::new(rustfmt_command())
                        .args(["--edition", "2021", "--quiet"])
                        .args(roots)
                        .current_dir(dir)
                        .output()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("the rustfmt thread does not panic"))
            .collect()
    });
    for result in results {
        let result = result.map_err(|source| FormatError::Missing { source })?;
        if !result.status.success() {
            return Err(FormatError::Rejected {
                stderr: String::from_utf8_lossy(&result.stderr).into_owned(),
            });
        }
    }
    for path in &rust_files {
        let target = scratch.path().join(path);
        let text = std::fs::read_to_string(&target).map_err(scratch_error(&target))?;
        output.files.insert(path.clone(), text);
    }
    Ok(output)
}

/// The files `path` declares as out-of-line modules (`mod name;`), resolved
/// as rustc does, `#[path]` included. Only what the templates write needs
/// reading: one item per line.
fn declared_modules(path: &str, text: &str, files: &BTreeSet<&str>) -> Vec<String> {
    let file = Path::new(path);
    let dir = file.parent().unwrap_or(Path::new(""));
    let is_mod_rs = matches!(
        file.file_name().and_then(|n| n.to_str()),
        Some("lib.rs" | "main.rs" | "mod.rs")
    );
    let base = if is_mod_rs {
        dir.to_path_buf()
    } else {
        dir.join(file.file_stem().unwrap_or_default())
    };
    let mut children = Vec::new();
    let mut path_attribute: Option<&str> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#[path = \"") {
            path_attribute = rest.strip_suffix("\"]");
            continue;
        }
        if line.starts_with("#[") || line.starts_with("//") || line.is_empty() {
            continue;
        }
        let item = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        let declared = item
            .strip_prefix("mod ")
            .and_then(|rest| rest.strip_suffix(';'))
            .map(|name| name.trim_start_matches("r#"));
        if let Some(name) = declared {
            let candidates = match path_attribute {
                Some(attribute) => vec![dir.join(attribute)],
                None => vec![
                    base.join(format!("{name}.rs")),
                    base.join(name).join("mod.rs"),
                ],
            };
            children.extend(
                candidates
                    .iter()
                    .filter_map(|candidate| candidate.to_str())
                    .filter(|candidate| files.contains(candidate))
                    .map(str::to_owned)
                    .take(1),
            );
        }
        path_attribute = None;
    }
    children
}

/// The module roots among `rust_files` (files no other file declares), in
/// at most `workers` groups of similar size. Roots that share a file are
/// kept in one group, so no two rustfmt processes write the same file.
fn root_groups(output: &Output, rust_files: &[String], workers: usize) -> Vec<Vec<String>> {
    let files: BTreeSet<&str> = rust_files.iter().map(String::as_str).collect();
    let children: BTreeMap<&str, Vec<String>> = rust_files
        .iter()
        .map(|path| {
            let declared = declared_modules(path, &output.files[path], &files);
            (path.as_str(), declared)
        })
        .collect();
    let declared: BTreeSet<&str> = children.values().flatten().map(String::as_str).collect();
    // Each root with every file it reaches.
    let mut trees: Vec<(Vec<String>, BTreeSet<String>)> = rust_files
        .iter()
        .filter(|path| !declared.contains(path.as_str()))
        .map(|root| {
            let mut reached = BTreeSet::new();
            let mut stack = vec![root.clone()];
            while let Some(path) = stack.pop() {
                if reached.insert(path.clone()) {
                    stack.extend(children[path.as_str()].iter().cloned());
                }
            }
            (vec![root.clone()], reached)
        })
        .collect();
    // A file reachable from no root (a module cycle) is formatted on its own.
    let reached: BTreeSet<String> = trees.iter().flat_map(|(_, r)| r.clone()).collect();
    for path in rust_files.iter().filter(|p| !reached.contains(*p)) {
        trees.push((vec![path.clone()], BTreeSet::from([path.clone()])));
    }
    let size =
        |tree: &BTreeSet<String>| -> usize { tree.iter().map(|p| output.files[p].len()).sum() };
    // Merge trees that share files, then pack them largest first onto the
    // least loaded worker.
    let mut merged: Vec<(Vec<String>, BTreeSet<String>)> = Vec::new();
    for (mut roots, mut reached) in trees {
        // Absorb every group this tree touches.
        let mut i = 0;
        while i < merged.len() {
            if merged[i].1.is_disjoint(&reached) {
                i += 1;
            } else {
                let (other_roots, other) = merged.swap_remove(i);
                roots.extend(other_roots);
                reached.extend(other);
            }
        }
        merged.push((roots, reached));
    }
    merged.sort_by_key(|(roots, reached)| (std::cmp::Reverse(size(reached)), roots.clone()));
    let mut groups: Vec<(usize, Vec<String>)> = vec![(0, Vec::new()); workers.max(1)];
    for (roots, reached) in merged {
        let lightest = groups
            .iter_mut()
            .min_by_key(|(load, _)| *load)
            .expect("at least one group");
        lightest.0 += size(&reached);
        lightest.1.extend(roots);
    }
    groups
        .into_iter()
        .map(|(_, roots)| roots)
        .filter(|roots| !roots.is_empty())
        .collect()
}

/// `$RUSTFMT` where set (as cargo and rust-analyzer honour it), else the
/// `rustfmt` on PATH.
fn rustfmt_command() -> std::ffi::OsString {
    std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into())
}
