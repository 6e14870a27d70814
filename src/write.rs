//! Stage 4, write: takes an [`Output`] and an output directory and makes the
//! directory match it, or (for `--check`) says how it differs. The
//! directory's manifest names the files an earlier run wrote; only those are
//! ever replaced or removed, and a file the generator did not write is never
//! touched. Writing is all-or-nothing as far as a file system allows: every
//! new text is written to a temporary file beside its target first, and
//! only when all are written are they renamed into place. Into a directory
//! that holds nothing yet, the whole tree is written in one temporary
//! directory first, and its top-level entries renamed into place.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::render::{Output, MANIFEST_FILE};

/// What a run changed, or would change.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.updated.is_empty() && self.removed.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot remove {path}: {source}")]
    Remove {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} exists but was not written by schemagen (it is not in {manifest}); \
         move it away, or choose another --out"
    )]
    ForeignFile { path: PathBuf, manifest: PathBuf },
    #[error(
        "{dir} is not empty and schemagen did not create it (it has no {manifest}); \
         choose an empty or new directory with --out"
    )]
    ForeignDirectory { dir: PathBuf, manifest: String },
    #[error("{path} is a symbolic link; schemagen writes only inside --out and never follows one")]
    Symlink { path: PathBuf },
    #[error("cannot lock {dir} against other schemagen runs: {source}")]
    Lock {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The prefix of the temporary files a run stages its writes in. A run
/// killed before it renames them leaves them behind; the next run removes
/// every file that starts with it.
const TEMPORARY_PREFIX: &str = ".schemagen-tmp-";

/// Exclusive use of an output directory for one run: a second `generate`
/// on the same directory waits until the first has finished. The lock is
/// the operating system's (flock) on the directory itself, so it leaves no
/// file behind and a killed run releases it.
pub struct DirectoryLock {
    _dir: std::fs::File,
}

/// Locks `out_dir` (creating it if `create`), telling `waiting` when another
/// run holds it and this one has to wait.
pub fn lock_directory(
    out_dir: &Path,
    create: bool,
    waiting: impl FnOnce(),
) -> Result<Option<DirectoryLock>, WriteError> {
    let lock_error = |source| WriteError::Lock {
        dir: out_dir.to_owned(),
        source,
    };
    if create {
        std::fs::create_dir_all(out_dir).map_err(lock_error)?;
    }
    let dir = match std::fs::File::open(out_dir) {
        Ok(dir) => dir,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !create => return Ok(None),
        Err(source) => return Err(lock_error(source)),
    };
    match dir.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            dir.lock().map_err(lock_error)?;
        }
        Err(std::fs::TryLockError::Error(source)) => return Err(lock_error(source)),
    }
    Ok(Some(DirectoryLock { _dir: dir }))
}

/// The files the previous run recorded in the manifest.
fn read_manifest(out_dir: &Path) -> Result<BTreeSet<String>, WriteError> {
    let path = out_dir.join(MANIFEST_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(manifest_entries(&text)
            .map(|(path, _)| path.to_owned())
            .collect()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(source) => Err(WriteError::Read { path, source }),
    }
}

/// The entries of a manifest: each path, with the rest of its line (the
/// format record of a Rust file).
pub fn manifest_entries(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split_once(' ').unwrap_or((line, "")))
        // A manifest entry that climbs out of the directory is never ours
        // to touch.
        .filter(|(path, _)| !path.split('/').any(|part| part == ".." || part.is_empty()))
}

/// A file's current text, `None` where it does not exist.
fn read_existing(path: &Path) -> Result<Option<String>, WriteError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(WriteError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Refuses a path inside `out_dir` that passes through a symbolic link:
/// a write or removal there would land outside the directory.
fn refuse_symlinks(out_dir: &Path, relative: &str) -> Result<(), WriteError> {
    let mut current = out_dir.to_owned();
    for part in relative.split('/') {
        current.push(part);
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(WriteError::Symlink { path: current })
            }
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(WriteError::Read {
                    path: current,
                    source,
                })
            }
        }
    }
    Ok(())
}

/// A directory that exists, holds something, and has no manifest was not
/// made by schemagen: writing beside its files could mix two projects.
/// Gives whether the directory has a manifest; without one it holds
/// nothing but a killed run's temporary files, if it exists at all.
fn refuse_foreign_directory(out_dir: &Path) -> Result<bool, WriteError> {
    if out_dir.join(MANIFEST_FILE).exists() {
        return Ok(true);
    }
    let mut entries = match std::fs::read_dir(out_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(source) => {
            return Err(WriteError::Read {
                path: out_dir.to_owned(),
                source,
            })
        }
    };
    let foreign = entries.any(|entry| {
        entry.is_ok_and(|entry| {
            !entry
                .file_name()
                .to_string_lossy()
                .starts_with(TEMPORARY_PREFIX)
        })
    });
    if foreign {
        return Err(WriteError::ForeignDirectory {
            dir: out_dir.to_owned(),
            manifest: MANIFEST_FILE.to_owned(),
        });
    }
    Ok(false)
}

/// Compares `output` with `out_dir` without changing anything, by the
/// contents of every file.
pub fn plan_output(out_dir: &Path, output: &Output) -> Result<Plan, WriteError> {
    plan_against(out_dir, output).map(|(plan, _)| plan)
}

/// [`plan_output`], and whether `out_dir` holds a manifest: without one it
/// holds nothing but a killed run's temporary files, if it exists at all.
fn plan_against(out_dir: &Path, output: &Output) -> Result<(Plan, bool), WriteError> {
    let mut plan = Plan::default();
    if !refuse_foreign_directory(out_dir)? {
        // Nothing there to compare with, refuse or remove: two system
        // calls a file saved (30,000 files at 10,000 models).
        plan.created = output.files.keys().cloned().collect();
        return Ok((plan, false));
    }
    let previous = read_manifest(out_dir)?;
    for (path, text) in &output.files {
        refuse_symlinks(out_dir, path)?;
        let target = out_dir.join(path);
        match read_existing(&target)? {
            Some(existing) if existing == *text => plan.unchanged += 1,
            Some(_) if previous.contains(path) || path == MANIFEST_FILE => {
                plan.updated.push(path.clone())
            }
            Some(_) => {
                return Err(WriteError::ForeignFile {
                    path: target,
                    manifest: out_dir.join(MANIFEST_FILE),
                })
            }
            None => plan.created.push(path.clone()),
        }
    }
    for path in previous {
        if !output.files.contains_key(&path) {
            refuse_symlinks(out_dir, &path)?;
            if std::fs::symlink_metadata(out_dir.join(&path)).is_ok() {
                plan.removed.push(path);
            }
        }
    }
    Ok((plan, true))
}

/// Makes `out_dir` match `output`; gives what changed. The caller holds
/// the directory's [`DirectoryLock`].
///
/// A run killed at any point leaves every file either old or new, and a
/// manifest that lists every file schemagen wrote there: before the first
/// file changes, the manifest is replaced by one that lists the new files
/// and the ones about to be removed; once they are gone, the real one
/// replaces it. So the next run removes whatever an interrupted run left
/// over. A manifest that does not change is not rewritten. What a power
/// loss can leave is said at `stage_all`.
pub fn write_output(out_dir: &Path, output: &Output) -> Result<Plan, WriteError> {
    remove_temporary_files(out_dir)?;
    let (plan, has_manifest) = plan_against(out_dir, output)?;
    if plan.is_empty() {
        return Ok(plan);
    }
    if !has_manifest {
        write_fresh(out_dir, output)?;
        return Ok(plan);
    }
    let to_write: Vec<&String> = plan
        .created
        .iter()
        .chain(&plan.updated)
        .filter(|path| path.as_str() != MANIFEST_FILE)
        .collect();

    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut first_error = None;
    let staged_files = stage_all(out_dir, out_dir, output, &to_write, Staging::Beside);
    for (path, result) in to_write.iter().zip(staged_files) {
        match result {
            Ok(temporary) => staged.push((temporary, out_dir.join(path))),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if let Some(error) = first_error {
        for (temporary, _) in &staged {
            let _ = std::fs::remove_file(temporary);
        }
        return Err(error);
    }
    // The manifest, if it changes, is written before any file it lists:
    // together with the files about to be removed while those remain.
    let manifest_path = out_dir.join(MANIFEST_FILE);
    let manifest = &output.files[MANIFEST_FILE];
    let manifest_changes = plan
        .created
        .iter()
        .chain(&plan.updated)
        .any(|path| path == MANIFEST_FILE);
    if manifest_changes {
        let interim = interim_manifest(manifest, &plan.removed);
        replace(
            &stage(&manifest_path, &interim, Durability::Synced)?,
            &manifest_path,
        )?;
        // The rename too reaches the disk before any file the manifest
        // lists appears: after a power loss, every file schemagen wrote is
        // still its to replace.
        sync_directory(out_dir)?;
    }
    for (index, (temporary, target)) in staged.iter().enumerate() {
        if let Err(error) = replace(temporary, target) {
            for (left, _) in &staged[index..] {
                let _ = std::fs::remove_file(left);
            }
            return Err(error);
        }
    }
    for path in &plan.removed {
        let target = out_dir.join(path);
        std::fs::remove_file(&target).map_err(|source| WriteError::Remove {
            path: target.clone(),
            source,
        })?;
        remove_empty_parents(out_dir, &target);
    }
    if !plan.removed.is_empty() {
        replace(
            &stage(&manifest_path, manifest, Durability::Synced)?,
            &manifest_path,
        )?;
    }
    Ok(plan)
}

/// Writes `output` into `out_dir`, which holds nothing of a run that
/// finished: the whole tree is written into one temporary directory inside
/// it, and then its top-level entries are renamed into place, the manifest
/// (fsynced, with the directory) first. A first run of 1,000 models so
/// renames nine entries instead of 3,000 files, and a run killed before
/// the manifest's rename leaves nothing but a temporary directory, which
/// the next run removes; one killed after it leaves a manifest that lists
/// every file, as [`write_output`] does.
fn write_fresh(out_dir: &Path, output: &Output) -> Result<(), WriteError> {
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| WriteError::Write { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(write_error(out_dir))?;
    // Dropped on any error below, it takes what was staged with it.
    let staging = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempdir_in(out_dir)
        .map_err(write_error(out_dir))?;
    let paths: Vec<&String> = output
        .files
        .keys()
        .filter(|path| path.as_str() != MANIFEST_FILE)
        .collect();
    for result in stage_all(staging.path(), out_dir, output, &paths, Staging::InPlace) {
        result?;
    }
    let manifest = staging.path().join(MANIFEST_FILE);
    create_file(&manifest, &output.files[MANIFEST_FILE], Durability::Synced)
        .map_err(write_error(&out_dir.join(MANIFEST_FILE)))?;
    replace(&manifest, &out_dir.join(MANIFEST_FILE))?;
    sync_directory(out_dir)?;
    let entries: BTreeSet<&str> = paths
        .iter()
        .map(|path| path.split('/').next().unwrap_or(path))
        .collect();
    for entry in entries {
        let target = out_dir.join(entry);
        std::fs::rename(staging.path().join(entry), &target).map_err(write_error(&target))?;
    }
    Ok(())
}

/// The manifest of the run, plus the files it is about to remove.
fn interim_manifest(manifest: &str, removed: &[String]) -> String {
    let mut text = manifest.to_owned();
    for path in removed {
        text.push_str(path);
        text.push('\n');
    }
    text
}

/// Renames a staged temporary file over its target.
fn replace(temporary: &Path, target: &Path) -> Result<(), WriteError> {
    std::fs::rename(temporary, target).map_err(|source| {
        let _ = std::fs::remove_file(temporary);
        WriteError::Write {
            path: target.to_owned(),
            source,
        }
    })
}

/// Removes the temporary files and directories an interrupted run left
/// anywhere under `out_dir`, without following symbolic links.
fn remove_temporary_files(out_dir: &Path) -> Result<(), WriteError> {
    let mut pending = vec![out_dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(WriteError::Read { path: dir, source }),
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let temporary = entry
                .file_name()
                .to_string_lossy()
                .starts_with(TEMPORARY_PREFIX);
            if file_type.is_dir() && temporary {
                // A first run's staging directory (see `write_fresh`).
                std::fs::remove_dir_all(&path)
                    .map_err(|source| WriteError::Remove { path, source })?;
            } else if file_type.is_dir() {
                pending.push(path);
            } else if file_type.is_file() && temporary {
                std::fs::remove_file(&path)
                    .map_err(|source| WriteError::Remove { path, source })?;
            }
        }
    }
    Ok(())
}

/// Stages every file of `paths`, on a few threads: creating, writing and
/// closing a file are system calls that wait on the file system as much as
/// on the CPU. Results come in the order of `paths`.
///
/// Generated files are not fsynced: they are made again from the schema by
/// any later run, and an fsync each cost most of a large first `generate`
/// (1.0-1.3 s of 3,000 files on this project's machines). A killed run
/// loses nothing the operating system has accepted; only a power loss or a
/// kernel crash can, leaving a file that the next run (or `--check`) finds
/// different from its text and so rewrites (or reports). The manifest is
/// the one file fsynced, as it decides what the next run may touch.
fn stage_all(
    base: &Path,
    out_dir: &Path,
    output: &Output,
    paths: &[&String],
    staging: Staging,
) -> Vec<Result<PathBuf, WriteError>> {
    const STAGING_THREADS: usize = 4;
    let per_thread = paths.len().div_ceil(STAGING_THREADS).max(1);
    // Each directory is made once, before its files: `create_dir_all` for
    // every file was two system calls each. And the temporary files are
    // made under an absolute path: under a relative one `tempfile` asks
    // for the working directory once a file.
    let base = std::path::absolute(base).unwrap_or_else(|_| base.to_owned());
    let dirs: BTreeSet<&Path> = paths
        .iter()
        .filter_map(|path| Path::new(path.as_str()).parent())
        .collect();
    let mut unmade = Vec::new();
    for dir in dirs {
        if let Err(error) = std::fs::create_dir_all(base.join(dir)) {
            unmade.push((dir, error));
        }
    }
    let stage_one = |path: &str| {
        let relative = Path::new(path);
        if let Some((_, error)) = unmade
            .iter()
            .find(|(dir, _)| relative.parent() == Some(*dir))
        {
            return Err(WriteError::Write {
                path: out_dir.join(path),
                source: std::io::Error::new(error.kind(), error.to_string()),
            });
        }
        let text = &output.files[path];
        let target = base.join(path);
        match staging {
            Staging::Beside => stage(&target, text, Durability::Cached),
            Staging::InPlace => create_file(&target, text, Durability::Cached)
                .map(|()| target)
                .map_err(|source| WriteError::Write {
                    path: out_dir.join(path),
                    source,
                }),
        }
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || chunk.iter().map(|path| stage_one(path)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("staging a file does not panic"))
            .collect()
    })
}

/// Where [`stage_all`] writes each file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Staging {
    /// A temporary file beside the target, renamed over it later.
    Beside,
    /// The target itself, in a directory of the run's own.
    InPlace,
}

/// Creates `path`, which must not exist, holding `text`: 0644 less the
/// umask, as any file a tool writes.
fn create_file(path: &Path, text: &str, durability: Durability) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o644);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    if durability == Durability::Synced {
        file.sync_all()?;
    }
    Ok(())
}

/// Whether a staged file must reach the disk before it is renamed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// In the operating system's cache: survives a killed process.
    Cached,
    /// fsynced: survives a power loss too.
    Synced,
}

/// Writes `text` to a temporary file beside `target` and gives its path.
fn stage(target: &Path, text: &str, durability: Durability) -> Result<PathBuf, WriteError> {
    let write_error = |source| WriteError::Write {
        path: target.to_owned(),
        source,
    };
    let parent = target.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMPORARY_PREFIX);
    // Temporary files are private (0600); generated sources are not: they
    // are made 0644 less the umask, as any file a tool writes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut file = builder.tempfile_in(parent).map_err(write_error)?;
    file.write_all(text.as_bytes()).map_err(write_error)?;
    if durability == Durability::Synced {
        file.as_file().sync_all().map_err(write_error)?;
    }
    let (_, path) = file.keep().map_err(|error| write_error(error.error))?;
    Ok(path)
}

/// fsyncs a directory, so that the renames in it are on the disk.
fn sync_directory(dir: &Path) -> Result<(), WriteError> {
    let write_error = |source| WriteError::Write {
        path: dir.to_owned(),
        source,
    };
    std::fs::File::open(dir)
        .map_err(write_error)?
        .sync_all()
        .map_err(write_error)
}

/// Removes directories a removed file leaves empty, up to `out_dir`.
fn remove_empty_parents(out_dir: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir {
        if current == out_dir || std::fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}

/// A unified diff of what `--check` found, at most `max_lines` lines.
pub fn describe_plan(out_dir: &Path, output: &Output, plan: &Plan, max_lines: usize) -> String {
    let mut report = String::new();
    for path in &plan.created {
        report.push_str(&format!("missing:  {}\n", out_dir.join(path).display()));
    }
    for path in &plan.removed {
        report.push_str(&format!("extra:    {}\n", out_dir.join(path).display()));
    }
    for path in &plan.updated {
        report.push_str(&format!("changed:  {}\n", out_dir.join(path).display()));
    }
    let mut budget = max_lines;
    for path in &plan.updated {
        let target = out_dir.join(path);
        let old = std::fs::read_to_string(&target).unwrap_or_default();
        let new = &output.files[path];
        let diff = similar::TextDiff::from_lines(&old, new);
        let text = diff
            .unified_diff()
            .context_radius(2)
            .header(
                &format!("{} (on disk)", target.display()),
                &format!("{} (from the schema)", target.display()),
            )
            .to_string();
        let lines: Vec<&str> = text.lines().collect();
        if budget == 0 {
            report.push_str(&format!("… diff of {} left out\n", target.display()));
            continue;
        }
        let shown = lines.len().min(budget);
        report.push('\n');
        for line in &lines[..shown] {
            report.push_str(line);
            report.push('\n');
        }
        if shown < lines.len() {
            report.push_str(&format!("… {} more diff lines\n", lines.len() - shown));
        }
        budget -= shown;
    }
    report
}
