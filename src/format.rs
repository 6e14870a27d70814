//! Stage 3b, format: takes the rendered [`Output`] and gives it back with
//! the Rust files `render::needs_rustfmt` names as rustfmt prints them
//! (the others render/layout.rs lays out already), so the generated crate
//! passes `cargo fmt --check` whatever names the schema uses. A missing rustfmt is
//! an error, never a silent skip: unformatted output would fail the user's
//! CI later, far from here.
//!
//! rustfmt is most of `generate`'s time, so it is spent carefully.
//! rustfmt follows `mod` declarations from every file it is named, so
//! naming every file would format most of them twice or more, and one
//! process over a whole large crate slows down more than in proportion.
//! A small crate goes to one rustfmt named only its module roots. In a
//! large one, the few files that declare modules are formatted through
//! rustfmt's standard input (which formats that text alone), and all other
//! files go by name in chunks of about two hundred, on every core. Files
//! whose rendered text has not changed since the last run are not
//! formatted at all (see [`FormatCache`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::naming::stable_hash;
use crate::render::{Output, MANIFEST_FILE};

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

/// Files per rustfmt process, about: a process start costs little next to
/// formatting a couple of hundred files, and chunks keep every core busy.
const FILES_PER_CHUNK: usize = 200;

/// Formats every `.rs` file of `output` with rustfmt.
pub fn format_output(
    mut output: Output,
    cache: &FormatCache,
) -> Result<(Output, FormatRecord), FormatError> {
    let rust_files: Vec<String> = output
        .files
        .keys()
        .filter(|path| path.ends_with(".rs"))
        .cloned()
        .collect();
    let rendered_hashes: BTreeMap<String, u64> = rust_files
        .iter()
        .map(|path| (path.clone(), stable_hash(&output.files[path])))
        .collect();
    let mut to_format = Vec::new();
    for path in &rust_files {
        if !crate::render::needs_rustfmt(path) {
            continue;
        }
        match cache.get(path, rendered_hashes[path]) {
            Some(text) => {
                output.files.insert(path.clone(), text.to_owned());
            }
            None => to_format.push(path.clone()),
        }
    }
    if !to_format.is_empty() {
        format_files(&mut output, &rust_files, &to_format)?;
    }
    let record = rust_files
        .iter()
        .map(|path| {
            let formatted = stable_hash(&output.files[path]);
            (path.clone(), (rendered_hashes[path], formatted))
        })
        .collect();
    Ok((output, record))
}

/// Formats the files `to_format` of `output` in place; `rust_files` are
/// all of its Rust files, which the modules of `to_format` may declare.
fn format_files(
    output: &mut Output,
    rust_files: &[String],
    to_format: &[String],
) -> Result<(), FormatError> {
    let scratch_parent = scratch_parent();
    let scratch = tempfile::tempdir_in(&scratch_parent).map_err(|source| FormatError::Scratch {
        path: scratch_parent,
        source,
    })?;
    let scratch_error = |path: &Path| {
        let path = path.to_owned();
        move |source| FormatError::Scratch { path, source }
    };
    let files: BTreeSet<&str> = rust_files.iter().map(String::as_str).collect();
    let write = |path: &str, text: &str| {
        let target = scratch.path().join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(scratch_error(parent))?;
        }
        std::fs::write(&target, text).map_err(scratch_error(&target))
    };
    let children: BTreeMap<&str, Vec<String>> = to_format
        .iter()
        .map(|path| {
            (
                path.as_str(),
                declared_modules(path, &output.files[path], &files),
            )
        })
        .collect();

    if to_format.len() <= FILES_PER_CHUNK {
        // A small crate: one rustfmt named only the roots, following `mod`
        // into every other file; modules that need no formatting this run
        // are empty placeholders.
        let wanted: BTreeSet<&str> = to_format.iter().map(String::as_str).collect();
        for path in to_format {
            write(path, &output.files[path])?;
            for child in &children[path.as_str()] {
                if !wanted.contains(child.as_str()) {
                    write(child, "")?;
                }
            }
        }
        let declared: BTreeSet<&str> = children.values().flatten().map(String::as_str).collect();
        let roots: Vec<&String> = to_format
            .iter()
            .filter(|path| !declared.contains(path.as_str()))
            .collect();
        run_rustfmt(&[Job::Files(roots)], scratch.path(), 1)?;
        for path in to_format {
            let target = scratch.path().join(path);
            let text = std::fs::read_to_string(&target).map_err(scratch_error(&target))?;
            output.files.insert(path.clone(), text);
        }
        return Ok(());
    }

    // A large crate: files that declare modules go through rustfmt's
    // standard input, which formats the text alone; the rest (leaves) go
    // by name in chunks, on every core.
    let (parents, leaves): (Vec<&String>, Vec<&String>) = to_format
        .iter()
        .partition(|path| !children[path.as_str()].is_empty());
    for path in &leaves {
        write(path, &output.files[path.as_str()])?;
    }
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk_count = workers.max(leaves.len().div_ceil(FILES_PER_CHUNK));
    let mut jobs: Vec<Job> = chunks(output, &leaves, chunk_count)
        .into_iter()
        .filter(|chunk| !chunk.is_empty())
        .map(Job::Files)
        .collect();
    jobs.extend(
        parents
            .iter()
            .map(|path| Job::Stdin(path.as_str(), &output.files[path.as_str()])),
    );
    let stdin_results = run_rustfmt(&jobs, scratch.path(), workers)?;
    let formatted_parents: Vec<(String, String)> = parents
        .iter()
        .map(|path| (path.to_string(), stdin_results[path.as_str()].clone()))
        .collect();
    for (path, text) in formatted_parents {
        output.files.insert(path, text);
    }
    for path in leaves {
        let target = scratch.path().join(path);
        let text = std::fs::read_to_string(&target).map_err(scratch_error(&target))?;
        output.files.insert(path.clone(), text);
    }
    Ok(())
}

/// One rustfmt process's work.
enum Job<'a> {
    /// Files in the scratch directory that declare no modules.
    Files(Vec<&'a String>),
    /// A file's text, formatted through standard input.
    Stdin(&'a str, &'a str),
}

/// `rust_files` cut into `count` runs of about equal size, in path order.
fn chunks<'a>(output: &Output, rust_files: &[&'a String], count: usize) -> Vec<Vec<&'a String>> {
    let total: usize = rust_files
        .iter()
        .map(|p| output.files[p.as_str()].len())
        .sum();
    let target = total.div_ceil(count).max(1);
    let mut chunks = vec![Vec::new()];
    let mut size = 0;
    for path in rust_files {
        if size >= target {
            chunks.push(Vec::new());
            size = 0;
        }
        size += output.files[path.as_str()].len();
        chunks
            .last_mut()
            .expect("starts with one chunk")
            .push(*path);
    }
    chunks
}

/// Runs one rustfmt per job, at most `workers` at a time; gives the
/// formatted text of each standard-input job by path.
fn run_rustfmt(
    jobs: &[Job<'_>],
    dir: &Path,
    workers: usize,
) -> Result<BTreeMap<String, String>, FormatError> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let run = |job: &Job<'_>| -> Result<Option<(String, String)>, FormatError> {
        let mut command = Command::new(rustfmt_command());
        command
            .args(["--edition", "2021", "--quiet"])
            .current_dir(dir);
        let result = match job {
            Job::Files(paths) => command.args(paths.iter().map(|p| p.as_str())).output(),
            Job::Stdin(_, text) => {
                command
                    .args(["--emit", "stdout"])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                command.spawn().and_then(|mut child| {
                    let mut stdin = child.stdin.take().expect("stdin is piped");
                    // Written on its own thread: rustfmt may fill the
                    // stdout pipe before it has read all of its input.
                    let text = text.to_string();
                    let writer = std::thread::spawn(move || {
                        use std::io::Write as _;
                        stdin.write_all(text.as_bytes())
                    });
                    let output = child.wait_with_output();
                    writer.join().expect("the stdin writer does not panic")?;
                    output
                })
            }
        }
        .map_err(|source| FormatError::Missing { source })?;
        if !result.status.success() {
            return Err(FormatError::Rejected {
                stderr: String::from_utf8_lossy(&result.stderr).into_owned(),
            });
        }
        Ok(match job {
            Job::Files(_) => None,
            Job::Stdin(path, _) => Some((
                path.to_string(),
                String::from_utf8_lossy(&result.stdout).into_owned(),
            )),
        })
    };
    let results: Vec<Result<BTreeMap<String, String>, FormatError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.min(jobs.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut formatted = BTreeMap::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(index) else {
                            return Ok(formatted);
                        };
                        formatted.extend(run(job)?);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a rustfmt thread does not panic"))
            .collect()
    });
    let mut formatted = BTreeMap::new();
    for result in results {
        formatted.extend(result?);
    }
    Ok(formatted)
}

/// For each Rust file: the hash of the text rustfmt was given and of the
/// text it gave back. The manifest keeps it for the next run.
pub type FormatRecord = BTreeMap<String, (u64, u64)>;

/// The Rust files of an earlier run's output directory that can stand in
/// for rustfmt: those whose recorded formatted hash still matches the file,
/// so a hand-edited file is formatted again (and `--check` reports it).
#[derive(Debug, Default)]
pub struct FormatCache {
    /// Path to the hash of the text it was formatted from, and its text.
    entries: BTreeMap<String, (u64, String)>,
}

impl FormatCache {
    /// Reads the manifest and files of `out_dir`. Anything unreadable or
    /// unrecognised is left out: a cache can only be missed, not wrong.
    pub fn read(out_dir: &Path) -> FormatCache {
        let mut entries = BTreeMap::new();
        let Ok(manifest) = std::fs::read_to_string(out_dir.join(MANIFEST_FILE)) else {
            return FormatCache { entries };
        };
        for (path, record) in crate::write::manifest_entries(&manifest) {
            let mut hashes = record
                .split_whitespace()
                .map(|hash| u64::from_str_radix(hash, 16));
            let (Some(Ok(rendered)), Some(Ok(formatted))) = (hashes.next(), hashes.next()) else {
                continue;
            };
            let Ok(text) = std::fs::read_to_string(out_dir.join(path)) else {
                continue;
            };
            if stable_hash(&text) == formatted {
                entries.insert(path.to_owned(), (rendered, text));
            }
        }
        FormatCache { entries }
    }

    /// The formatted text of `path` if it was formatted from text with
    /// hash `rendered`.
    fn get(&self, path: &str, rendered: u64) -> Option<&str> {
        match self.entries.get(path) {
            Some((hash, text)) if *hash == rendered => Some(text),
            _ => None,
        }
    }
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

/// Where the scratch directory goes: `$TMPDIR` where the user set it, else
/// shared memory where the system has it, else the system's temporary
/// directory. Thousands of small files are written and rewritten there;
/// on a disk that is seconds of system time for a large schema.
fn scratch_parent() -> PathBuf {
    let shared_memory = Path::new("/dev/shm");
    if std::env::var_os("TMPDIR").is_none() && shared_memory.is_dir() {
        shared_memory.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// `$RUSTFMT` where set (as cargo and rust-analyzer honour it), else the
/// `rustfmt` on PATH.
fn rustfmt_command() -> std::ffi::OsString {
    std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into())
}
