//! The migrations directory: `NNNN_name/` folders, each holding the SQL of
//! both engines and a snapshot of the schema it leads to. The newest
//! snapshot is what `migrate new` compares schema.yaml with.

use std::path::{Path, PathBuf};

use super::Engine;

/// The snapshot file in each migration's folder.
pub const SNAPSHOT_FILE: &str = "schema.yaml";

/// One migration on disk.
#[derive(Debug, Clone)]
pub struct Migration {
    /// Its number, from 1, in the order migrations apply.
    pub version: u32,
    /// The folder name: `0001_init`.
    pub id: String,
    pub dir: PathBuf,
}

impl Migration {
    /// The SQL this migration runs on `engine`.
    pub fn sql(&self, engine: Engine) -> Result<String, HistoryError> {
        read(&self.dir.join(engine.file_name()))
    }

    /// The schema text the migration leads to.
    pub fn snapshot_path(&self) -> PathBuf {
        self.dir.join(SNAPSHOT_FILE)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
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
    #[error("{path}: a migration folder is named NNNN_name, numbered from 0001 without gaps")]
    BadName { path: PathBuf },
    #[error(
        "migration names are lower-case letters, digits and `_`, like `add_notes`: `{name}` is not"
    )]
    BadMigrationName { name: String },
}

fn read(path: &Path) -> Result<String, HistoryError> {
    std::fs::read_to_string(path).map_err(|source| HistoryError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The migrations in `dir`, oldest first; none if `dir` does not exist.
pub fn read_migrations(dir: &Path) -> Result<Vec<Migration>, HistoryError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(HistoryError::Read {
                path: dir.to_owned(),
                source,
            })
        }
    };
    let mut migrations = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| HistoryError::Read {
            path: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let id = entry.file_name().to_string_lossy().into_owned();
        if id.starts_with('.') {
            // A migration `migrate new` was writing when it stopped.
            continue;
        }
        let version = id
            .split_once('_')
            .filter(|(number, _)| number.len() == 4)
            .and_then(|(number, _)| number.parse::<u32>().ok())
            .ok_or_else(|| HistoryError::BadName { path: path.clone() })?;
        migrations.push(Migration {
            version,
            id,
            dir: path,
        });
    }
    migrations.sort_by_key(|m| m.version);
    for (position, migration) in migrations.iter().enumerate() {
        if migration.version as usize != position + 1 {
            return Err(HistoryError::BadName {
                path: migration.dir.clone(),
            });
        }
    }
    Ok(migrations)
}

/// A checksum of a migration's SQL (64-bit FNV-1a, hex), recorded when it
/// is applied so that a later edit of an applied migration is caught. It
/// guards against mistakes, not against an attacker who can write both the
/// file and the history table.
pub fn checksum(sql: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sql.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Writes migration `version` named `name` into `dir`: the SQL of each
/// engine and the schema snapshot, into a scratch folder renamed into
/// place last, so a crash leaves no half-written migration.
pub fn write_migration(
    dir: &Path,
    version: u32,
    name: &str,
    sql: &[(Engine, String)],
    snapshot: &str,
) -> Result<Migration, HistoryError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(HistoryError::BadMigrationName {
            name: name.to_owned(),
        });
    }
    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |source| HistoryError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let id = format!("{version:04}_{name}");
    let scratch = dir.join(format!(".{id}.partial"));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir(&scratch).map_err(write_error(&scratch))?;
    for (engine, text) in sql {
        let path = scratch.join(engine.file_name());
        std::fs::write(&path, text).map_err(write_error(&path))?;
    }
    let path = scratch.join(SNAPSHOT_FILE);
    std::fs::write(&path, snapshot).map_err(write_error(&path))?;
    let final_dir = dir.join(&id);
    std::fs::rename(&scratch, &final_dir).map_err(write_error(&final_dir))?;
    Ok(Migration {
        version,
        id,
        dir: final_dir,
    })
}
