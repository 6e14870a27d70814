//! The CLI edge of every stage's errors: turns load errors and schema errors
//! into located reports (file:line:column, a source excerpt with a caret, a
//! help line), as miette renders them or as JSON lines for editors and CI.

use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;

use crate::load::{LoadError, SourceSchema, SyntaxKind};
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
    /// Where the name a duplicate repeats was first given.
    pub first: Option<Span>,
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
        let primary =
            LabeledSpan::new_primary_with_span(Some(self.label.clone()), (span.offset, span.len));
        let first = self.first.map(|first| {
            LabeledSpan::new_with_span(
                Some("first given here".to_owned()),
                (first.offset, first.len),
            )
        });
        Some(Box::new(std::iter::once(primary).chain(first)))
    }
}

/// One JSON line of `--format json`.
#[derive(Serialize)]
struct JsonReport<'a> {
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    code: &'a str,
    /// Where a duplicate's name was first given.
    first_line: Option<usize>,
    first_column: Option<usize>,
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
            first_line: self.first.map(|s| s.line),
            first_column: self.first.map(|s| s.column),
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
            let map = source.source_map();
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
                first: error.first.as_ref().and_then(|first| map.key_span(first)),
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

/// A report pointing at the node at `path` of `source` (its key).
pub fn located_report(
    source: &SourceSchema,
    path: &crate::source_map::YamlPath,
    code: &'static str,
    message: String,
    help: String,
) -> Report {
    let file = source.path.display().to_string();
    let map = source.source_map();
    Report {
        file: file.clone(),
        message,
        code,
        help: Some(help),
        span: map.key_span(path).or_else(|| map.nearest_span(path)),
        label: format!("at `{path}`"),
        first: None,
        model: None,
        field: None,
        source: Arc::new(NamedSource::new(file, source.text.clone())),
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
            first: None,
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
            first: None,
            model: None,
            field: None,
            source: Arc::new(NamedSource::new(path.display().to_string(), String::new())),
        },
        LoadError::Syntax {
            path,
            text,
            kind,
            message,
            span,
        } => {
            let (code, help) = explain_syntax(kind, message);
            Report {
                file: path.display().to_string(),
                message: message.clone(),
                code,
                help: Some(help),
                span: *span,
                label: "here".to_owned(),
                first: None,
                model: None,
                field: None,
                source: Arc::new(NamedSource::new(path.display().to_string(), text.clone())),
            }
        }
    }
}

/// The code and the fix of each kind of input error.
fn explain_syntax(kind: &SyntaxKind, message: &str) -> (&'static str, String) {
    match kind {
        SyntaxKind::Empty => (
            "empty-schema",
            "start with `crate: NAME` and a `models:` mapping; docs/schema-format.md shows a whole schema".to_owned(),
        ),
        SyntaxKind::YamlTag => (
            "yaml-tag",
            "schema.yaml is plain YAML: mappings, lists and scalars, without tags".to_owned(),
        ),
        SyntaxKind::TooDeep => (
            "too-deep",
            "a schema needs three or four levels; write nested mappings as indented blocks".to_owned(),
        ),
        SyntaxKind::MissingKey => (
            "missing-key",
            "add the key; docs/schema-format.md lists every key".to_owned(),
        ),
        SyntaxKind::UnknownKey { allowed, .. } => (
            "unknown-key",
            format!(
                "the keys allowed here are {}",
                allowed.iter().map(|key| format!("`{key}`")).collect::<Vec<_>>().join(", ")
            ),
        ),
        SyntaxKind::WrongType => (
            "wrong-type",
            "docs/schema-format.md gives the type of every key".to_owned(),
        ),
        SyntaxKind::DuplicateKey => (
            "duplicate-key",
            "keep one of them; a key may stand once in each mapping".to_owned(),
        ),
        SyntaxKind::ControlCharacter => (
            "control-character",
            "remove it; inside a double-quoted string it may be written as an escape such as `\\t`".to_owned(),
        ),
        SyntaxKind::Malformed => ("syntax", malformed_help(message)),
    }
}

/// The likeliest cause of a YAML parse error: brackets and quotes only
/// when the message is about them, indentation otherwise.
fn malformed_help(message: &str) -> String {
    let about_flow = [
        "flow",
        "quoted",
        "quote",
        "unclosed",
        "end of stream",
        "','",
        "'}'",
        "']'",
    ];
    if about_flow.iter().any(|word| message.contains(word)) {
        "an unclosed `{`, `[` or quote at or before this point is the usual cause".to_owned()
    } else {
        "check the indentation: the keys of one mapping start in the same column, and a nested mapping is indented further than its key".to_owned()
    }
}
