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

use std::sync::Mutex;

use crate::render::{FileSink, Output, MANIFEST_FILE};

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

/// Makes `out_dir` match `output` (which holds the manifest, see
/// [`crate::finish_output`]); gives what changed. The caller holds the
/// directory's [`DirectoryLock`]. [`Writer`] does the work, on a few
/// threads: creating, writing and closing a file are system calls that
/// wait on the file system as much as on the CPU.
pub fn write_output(out_dir: &Path, output: &Output) -> Result<Plan, WriteError> {
    const THREADS: usize = 4;
    let writer = Writer::open(out_dir)?;
    let paths: Vec<&String> = output
        .files
        .keys()
        .filter(|path| path.as_str() != MANIFEST_FILE)
        .collect();
    let per_thread = paths.len().div_ceil(THREADS).max(1);
    std::thread::scope(|scope| {
        for chunk in paths.chunks(per_thread) {
            let writer = &writer;
            scope.spawn(move || {
                for path in chunk {
                    writer.put(path, &output.files[*path]);
                }
            });
        }
    });
    writer.finish(&output.files[MANIFEST_FILE])
}

/// Makes an output directory match the files handed to it one at a time
/// (it is render's [`FileSink`]), so that a large schema's output need
/// not be held whole in memory: each text is compared with the file on
/// disk and, where it differs, staged, then dropped. [`Writer::finish`]
/// puts what was staged in place; a writer dropped unfinished (the trial
/// refused the schema, or a file could not be written) removes what it
/// staged, and the output directory too if it made it.
///
/// A run killed at any point leaves every file either old or new, and a
/// manifest that lists every file schemagen wrote there: before the first
/// file changes, the manifest is replaced by one that lists the new files
/// and the ones about to be removed; once they are gone, the real one
/// replaces it. So the next run removes whatever an interrupted run left
/// over. A manifest that does not change is not rewritten.
///
/// Into a directory that holds nothing of a finished run, the whole tree is
/// written into one temporary directory inside it, and then its top-level
/// entries are renamed into place, the manifest (fsynced, with the
/// directory) first. A first run of 1,000 models so renames nine entries
/// instead of 3,000 files, and a run killed before the manifest's rename
/// leaves nothing but a temporary directory, which the next run removes;
/// one killed after it leaves a manifest that lists every file.
///
/// Generated files are not fsynced: they are made again from the schema by
/// any later run, and an fsync each cost most of a large first `generate`
/// (1.0-1.3 s of 3,000 files on this project's machines). A killed run
/// loses nothing the operating system has accepted; only a power loss or a
/// kernel crash can, leaving a file that the next run (or `--check`) finds
/// different from its text and so rewrites (or reports). The manifest is
/// the one file fsynced, as it decides what the next run may touch.
pub struct Writer {
    out_dir: PathBuf,
    /// `out_dir` as an absolute path, which files are made under: under a
    /// relative one `tempfile` asks for the working directory once a file.
    base: PathBuf,
    destination: Destination,
    progress: Mutex<Progress>,
    /// Whether this run made `out_dir`, to remove it again if it writes
    /// nothing.
    made_dir: bool,
    finished: bool,
    _lock: Option<DirectoryLock>,
}

/// Where a [`Writer`] puts new texts.
enum Destination {
    /// `out_dir` holds nothing of a finished run: every file goes into one
    /// temporary directory inside it.
    Fresh { staging: tempfile::TempDir },
    /// `out_dir` holds an earlier run's files, listed in its manifest:
    /// each new text goes into a temporary file beside its target.
    Existing { previous: BTreeSet<String> },
}

#[derive(Default)]
struct Progress {
    plan: Plan,
    /// Files staged beside their targets: the temporary and the target.
    staged: Vec<(PathBuf, PathBuf)>,
    /// Every path handed over.
    paths: BTreeSet<String>,
    /// The directories made so far, each made once before its first file.
    dirs: BTreeSet<PathBuf>,
    /// The first failure; the files after it are not written.
    error: Option<WriteError>,
}

/// What became of one file handed to a [`Writer`].
enum Placed {
    Unchanged,
    /// Written where it will stay or, when `staged` is given, into a
    /// temporary file beside its target.
    New {
        staged: Option<(PathBuf, PathBuf)>,
    },
    Changed {
        staged: (PathBuf, PathBuf),
    },
}

impl Writer {
    /// A writer for `out_dir`, which it makes if need be and locks,
    /// telling `waiting` when another run holds the lock and this one has
    /// to wait.
    pub fn begin(out_dir: &Path, waiting: impl FnOnce()) -> Result<Self, WriteError> {
        let made_dir = !out_dir.exists();
        let lock = match lock_directory(out_dir, true, waiting) {
            Ok(lock) => lock,
            Err(error) => {
                if made_dir {
                    let _ = std::fs::remove_dir(out_dir);
                }
                return Err(error);
            }
        };
        match Self::open(out_dir) {
            Ok(mut writer) => {
                writer.made_dir = made_dir;
                writer._lock = lock;
                Ok(writer)
            }
            Err(error) => {
                if made_dir {
                    let _ = std::fs::remove_dir(out_dir);
                }
                Err(error)
            }
        }
    }

    /// A writer for `out_dir`, whose lock the caller holds: removes what
    /// an interrupted run left over, and refuses a directory schemagen did
    /// not make.
    pub fn open(out_dir: &Path) -> Result<Self, WriteError> {
        remove_temporary_files(out_dir)?;
        let write_error = |source| WriteError::Write {
            path: out_dir.to_owned(),
            source,
        };
        let base = std::path::absolute(out_dir).unwrap_or_else(|_| out_dir.to_owned());
        let destination = if refuse_foreign_directory(out_dir)? {
            Destination::Existing {
                previous: read_manifest(out_dir)?,
            }
        } else {
            std::fs::create_dir_all(out_dir).map_err(write_error)?;
            let staging = tempfile::Builder::new()
                .prefix(TEMPORARY_PREFIX)
                .tempdir_in(&base)
                .map_err(write_error)?;
            Destination::Fresh { staging }
        };
        Ok(Self {
            out_dir: out_dir.to_owned(),
            base,
            destination,
            progress: Mutex::default(),
            made_dir: false,
            finished: false,
            _lock: None,
        })
    }

    /// Writes or stages `text` as the file at `path` (relative to the
    /// output directory), unless the directory holds it already. Called
    /// from several threads at once; a failure is kept for
    /// [`Writer::finish`], and no file after it is written.
    pub fn put(&self, path: &str, text: &str) {
        if self.progress().error.is_some() {
            return;
        }
        let placed = match &self.destination {
            Destination::Fresh { staging } => {
                let target = staging.path().join(path);
                self.make_parent(&target, path)
                    .and_then(|()| {
                        create_file(&target, text, Durability::Cached).map_err(|source| {
                            WriteError::Write {
                                path: self.out_dir.join(path),
                                source,
                            }
                        })
                    })
                    .map(|()| Placed::New { staged: None })
            }
            Destination::Existing { previous } => self.stage_beside(previous, path, text),
        };
        let mut progress = self.progress();
        progress.paths.insert(path.to_owned());
        match placed {
            Ok(Placed::Unchanged) => progress.plan.unchanged += 1,
            Ok(Placed::New { staged }) => {
                progress.plan.created.push(path.to_owned());
                progress.staged.extend(staged);
            }
            Ok(Placed::Changed { staged }) => {
                progress.plan.updated.push(path.to_owned());
                progress.staged.push(staged);
            }
            Err(error) => {
                progress.error.get_or_insert(error);
            }
        }
    }

    /// Every path handed over so far, in order: what the manifest lists.
    pub fn paths(&self) -> Vec<String> {
        self.progress().paths.iter().cloned().collect()
    }

    fn progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress
            .lock()
            .expect("no thread panics while holding the writer's progress")
    }

    /// Makes the directory `target` (the file at `path`) goes in, once.
    fn make_parent(&self, target: &Path, path: &str) -> Result<(), WriteError> {
        let Some(parent) = target.parent() else {
            return Ok(());
        };
        let mut progress = self.progress();
        if !progress.dirs.contains(parent) {
            std::fs::create_dir_all(parent).map_err(|source| WriteError::Write {
                path: self.out_dir.join(path),
                source,
            })?;
            progress.dirs.insert(parent.to_owned());
        }
        Ok(())
    }

    /// Compares `text` with the file at `path` of an earlier run's
    /// directory and stages it beside that file where it differs. A file
    /// schemagen did not write is refused, not replaced.
    fn stage_beside(
        &self,
        previous: &BTreeSet<String>,
        path: &str,
        text: &str,
    ) -> Result<Placed, WriteError> {
        refuse_symlinks(&self.out_dir, path)?;
        let target = self.base.join(path);
        match read_existing(&self.out_dir.join(path))? {
            Some(existing) if existing == text => Ok(Placed::Unchanged),
            Some(_) if previous.contains(path) => {
                let temporary = stage(&target, text, Durability::Cached)?;
                Ok(Placed::Changed {
                    staged: (temporary, target),
                })
            }
            Some(_) => Err(WriteError::ForeignFile {
                path: self.out_dir.join(path),
                manifest: self.out_dir.join(MANIFEST_FILE),
            }),
            None => {
                self.make_parent(&target, path)?;
                let temporary = stage(&target, text, Durability::Cached)?;
                Ok(Placed::New {
                    staged: Some((temporary, target)),
                })
            }
        }
    }

    /// Puts every staged file in place, with `manifest` (which lists every
    /// path handed over, see [`Writer::paths`]), and removes the files of
    /// the earlier run that were not handed over; gives what changed.
    pub fn finish(mut self, manifest: &str) -> Result<Plan, WriteError> {
        let progress = self
            .progress
            .get_mut()
            .expect("no thread panics while holding the writer's progress");
        if let Some(error) = progress.error.take() {
            // Dropping the writer removes what it staged.
            return Err(error);
        }
        let mut plan = std::mem::take(&mut progress.plan);
        let paths = std::mem::take(&mut progress.paths);
        // Still in `progress` too: if a step fails, dropping the writer
        // removes those not yet renamed.
        let staged = progress.staged.clone();
        match &self.destination {
            Destination::Fresh { staging } => {
                self.place_tree(staging.path(), &paths, manifest)?;
                plan.created.push(MANIFEST_FILE.to_owned());
            }
            Destination::Existing { previous } => {
                let manifest_path = self.out_dir.join(MANIFEST_FILE);
                match read_existing(&manifest_path)? {
                    Some(existing) if existing == manifest => plan.unchanged += 1,
                    Some(_) => plan.updated.push(MANIFEST_FILE.to_owned()),
                    None => plan.created.push(MANIFEST_FILE.to_owned()),
                }
                for path in previous.difference(&paths) {
                    refuse_symlinks(&self.out_dir, path)?;
                    if path != MANIFEST_FILE
                        && std::fs::symlink_metadata(self.out_dir.join(path)).is_ok()
                    {
                        plan.removed.push(path.clone());
                    }
                }
                self.replace_files(&plan, &staged, manifest)?;
            }
        }
        plan.created.sort();
        plan.updated.sort();
        self.finished = true;
        Ok(plan)
    }

    /// The last step into a directory that held nothing of a finished run:
    /// the manifest (fsynced, with the directory) and then each top-level
    /// entry of `staging` are renamed into place.
    fn place_tree(
        &self,
        staging: &Path,
        paths: &BTreeSet<String>,
        manifest: &str,
    ) -> Result<(), WriteError> {
        let write_error = |path: &Path| {
            let path = path.to_owned();
            move |source| WriteError::Write { path, source }
        };
        let staged_manifest = staging.join(MANIFEST_FILE);
        create_file(&staged_manifest, manifest, Durability::Synced)
            .map_err(write_error(&self.out_dir.join(MANIFEST_FILE)))?;
        replace(&staged_manifest, &self.out_dir.join(MANIFEST_FILE))?;
        sync_directory(&self.out_dir)?;
        let entries: BTreeSet<&str> = paths
            .iter()
            .map(|path| path.split('/').next().unwrap_or(path))
            .collect();
        for entry in entries {
            let target = self.out_dir.join(entry);
            std::fs::rename(staging.join(entry), &target).map_err(write_error(&target))?;
        }
        Ok(())
    }

    /// The last step into an earlier run's directory: the interim manifest
    /// if the manifest changes, the staged files renamed over their
    /// targets, the files of `plan.removed` removed, the real manifest.
    fn replace_files(
        &self,
        plan: &Plan,
        staged: &[(PathBuf, PathBuf)],
        manifest: &str,
    ) -> Result<(), WriteError> {
        if plan.is_empty() {
            return Ok(());
        }
        // The manifest, if it changes, is written before any file it lists:
        // together with the files about to be removed while those remain.
        let manifest_path = self.out_dir.join(MANIFEST_FILE);
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
            // lists appears: after a power loss, every file schemagen wrote
            // is still its to replace.
            sync_directory(&self.out_dir)?;
        }
        for (temporary, target) in staged {
            replace(temporary, target)?;
        }
        for path in &plan.removed {
            let target = self.out_dir.join(path);
            std::fs::remove_file(&target).map_err(|source| WriteError::Remove {
                path: target.clone(),
                source,
            })?;
            remove_empty_parents(&self.out_dir, &target);
        }
        if !plan.removed.is_empty() {
            replace(
                &stage(&manifest_path, manifest, Durability::Synced)?,
                &manifest_path,
            )?;
        }
        Ok(())
    }
}

impl FileSink for Writer {
    fn take(&self, path: String, text: String) {
        self.put(&path, &text);
    }
}

impl Drop for Writer {
    /// An unfinished run leaves the directory as it found it: its staged
    /// files go, and the directory too if this run made it.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Ok(progress) = self.progress.get_mut() {
            for (temporary, _) in &progress.staged {
                let _ = std::fs::remove_file(temporary);
            }
        }
        if let Destination::Fresh { staging } = &self.destination {
            let _ = std::fs::remove_dir_all(staging.path());
        }
        if self.made_dir {
            let _ = std::fs::remove_dir(&self.out_dir);
        }
    }
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
