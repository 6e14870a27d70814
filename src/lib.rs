//! schemagen: one `schema.yaml` in, a typed Rust data-access crate out.
//!
//! The stages, each in its own module and each with its own error type:
//! [`load`] (YAML to raw types) -> [`validate`] (raw types to the resolved
//! [`ir`]) -> [`render`] (IR to an in-memory map of files; cannot fail) ->
//! [`format`] (rustfmt over the Rust files) -> [`write`] (atomic, skips
//! unchanged files). [`diagnostic`] renders errors at the CLI edge.

pub mod ddl;
pub mod diagnostic;
pub mod dialect;
pub mod format;
pub mod ir;
pub mod load;
pub mod naming;
pub mod render;
pub mod source_map;
pub mod validate;
pub mod write;

use std::path::Path;

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
    Format(#[from] format::FormatError),
    #[error(transparent)]
    Write(#[from] write::WriteError),
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

/// Every stage but write: the formatted files the schema at `path` gives.
/// `previous` is the output directory of an earlier run, if it is to be
/// reused: its Rust files whose rendered text has not changed since are
/// taken as they are, without rustfmt.
pub fn generate_output(path: &Path, previous: Option<&Path>) -> Result<Output, Error> {
    let schema = load_and_validate(path)?;
    let rendered = render::render_schema(&schema);
    Ok(finish_output(rendered, previous)?)
}

/// Formats rendered output (reusing `previous`'s files where it can) and
/// adds the manifest.
pub fn finish_output(
    rendered: Output,
    previous: Option<&Path>,
) -> Result<Output, format::FormatError> {
    let cache = previous.map(format::FormatCache::read).unwrap_or_default();
    let (mut output, record) = format::format_output(rendered, &cache)?;
    render::add_manifest(&mut output, &record);
    Ok(output)
}
