//! schemagen: one `schema.yaml` in, a typed Rust data-access crate out.
//!
//! The stages, each in its own module and each with its own error type:
//! [`load`] (YAML to raw types) -> [`validate`] (raw types to the resolved
//! [`ir`]) -> [`render`] (IR to an in-memory map of files; cannot fail) ->
//! [`format`] (rustfmt over the Rust files) -> [`write`] (atomic, skips
//! unchanged files). [`diagnostic`] renders errors at the CLI edge.

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
pub fn generate_output(path: &Path) -> Result<Output, Error> {
    let schema = load_and_validate(path)?;
    let output = render::render_schema(&schema);
    Ok(format::format_output(output)?)
}
