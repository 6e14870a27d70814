//! Stage 1, load: reads `schema.yaml` text into the raw types below, which
//! mirror the YAML exactly and check nothing but its shape. Gives a
//! [`SourceSchema`]: the raw definition plus the text and a [`SourceMap`] so
//! later stages can point at the YAML node a problem comes from.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

mod recover;

pub use recover::{ShapeError, ShapeKind};

use crate::source_map::{Segment, SourceMap, Span, YamlPath};

/// A schema file as read from disk: its name, its text, the raw definition
/// and where each YAML node of it stands.
#[derive(Debug)]
pub struct SourceSchema {
    /// The path the schema was read from, as the user gave it.
    pub path: PathBuf,
    /// The whole text of the file.
    pub text: String,
    /// The definition, exactly as written.
    pub def: SchemaDef,
    /// Positions of the YAML nodes, by their path in the document: read
    /// again from `text` when a message first needs them. Loading reads
    /// them once (for the unknown keys) and lets them go; kept, they were
    /// the largest thing held while a large schema renders (300 MB at
    /// 10,000 models), and only a schema with mistakes needs them.
    positions: std::sync::OnceLock<SourceMap>,
}

impl SourceSchema {
    /// Positions of the YAML nodes, by their path in the document.
    pub fn source_map(&self) -> &SourceMap {
        self.positions.get_or_init(|| SourceMap::build(&self.text))
    }

    /// The file name alone, used in generated headers so that output never
    /// depends on where the checkout lives.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "schema.yaml".to_owned())
    }
}

// Unknown keys do not stop deserialization: the loader finds every one of
// them through the source map (see `UnknownKey`), so the validator can
// report them all with its own findings in one run.
/// The whole `schema.yaml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SchemaDef {
    /// Package name of the generated crate (`pipeline-db`).
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// Models in the order written; that order reaches the output.
    pub models: OrderedMap<ModelDef>,
    /// Keys the format does not have, filled in by the loader.
    #[serde(skip)]
    #[schemars(skip)]
    pub unknown_keys: Vec<UnknownKey>,
    /// Values of the wrong type and missing keys, each left out so the
    /// rest could be read; filled in by the loader.
    #[serde(skip)]
    #[schemars(skip)]
    pub shape_errors: Vec<ShapeError>,
}

/// A key the format does not have at its place, and the keys it does.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownKey {
    pub path: YamlPath,
    pub key: String,
    pub allowed: &'static [&'static str],
}

/// The keys of each mapping of the format, as the types below name them
/// (a test holds them to the JSON Schema).
pub const SCHEMA_KEYS: &[&str] = &["crate", "models"];
pub const MODEL_KEYS: &[&str] = &[
    "table",
    "doc",
    "fields",
    "indexes",
    "checks",
    "renamed_from",
];
pub const FIELD_KEYS: &[&str] = &[
    "type",
    "nullable",
    "default",
    "example",
    "primary_key",
    "autoincrement",
    "unique",
    "references",
    "on_delete",
    "relation",
    "values",
    "doc",
    "renamed_from",
];
pub const INDEX_KEYS: &[&str] = &["name", "columns", "unique", "order"];
pub const CHECK_KEYS: &[&str] = &["name", "expr"];

/// Every key of the document the format does not have where it stands, in
/// path order.
fn unknown_keys(text: &str) -> Vec<UnknownKey> {
    let mut unknown = Vec::new();
    // Copies of a repeated unknown key, by path: the second is occurrence 1.
    let mut copies: BTreeMap<Vec<Segment>, usize> = BTreeMap::new();
    crate::source_map::walk_keyed_nodes(text, |path| {
        let (Some(allowed), Some(Segment::Key(name))) = (allowed_keys(path), path.last()) else {
            return;
        };
        if allowed.contains(&name.as_str()) {
            return;
        }
        let occurrence = copies.entry(path.to_vec()).or_default();
        unknown.push(UnknownKey {
            key: name.clone(),
            path: YamlPath {
                segments: path.to_vec(),
                occurrence: *occurrence,
            },
            allowed,
        });
        *occurrence += 1;
    });
    unknown.sort_by(|a, b| a.path.cmp(&b.path));
    unknown
}

/// The keys the format has in the mapping that holds the node at `path`,
/// where the format has one there.
fn allowed_keys(path: &[Segment]) -> Option<&'static [&'static str]> {
    let is = |segment: &Segment, name: &str| matches!(segment, Segment::Key(key) if key == name);
    match path {
        [_] => Some(SCHEMA_KEYS),
        [models, Segment::Key(_), _] if is(models, "models") => Some(MODEL_KEYS),
        [models, Segment::Key(_), list, Segment::Key(_), _]
            if is(models, "models") && is(list, "fields") =>
        {
            Some(FIELD_KEYS)
        }
        [models, Segment::Key(_), list, Segment::Index(_), _]
            if is(models, "models") && is(list, "indexes") =>
        {
            Some(INDEX_KEYS)
        }
        [models, Segment::Key(_), list, Segment::Index(_), _]
            if is(models, "models") && is(list, "checks") =>
        {
            Some(CHECK_KEYS)
        }
        _ => None,
    }
}

/// One model: a Rust type and the table that stores it.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ModelDef {
    /// SQL table name.
    pub table: String,
    /// Documentation, copied into rustdoc and SQL comments.
    #[serde(default)]
    pub doc: Option<String>,
    /// Fields in column order.
    pub fields: OrderedMap<FieldSpec>,
    /// Named indexes; each gives a finder.
    #[serde(default)]
    pub indexes: Vec<IndexDef>,
    /// Table CHECK constraints.
    #[serde(default)]
    pub checks: Vec<CheckDef>,
    /// The model's name or table name before a rename: `migrate new`
    /// renames the table, keeping its rows, instead of dropping it.
    #[serde(default)]
    pub renamed_from: Option<String>,
}

/// One field, either in full (a mapping) or as the shorthand `name: type`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FieldDef {
    /// `int`, `float`, `string(n)`, `string`, `text`, `bool`, `datetime`,
    /// `json` or `enum`; parsed by the validator so it can suggest fixes.
    #[serde(rename = "type")]
    pub ty: String,
    /// NULL allowed; the Rust type becomes `Option<T>`.
    #[serde(default)]
    pub nullable: bool,
    /// A scalar; its meaning depends on the type (`now` for datetimes).
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub default: Option<serde_yaml::Value>,
    /// A value of the field's type for the generated tests' rows, and for
    /// the row `validate` inserts to prove the checks accept them: give
    /// one where a check would refuse the value the tests make up. In
    /// text, `{n}` stands for the row's number; a unique column's example
    /// without it gets `-{n}` appended.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<serde_json::Value>")]
    pub example: Option<serde_yaml::Value>,
    /// The row's key; exactly one field per model.
    #[serde(default)]
    pub primary_key: bool,
    /// The database assigns the key (int primary keys only).
    #[serde(default)]
    pub autoincrement: bool,
    /// No two rows share the value; gives a `get_by_<field>` finder.
    #[serde(default)]
    pub unique: bool,
    /// `table.column` of the referenced row.
    #[serde(default)]
    pub references: Option<String>,
    /// `cascade`, `set_null`, `restrict` or `no_action`.
    #[serde(default)]
    pub on_delete: Option<String>,
    /// Name of the parent accessor; defaults to the field name less `_id`.
    #[serde(default)]
    pub relation: Option<String>,
    /// The allowed strings of an `enum` field.
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// Documentation of the field, copied into rustdoc.
    #[serde(default)]
    pub doc: Option<String>,
    /// The column's name before a rename: `migrate new` renames the
    /// column, keeping its values, instead of dropping it.
    #[serde(default)]
    pub renamed_from: Option<String>,
}

/// A key that is present, even as `null`: `example: null` is an example.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<serde_yaml::Value>, D::Error> {
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// A named index over one or more columns.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct IndexDef {
    /// SQL index name, unique in the whole schema.
    pub name: String,
    /// Columns of the model, in index order. A multi-column index's finder
    /// filters on all but the last and orders by the last.
    pub columns: Vec<String>,
    /// A unique index; its finder returns at most one row.
    #[serde(default)]
    pub unique: bool,
    /// `asc` or `desc`: the order in which the finder returns rows.
    #[serde(default)]
    pub order: Option<String>,
}

/// A table CHECK constraint.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CheckDef {
    /// Constraint name; defaults to `<table>_check_<n>`.
    #[serde(default)]
    pub name: Option<String>,
    /// A boolean SQL expression over the model's columns.
    pub expr: String,
}

/// A YAML mapping read in document order, duplicates kept so the validator
/// can report them with both positions (serde_yaml would stop at the first).
#[derive(Debug)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> OrderedMap<V> {
    pub fn iter(&self) -> impl Iterator<Item = &(String, V)> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedMapVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedMapVisitor<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of names to definitions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, V>()? {
                    entries.push(entry);
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(OrderedMapVisitor(PhantomData))
    }
}

/// Accepts the shorthand `title: string(500)` beside the full mapping.
fn deserialize_field<'de, D: Deserializer<'de>>(deserializer: D) -> Result<FieldDef, D::Error> {
    struct FieldVisitor;
    impl<'de> Visitor<'de> for FieldVisitor {
        type Value = FieldDef;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a type such as `int` or a mapping with a `type` key")
        }
        fn visit_str<E: de::Error>(self, ty: &str) -> Result<FieldDef, E> {
            Ok(FieldDef {
                ty: ty.to_owned(),
                ..FieldDef::default()
            })
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldDef, A::Error> {
            FieldDef::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_any(FieldVisitor)
}

impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}

impl JsonSchema for FieldSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "FieldSpec".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A field: its type alone (`title: string(500)`) or a mapping of options.",
            "anyOf": [
                { "type": "string", "description": "The field's type, for a required field without options." },
                generator.subschema_for::<FieldDef>(),
            ],
        })
    }
}

/// Newtype so `OrderedMap<FieldSpec>` can use the shorthand-aware reader.
#[derive(Debug)]
pub struct FieldSpec(pub FieldDef);

impl<'de> Deserialize<'de> for FieldSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_field(deserializer).map(FieldSpec)
    }
}

impl std::ops::Deref for FieldSpec {
    type Target = FieldDef;
    fn deref(&self) -> &FieldDef {
        &self.0
    }
}

/// What can go wrong before the schema's meaning is even looked at.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file's name cannot stand in the comments and strings of the
    /// generated files that name it.
    #[error("the schema's file name {name:?} contains {character}")]
    BadFileName {
        path: PathBuf,
        name: String,
        character: String,
    },
    /// Not YAML, or YAML of the wrong shape (a key missing, a value of the
    /// wrong type).
    #[error("{message}")]
    Syntax {
        path: PathBuf,
        text: String,
        // Boxed to keep `Result<_, LoadError>` small.
        kind: Box<SyntaxKind>,
        message: String,
        span: Option<Span>,
    },
}

/// What kind of input error a [`LoadError::Syntax`] is; each has its own
/// code and fix.
#[derive(Debug, Clone, PartialEq)]
pub enum SyntaxKind {
    /// Nothing but white space and comments.
    Empty,
    /// Not YAML: an unclosed bracket or quote, a bad indentation.
    Malformed,
    /// A YAML tag (`!evil`), which serde would silently ignore.
    YamlTag,
    /// `[` and `{` nested deeper than [`MAX_FLOW_NESTING`].
    TooDeep,
    /// A required key is absent.
    MissingKey,
    /// A misspelt key, which also explains a missing one.
    UnknownKey { allowed: &'static [&'static str] },
    /// A value of the wrong YAML type.
    WrongType,
    /// A mapping gives one key twice.
    DuplicateKey,
    /// A raw control character, which YAML does not allow.
    ControlCharacter,
}

/// Reads and parses the schema file at `path`.
pub fn load_schema(path: &Path) -> Result<SourceSchema, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    load_schema_str(path, text)
}

/// Parses schema text; `path` only names it in errors and headers.
pub fn load_schema_str(path: &Path, text: String) -> Result<SourceSchema, LoadError> {
    check_file_name(path)?;
    // YAML reads a lone CR as a line break; make it one everywhere, so
    // every line and column reported counts lines as the reader sees them.
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    let syntax_error =
        |kind: SyntaxKind, message: String, span: Option<Span>, text: String| LoadError::Syntax {
            path: path.to_owned(),
            text,
            kind: Box::new(kind),
            message,
            span,
        };
    let is_blank = text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'));
    if is_blank {
        let span = Some(Span::at_offset(&text, 0));
        let message = "the schema is empty".to_owned();
        return Err(syntax_error(SyntaxKind::Empty, message, span, text));
    }
    if let Some((offset, c)) = text
        .char_indices()
        .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\u{85}'))
    {
        let span = Some(Span::at_offset(&text, offset));
        let message = format!(
            "a raw control character (U+{:04X}) stands in the text, which YAML does not allow",
            u32::from(c)
        );
        return Err(syntax_error(
            SyntaxKind::ControlCharacter,
            message,
            span,
            text,
        ));
    }
    if let Err((kind, message, offset)) = check_structure(&text) {
        let span = Some(Span::at_offset(&text, offset));
        return Err(syntax_error(kind, message, span, text));
    }
    // serde does not say which keys it ignored, so the document's keys are
    // read once more; that walk and serde's parse need nothing of each
    // other and run side by side.
    let (parsed, unknown_keys) = std::thread::scope(|scope| {
        let unknown_keys = scope.spawn(|| unknown_keys(&text));
        let parsed = parse_schema(&text);
        let unknown_keys = unknown_keys.join().expect("reading keys does not panic");
        (parsed, unknown_keys)
    });
    let mut def = match parsed {
        Ok(def) => def,
        Err(error) => {
            let span = error
                .location()
                .map(|location| Span::at_offset(&text, location.index()));
            let message = strip_location(&error.to_string());
            let kind = if message.contains("missing field `") {
                SyntaxKind::MissingKey
            } else if message.contains("duplicate field `") {
                SyntaxKind::DuplicateKey
            } else if message.contains("invalid type") || message.contains("invalid value") {
                SyntaxKind::WrongType
            } else {
                SyntaxKind::Malformed
            };
            if kind == SyntaxKind::DuplicateKey {
                if let Some((message, span)) = duplicate_key(&text, &message) {
                    return Err(syntax_error(kind, message, Some(span), text));
                }
            }
            let recoverable = matches!(kind, SyntaxKind::MissingKey | SyntaxKind::WrongType);
            match recoverable
                .then(|| recover::read_past_shape_errors(&text))
                .flatten()
            {
                Some(def) => def,
                None => {
                    // A key is most often missing because it is misspelt.
                    if kind == SyntaxKind::MissingKey {
                        if let Some((kind, message, span)) = misspelt_key(&text, &message) {
                            return Err(syntax_error(kind, message, Some(span), text));
                        }
                    }
                    return Err(syntax_error(kind, message, span, text));
                }
            }
        }
    };
    def.unknown_keys = unknown_keys;
    // A key missing where a misspelt one stands is that misspelling, which
    // the unknown key reports.
    let unknown = &def.unknown_keys;
    for error in &mut def.shape_errors {
        let missing = error.detail.split('`').nth(1);
        error.misspelt = error.kind == ShapeKind::MissingKey
            && unknown.iter().any(|u| {
                u.path.segments[..u.path.segments.len() - 1] == error.path.segments[..]
                    && crate::naming::suggest_key(&u.key, u.allowed).as_deref() == missing
            });
    }
    Ok(SourceSchema {
        path: path.to_owned(),
        text,
        def,
        positions: std::sync::OnceLock::new(),
    })
}

/// serde's parse of `text`: of a large schema, in two halves on two
/// threads where [`split_models`] finds a place to cut it, and then the
/// same as one parse of the whole, which is what any text either half
/// does not parse alone gets (so every error is the whole text's).
/// serde's parse of a 10,000-model schema took twice as long as anything
/// beside it in loading.
fn parse_schema(text: &str) -> Result<SchemaDef, serde_yaml::Error> {
    /// Below this, a second thread costs more than it saves.
    const SPLIT_FROM: usize = 256 << 10;
    if text.len() >= SPLIT_FROM {
        if let Some(def) = parse_in_halves(text) {
            return Ok(def);
        }
    }
    serde_yaml::from_str(text)
}

/// The models after the cut of [`split_models`], under a `models:` key of
/// their own.
#[derive(Deserialize)]
struct LaterModels {
    models: OrderedMap<ModelDef>,
}

/// [`parse_schema`] in two halves, or `None` where the text cannot be cut
/// or either half does not parse alone.
fn parse_in_halves(text: &str) -> Option<SchemaDef> {
    let cut = split_models(text)?;
    let later = format!("models:\n{}", &text[cut..]);
    let (first, later) = std::thread::scope(|scope| {
        let later = scope.spawn(|| serde_yaml::from_str::<LaterModels>(&later));
        let first = serde_yaml::from_str::<SchemaDef>(&text[..cut]);
        (first, later.join().expect("parsing does not panic"))
    });
    let mut def = first.ok()?;
    def.models.0.extend(later.ok()?.models.0);
    Some(def)
}

/// Where `text` can be cut in two between models, near the middle of
/// them: a byte offset at the start of a model's key line. Only where
/// `models` is a block mapping and the document's last key (every line
/// after `models:` indented, blank or a comment), and at a line that
/// holds nothing but a plain model name and its colon, at the indent of
/// the first model: no scalar or collection of an earlier model can go on
/// there, since every line of one is indented further (a construct cut
/// apart would leave the first half unparsable, and the whole is parsed
/// instead).
fn split_models(text: &str) -> Option<usize> {
    let mut offset = 0;
    let mut models_at = None;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "models:" {
            models_at = Some(offset + line.len());
            break;
        }
        offset += line.len();
    }
    let start = models_at?;
    let section = &text[start..];
    let mut indent = None;
    let mut candidates = Vec::new();
    let mut at = start;
    for line in section.split_inclusive('\n') {
        let content = line.trim_start_matches(' ');
        let blank = content.trim().is_empty() || content.starts_with('#');
        if !blank {
            let width = line.len() - content.len();
            if width == 0 || content.starts_with('\t') {
                return None;
            }
            let model_indent = *indent.get_or_insert(width);
            if width < model_indent {
                return None;
            }
            let name = content.trim_end().strip_suffix(':');
            let plain_name = name.is_some_and(|name| {
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
            if width == model_indent {
                if !plain_name {
                    return None;
                }
                candidates.push(at);
            }
        }
        at += line.len();
    }
    // The first model's line is no cut: the first half would hold none.
    let middle = start + section.len() / 2;
    candidates
        .into_iter()
        .skip(1)
        .min_by_key(|&candidate| candidate.abs_diff(middle))
}

/// The unknown key that stands where serde's missing one should, when a
/// missing-key `message` is explained by a misspelling: its kind, message
/// and position.
fn misspelt_key(text: &str, message: &str) -> Option<(SyntaxKind, String, Span)> {
    let missing = message.split("missing field `").nth(1)?.split('`').next()?;
    let source_map = SourceMap::build(text);
    unknown_keys(text).into_iter().find_map(|unknown| {
        let suggestion = crate::naming::suggest_key(&unknown.key, unknown.allowed)?;
        if suggestion != missing {
            return None;
        }
        let span = source_map.key_span(&unknown.path)?;
        let mut parent = unknown.path.clone();
        parent.segments.pop();
        let place = match parent.segments.is_empty() {
            true => String::new(),
            false => format!("{parent}: "),
        };
        let message = format!(
            "{place}unknown key `{}`; did you mean `{missing}`?",
            unknown.key
        );
        let kind = SyntaxKind::UnknownKey {
            allowed: unknown.allowed,
        };
        Some((kind, message, span))
    })
}

/// serde's "PATH: duplicate field `KEY`", naming the lines of both copies
/// and pointing at the second.
fn duplicate_key(text: &str, message: &str) -> Option<(String, Span)> {
    let (at, rest) = message.split_once(": duplicate field `")?;
    let key = rest.split('`').next()?;
    let mut path = YamlPath::root();
    for part in at.split('.') {
        path = match part.parse::<usize>() {
            Ok(index) if part.starts_with(|c: char| c.is_ascii_digit()) => path.index(index),
            _ => path.key(part),
        };
    }
    let source_map = SourceMap::build(text);
    let first = source_map.key_span(&path.key(key))?;
    let second = source_map.key_span(&path.key(key).nth(1))?;
    let message = format!(
        "{at}: `{key}` is given twice, on line {} and on line {}",
        first.line, second.line
    );
    Some((message, second))
}

/// How deeply `[` and `{` may nest. A schema needs three or four levels;
/// the YAML parser takes time quadratic in the depth.
pub const MAX_FLOW_NESTING: usize = 32;

/// One linear pass over the text before it is parsed: refuses flow
/// collections nested deeper than [`MAX_FLOW_NESTING`] and YAML tags
/// (`!evil`), which serde would otherwise silently ignore. Gives the kind,
/// message and byte offset of the first problem.
fn check_structure(text: &str) -> Result<(), (SyntaxKind, String, usize)> {
    let mut depth = 0usize;
    // Whether the next character begins a node, where a tag could stand.
    let mut node_start = true;
    let mut chars = text.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        match c {
            '\n' => node_start = true,
            ' ' | '\t' | '\r' => {}
            '#' if node_start || text[..offset].ends_with([' ', '\t']) => {
                // A comment runs to the end of the line.
                while chars.next_if(|(_, c)| *c != '\n').is_some() {}
            }
            '\'' | '"' if node_start => {
                // A quoted scalar: skip it whole, escapes and all.
                while let Some((_, inner)) = chars.next() {
                    if inner == '\\' && c == '"' {
                        chars.next();
                    } else if inner == c {
                        if c == '\'' && chars.next_if(|(_, next)| *next == '\'').is_some() {
                            continue;
                        }
                        break;
                    }
                }
                node_start = false;
            }
            '[' | '{' if node_start => {
                depth += 1;
                if depth > MAX_FLOW_NESTING {
                    return Err((
                        SyntaxKind::TooDeep,
                        format!("`[` and `{{` nest deeper than {MAX_FLOW_NESTING} levels"),
                        offset,
                    ));
                }
            }
            ']' | '}' if depth > 0 => {
                depth -= 1;
                node_start = false;
            }
            ',' if depth > 0 => node_start = true,
            // `- ` and `? ` open a node only where a node starts; `: ` ends
            // a key anywhere. Inside a plain scalar (`a - b`) they are text.
            '-' | '?' if node_start && followed_by_space(&mut chars) => {}
            ':' if followed_by_space(&mut chars) => node_start = true,
            '|' | '>' if node_start && depth == 0 => {
                // A block scalar: its lines are text, indented deeper than
                // the line that opens it.
                let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
                let indent = text[line_start..].find(|c: char| c != ' ').unwrap_or(0);
                while chars.next_if(|(_, c)| *c != '\n').is_some() {}
                while let Some(&(newline, _)) = chars.peek() {
                    let line = &text[newline + 1..];
                    let line = &line[..line.find('\n').unwrap_or(line.len())];
                    let blank = line.trim().is_empty();
                    let deeper = line.len() - line.trim_start_matches(' ').len() > indent;
                    if !(blank || deeper) || newline + 1 >= text.len() {
                        break;
                    }
                    chars.next();
                    while chars.next_if(|(_, c)| *c != '\n').is_some() {}
                }
            }
            '!' if node_start => {
                let end = text[offset..]
                    .find(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}'))
                    .map_or(text.len(), |length| offset + length);
                return Err((
                    SyntaxKind::YamlTag,
                    format!(
                        "`{}` is a YAML tag, which schema.yaml does not use; remove it",
                        &text[offset..end]
                    ),
                    offset,
                ));
            }
            _ => node_start = false,
        }
    }
    Ok(())
}

/// Whether the next character is white space or the end of the text.
fn followed_by_space(chars: &mut std::iter::Peekable<std::str::CharIndices>) -> bool {
    chars.peek().is_none_or(|(_, next)| next.is_whitespace())
}

/// The generated headers, comments and Cargo.toml quote the schema's file
/// name; a line break would end a comment, a quote or backslash a string.
fn check_file_name(path: &Path) -> Result<(), LoadError> {
    let Some(name) = path.file_name().map(|name| name.to_string_lossy()) else {
        return Ok(());
    };
    let bad = name
        .chars()
        .find(|&c| c.is_control() || matches!(c, '"' | '\\' | '`' | '\u{2028}' | '\u{2029}'));
    match bad {
        Some(c) => Err(LoadError::BadFileName {
            path: path.to_owned(),
            name: name.into_owned(),
            character: if c.is_control() || c > '\u{7f}' {
                format!("the control character U+{:04X}", u32::from(c))
            } else {
                format!("`{c}`")
            },
        }),
        None => Ok(()),
    }
}

/// serde_yaml appends " at line L column C"; the diagnostic shows the
/// position itself, so the sentence reads better without it.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The JSON Schema of `schema.yaml`, derived from the raw types above so it
/// can never disagree with the loader; editors use it for completion and
/// hover docs (`docs/schema.json`).
pub fn render_json_schema() -> String {
    let schema = schemars::schema_for!(SchemaDef);
    let mut text = serde_json::to_string_pretty(&schema).expect("a JSON schema serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key lists that find unknown keys are the keys the types read.
    #[test]
    fn key_lists_match_the_json_schema() {
        let schema: serde_json::Value = serde_json::from_str(&render_json_schema()).unwrap();
        let keys = |node: &serde_json::Value| -> Vec<String> {
            let mut keys: Vec<String> = node["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            keys.sort();
            keys
        };
        let sorted = |list: &[&str]| -> Vec<String> {
            let mut list: Vec<String> = list.iter().map(|key| (*key).to_owned()).collect();
            list.sort();
            list
        };
        let defs = &schema["$defs"];
        assert_eq!(keys(&schema), sorted(SCHEMA_KEYS));
        assert_eq!(keys(&defs["ModelDef"]), sorted(MODEL_KEYS));
        assert_eq!(keys(&defs["FieldDef"]), sorted(FIELD_KEYS));
        assert_eq!(keys(&defs["IndexDef"]), sorted(INDEX_KEYS));
        assert_eq!(keys(&defs["CheckDef"]), sorted(CHECK_KEYS));
    }

    #[test]
    fn every_unknown_key_is_found_and_a_misspelt_required_key_is_named() {
        let text = "crate: x\nmodels:\n  A:\n    table: a\n    colour: red\n    fields:\n      id: {type: int, nulable: true}\n";
        let source = load_schema_str(Path::new("s.yaml"), text.to_owned()).unwrap();
        let found: Vec<&str> = source
            .def
            .unknown_keys
            .iter()
            .map(|u| u.key.as_str())
            .collect();
        assert_eq!(found, ["colour", "nulable"]);
        let text = "crate_name: x\nmodels: {}\n";
        let Err(LoadError::Syntax {
            kind,
            span,
            message,
            ..
        }) = load_schema_str(Path::new("s.yaml"), text.to_owned())
        else {
            panic!("a missing crate key is an error");
        };
        assert!(matches!(*kind, SyntaxKind::UnknownKey { .. }));
        assert!(message.contains("did you mean `crate`?"), "{message}");
        assert_eq!(span.map(|s| (s.line, s.column)), Some((1, 1)));
    }

    #[test]
    fn lines_ending_in_a_lone_cr_are_counted_as_lines() {
        let text = "crate: x\rmodels:\r  A:\r    table: a\r    fields:\r      id: {type: int\r";
        let Err(LoadError::Syntax { span, .. }) =
            load_schema_str(Path::new("s.yaml"), text.to_owned())
        else {
            panic!("an unclosed mapping is an error");
        };
        assert!(span.unwrap().line >= 6, "{span:?}");
    }

    /// Every schema text of the repository whose whole parses, and larger
    /// ones with every kind of model line: read in two halves, each gives
    /// what one parse of the whole gives.
    #[test]
    fn a_schema_read_in_halves_is_the_schema_read_whole() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = vec![std::fs::read_to_string(root.join("schema.yaml")).unwrap()];
        let mut pending = vec![root.join("tests")];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut big = String::from("# a comment\ncrate: big\nmodels:\n");
        for i in 0..40 {
            big.push_str(&format!(
                "  M{i}:\n    table: m_{i}\n    doc: |\n      Two lines\n\n      of doc.\n    fields:\n      id: {{ type: int, primary_key: true }}\n      note: \"a\n        b\"\n\n  # between models\n"
            ));
        }
        texts.push(big.clone());
        texts.push(big.replace("  M20:\n", "  M20: # a comment\n"));
        texts.push(big.replace("  M20:\n", "  &m M20:\n"));
        // A model named twice, once in each half: both copies are kept.
        texts.push(big.replace("  M35:\n", "  M5:\n"));
        // An alias in the second half of an anchor in the first.
        texts.push(
            big.replace("    table: m_3\n", "    table: &t m_3\n")
                .replace("    table: m_30\n", "    table: *t\n"),
        );
        texts.push(format!("{big}crate: again\n"));
        let mut split = 0;
        for text in &texts {
            let Ok(whole) = serde_yaml::from_str::<SchemaDef>(text) else {
                assert!(parse_in_halves(text).is_none(), "{text}");
                continue;
            };
            if let Some(halves) = parse_in_halves(text) {
                split += 1;
                assert_eq!(format!("{halves:?}"), format!("{whole:?}"), "{text}");
            }
        }
        assert!(split >= 3, "only {split} texts were cut");
    }
}
