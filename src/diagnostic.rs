//! The CLI edge of every stage's errors: turns load errors and schema errors
//! into located reports (file:line:column, a source excerpt with a caret, a
//! help line), as miette renders them or as JSON lines for editors and CI.

use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;

use crate::load::{LoadError, SourceSchema};
use crate::source_map::Span;
use crate::validate::SchemaError;

/// One problem, located in its file.
#[derive(Debug)]
pub struct Report {
    pub file: String,
    pub message: String,
    pub code: &'static str,
    pub help: Option<String>,
    pub span: Option<Span>,
    pub label: String,
    pub model: Option<String>,
    pub field: Option<String>,
    source: Arc<NamedSource<String>>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!("schema::{}", self.code)))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.span.map(|_| &*self.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(self.label.clone()), (span.offset, span.len)),
        )))
    }
}

/// One JSON line of `--format json`.
#[derive(Serialize)]
struct JsonReport<'a> {
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    code: &'a str,
    model: Option<&'a str>,
    field: Option<&'a str>,
    message: &'a str,
    help: Option<&'a str>,
}

impl Report {
    /// The report as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&JsonReport {
            file: &self.file,
            line: self.span.map(|s| s.line),
            column: self.span.map(|s| s.column),
            code: self.code,
            model: self.model.as_deref(),
            field: self.field.as_deref(),
            message: &self.message,
            help: self.help.as_deref(),
        })
        .expect("a report holds only strings and numbers")
    }

    /// The report as rustc-like text; `color` for terminals.
    pub fn render(&self, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_links(false)
            .with_width(100);
        let mut text = String::new();
        handler
            .render_report(&mut text, self)
            .expect("writing to a String cannot fail");
        // Where there is no excerpt, say where in words.
        match self.span {
            Some(_) => text,
            None => format!("{text}  at: {}\n", self.file),
        }
    }
}

/// Reports for every schema error, located through the source map.
pub fn schema_reports(source: &SourceSchema, errors: &[SchemaError]) -> Vec<Report> {
    let file = source.path.display().to_string();
    let named = Arc::new(NamedSource::new(file.clone(), source.text.clone()));
    let mut reports: Vec<Report> = errors
        .iter()
        .map(|error| {
            let map = &source.source_map;
            let span = if error.at_key {
                map.key_span(&error.path)
            } else {
                map.value_span(&error.path)
            }
            .or_else(|| map.nearest_span(&error.path));
            Report {
                file: file.clone(),
                message: error.headline(),
                code: error.problem.code(),
                help: Some(error.problem.help()),
                span,
                label: label_for(error),
                model: error.model.clone(),
                field: error.field.clone(),
                source: named.clone(),
            }
        })
        .collect();
    // In file order, as a reader goes through the file fixing them.
    reports.sort_by_key(|report| report.span.map_or(usize::MAX, |span| span.offset));
    reports
}

fn label_for(error: &SchemaError) -> String {
    let path = error.path.to_string();
    if path.is_empty() {
        "here".to_owned()
    } else {
        format!("at `{path}`")
    }
}

/// A report for an error of the load stage.
pub fn load_report(error: &LoadError) -> Report {
    match error {
        LoadError::Read { path, .. } => Report {
            file: path.display().to_string(),
            message: error.to_string(),
            code: "unreadable",
            help: Some("check the path, or pass another with --schema".to_owned()),
            span: None,
            label: String::new(),
            model: None,
            field: None,
            source: Arc::new(NamedSource::new(path.display().to_string(), String::new())),
        },
        LoadError::BadFileName { path, .. } => Report {
            file: path.display().to_string(),
            message: error.to_string(),
            code: "bad-file-name",
            help: Some(
                "rename the file: its name is quoted in every generated file, so it may hold no control characters, quotes, backslashes or backticks".to_owned(),
            ),
            span: None,
            label: String::new(),
            model: None,
            field: None,
            source: Arc::new(NamedSource::new(path.display().to_string(), String::new())),
        },
        LoadError::Syntax {
            path,
            text,
            message,
            span,
        } => {
            let (message, help) = explain_syntax(message);
            Report {
                file: path.display().to_string(),
                message,
                code: "syntax",
                help,
                span: *span,
                label: "here".to_owned(),
                model: None,
                field: None,
                source: Arc::new(NamedSource::new(path.display().to_string(), text.clone())),
            }
        }
    }
}

/// Adds a fix to serde_yaml's messages where one is known: a "did you mean"
/// for unknown keys, the expected keys otherwise.
fn explain_syntax(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.split("unknown field `").nth(1) {
        if let Some((unknown, expected)) = rest.split_once('`') {
            let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            let help = match crate::naming::suggest(unknown, candidates.iter().copied()) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => format!("the keys allowed here are: {}", candidates.join(", ")),
            };
            return (message.to_owned(), Some(help));
        }
    }
    if message.contains("missing field") {
        return (
            message.to_owned(),
            Some("add the key; docs/schema-format.md lists every key".to_owned()),
        );
    }
    if message.contains("invalid type") {
        return (
            message.to_owned(),
            Some("docs/schema-format.md gives the type of every key".to_owned()),
        );
    }
    (
        message.to_owned(),
        Some("the YAML is malformed at or just before this point; an unclosed `{`, `[` or quote is the usual cause".to_owned()),
    )
}
