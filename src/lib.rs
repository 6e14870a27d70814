//! schemagen: one `schema.yaml` in, a typed Rust data-access crate out.
//!
//! The stages, each in its own module and each with its own error type:
//! [`load`] (YAML to raw types) -> [`validate`] (raw types to the resolved
//! [`ir`]) -> [`render`] (IR to an in-memory map of files, the Rust laid
//! out as rustfmt would; cannot fail) -> [`write`] (atomic, skips unchanged
//! files). [`generate`] hands each rendered file to the writer as it is
//! made, so the map is never held whole. [`diagnostic`] renders errors at
//! the CLI edge.

pub mod catalog;
pub mod ddl;
pub mod diagnostic;
pub mod dialect;
pub mod ir;
pub mod load;
pub mod migrate;
pub mod naming;
pub mod render;
pub mod sample;
pub mod source_map;
pub mod validate;
pub mod write;

use std::path::{Path, PathBuf};

pub use render::Output;

/// Any stage's failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] load::LoadError),
    /// The schema is well-formed YAML but wrong; holds every mistake.
    #[error("{} has {} error(s)", .schema.path.display(), .errors.len())]
    Invalid {
        schema: Box<load::SourceSchema>,
        errors: Vec<validate::SchemaError>,
    },
    #[error(transparent)]
    Write(#[from] write::WriteError),
    #[error(transparent)]
    History(#[from] migrate::history::HistoryError),
    /// `migrate new` found changes that can lose data.
    #[error("the migration would lose data ({} change(s))", .0.len())]
    Destructive(Vec<diagnostic::Report>),
    /// schema.yaml has changes that no migration covers.
    #[error("{schema} has changes that no migration covers:\n{changes}\nrun `schemagen migrate new NAME` and commit the migration")]
    Uncovered { schema: String, changes: String },
}

/// What `migrate new` did.
#[derive(Debug)]
pub enum MigrateNew {
    Unchanged {
        last: String,
    },
    Written {
        dir: PathBuf,
        steps: Vec<(migrate::Engine, Vec<migrate::Step>)>,
    },
}

/// Loads and validates, keeping the source for located reports.
fn load_checked(path: &Path) -> Result<(load::SourceSchema, ir::Schema), Error> {
    let source = load::load_schema(path)?;
    match validate::validate_schema(&source.def, &source.file_name()) {
        Ok(schema) => Ok((source, schema)),
        Err(errors) => Err(Error::Invalid {
            schema: Box::new(source),
            errors,
        }),
    }
}

/// The schema the newest migration in `dir` leads to, and that migration's
/// id; `None` when there are none.
fn latest_snapshot(dir: &Path) -> Result<Option<(load::SourceSchema, ir::Schema, String)>, Error> {
    let migrations = migrate::history::read_migrations(dir)?;
    let Some(last) = migrations.last() else {
        return Ok(None);
    };
    let (source, schema) = load_checked(&last.snapshot_path())?;
    Ok(Some((source, schema, last.id.clone())))
}

/// `schemagen migrate new NAME`: writes the migration from the newest
/// snapshot in `dir` to the schema at `path`.
pub fn migrate_new(
    path: &Path,
    dir: &Path,
    name: &str,
    allow_destructive: bool,
) -> Result<MigrateNew, Error> {
    let (new_source, new) = load_checked(path)?;
    let latest = latest_snapshot(dir)?;
    let version = migrate::history::read_migrations(dir)?.len() as u32 + 1;
    let planned = match migrate::plan_migration(latest.as_ref().map(|(_, s, _)| s), &new) {
        Some(planned) => planned,
        None => {
            let last = latest.map(|(_, _, id)| id).unwrap_or_default();
            return Ok(MigrateNew::Unchanged { last });
        }
    };
    if !planned.findings.is_empty() && !allow_destructive {
        let reports = planned
            .findings
            .iter()
            .map(|finding| {
                let (source, path) = match &finding.place {
                    migrate::lint::Place::New(path) => (&new_source, path),
                    migrate::lint::Place::Old(path) => (
                        &latest.as_ref().expect("a removal has a previous snapshot").0,
                        path,
                    ),
                };
                diagnostic::located_report(
                    source,
                    path,
                    "destructive-change",
                    format!("this migration {}", finding.message),
                    "if that is meant, run `migrate new` again with --allow-destructive: the SQL marks the step".to_owned(),
                )
            })
            .collect();
        return Err(Error::Destructive(reports));
    }
    let id = format!("{version:04}_{name}");
    let sql: Vec<(migrate::Engine, String)> = planned
        .steps
        .iter()
        .map(|(engine, steps)| {
            (
                *engine,
                migrate::render_sql(&id, *engine, steps, &planned.findings),
            )
        })
        .collect();
    let migration = migrate::history::write_migration(dir, version, name, &sql, &new_source.text)?;
    Ok(MigrateNew::Written {
        dir: migration.dir,
        steps: planned.steps,
    })
}

/// Fails when the schema at `path` differs from the newest snapshot in
/// `dir`; passes when `dir` holds no migrations (the project does not use
/// them).
pub fn check_migrations_cover(path: &Path, dir: &Path) -> Result<(), Error> {
    let Some((_, old, _)) = latest_snapshot(dir)? else {
        return Ok(());
    };
    let (_, new) = load_checked(path)?;
    snapshot_covers(path, &old, &new)
}

/// [`check_migrations_cover`] for `schema`, the schema at `path` already
/// validated: `generate` has it, and loading it again would double the
/// time a large schema takes.
pub fn check_schema_covered(path: &Path, schema: &ir::Schema, dir: &Path) -> Result<(), Error> {
    match latest_snapshot(dir)? {
        Some((_, old, _)) => snapshot_covers(path, &old, schema),
        None => Ok(()),
    }
}

/// Fails when `schema`, the schema at `path`, differs from `old`, the
/// schema the newest migration leads to.
fn snapshot_covers(path: &Path, old: &ir::Schema, schema: &ir::Schema) -> Result<(), Error> {
    if let Some(planned) = migrate::plan_migration(Some(old), schema) {
        let changes = planned
            .steps
            .iter()
            .find(|(engine, _)| *engine == migrate::Engine::Postgres)
            .map(|(_, steps)| {
                steps
                    .iter()
                    .map(|step| format!("  - {}", step.description))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        return Err(Error::Uncovered {
            schema: path.display().to_string(),
            changes,
        });
    }
    Ok(())
}

/// The migrations directory of a schema file: `migrations` beside it.
pub fn default_migrations_dir(schema_path: &Path) -> PathBuf {
    schema_path
        .parent()
        .unwrap_or(Path::new("."))
        .join("migrations")
}

/// Renders `schema`, embedding the migrations in `dir` (see
/// [`embedded_migrations`]).
pub fn render_with_migrations(schema: &ir::Schema, dir: &Path) -> Result<Output, Error> {
    Ok(render::render_schema_with(
        schema,
        embedded_migrations(schema, dir)?,
    ))
}

/// The migrations a crate of `schema` embeds: those in `dir`, or, when
/// there are none, the one migration that creates the schema.
fn embedded_migrations(
    schema: &ir::Schema,
    dir: &Path,
) -> Result<Vec<migrate::MigrationText>, Error> {
    Ok(match migrate::read_texts(dir)? {
        Some(migrations) => migrations,
        None => vec![migrate::baseline(schema)],
    })
}

/// Load, validate and render, the rendering done while the trial of
/// validation runs ([`validate::validate_schema_beside`]): the resolved
/// schema of the file at `path` and its files, with the migrations in
/// `dir` (see [`render_with_migrations`]).
pub fn load_validate_and_render(path: &Path, dir: &Path) -> Result<(ir::Schema, Output), Error> {
    let source = load::load_schema(path)?;
    let validated = validate::validate_schema_beside(&source.def, &source.file_name(), |schema| {
        render_with_migrations(schema, dir)
    });
    match validated {
        Ok((schema, rendered)) => Ok((schema, rendered?)),
        Err(errors) => Err(Error::Invalid {
            schema: Box::new(source),
            errors,
        }),
    }
}

/// Load and validate: the resolved schema of the file at `path`.
pub fn load_and_validate(path: &Path) -> Result<ir::Schema, Error> {
    let source = load::load_schema(path)?;
    validate_source(source)
}

/// Validates an already loaded schema.
pub fn validate_source(source: load::SourceSchema) -> Result<ir::Schema, Error> {
    match validate::validate_schema(&source.def, &source.file_name()) {
        Ok(schema) => Ok(schema),
        Err(errors) => Err(Error::Invalid {
            schema: Box::new(source),
            errors,
        }),
    }
}

/// `generate`: load, validate, render and write the schema at `path` into
/// `out`, with the migrations in `dir` (see [`embedded_migrations`]);
/// gives the resolved schema and what changed.
///
/// Each file is written as soon as it is rendered ([`write::Writer`]), so
/// the output is never held whole in memory, and rendering runs while the
/// trial of validation does ([`validate::validate_schema_beside`]). The
/// output directory is made (if need be) and locked only once every other
/// check has passed, telling `waiting` when another run holds it; a
/// schema the trial refuses leaves it as it was (and removes it again if
/// this run made it).
pub fn generate(
    path: &Path,
    dir: &Path,
    out: &Path,
    waiting: impl FnOnce(),
) -> Result<(ir::Schema, write::Plan), Error> {
    let source = load::load_schema(path)?;
    let validated = validate::validate_schema_beside(&source.def, &source.file_name(), |schema| {
        let migrations = embedded_migrations(schema, dir)?;
        let writer = write::Writer::begin(out, waiting)?;
        let header = render::render_schema_into(schema, migrations, &writer);
        Ok::<_, Error>((writer, header))
    });
    match validated {
        Ok((schema, written)) => {
            let (writer, header) = written?;
            let paths = writer.paths();
            let manifest = render::manifest_text(&header, paths.iter().map(String::as_str));
            Ok((schema, writer.finish(&manifest)?))
        }
        Err(errors) => Err(Error::Invalid {
            schema: Box::new(source),
            errors,
        }),
    }
}

/// Every stage but write: the files the schema at `path` gives, with the
/// manifest.
pub fn generate_output(path: &Path) -> Result<Output, Error> {
    let (_, rendered) = load_validate_and_render(path, &default_migrations_dir(path))?;
    Ok(finish_output(rendered))
}

/// Adds the manifest to rendered output: what `write` and `--check` take.
pub fn finish_output(mut rendered: Output) -> Output {
    render::add_manifest(&mut rendered);
    rendered
}
