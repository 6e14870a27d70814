//! The values of the generated tests' seed rows: one formula per field,
//! which the tests spell as Rust (`render::test_view`) and `validate`'s
//! trial evaluates (`validate::trial`), so the rows the trial proves the
//! checks accept are the rows the tests insert.
//!
//! Row `n` of a table gets, per field, its `example:` (a unique column's
//! varied by `n`) or else a value made from `n` and the field's position.

use chrono::DateTime;
use rusqlite::types::Value;

use crate::dialect::format_float;
use crate::ir::{ExampleValue, Field, FieldType, Model};
use crate::render::view::rust_str;

/// The stored datetime format, as the generated codec writes it.
const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// The first instant seed rows count from (2026-01-01), in milliseconds:
/// `at(n, offset)` in the generated tests' common module.
const FIRST_INSTANT_MILLIS: i64 = 1_767_225_600_000;

/// How a field's value in row `n` is made.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    /// `n + offset`.
    Int { offset: i64 },
    /// `n as f64 + offset`.
    Float { offset: f64 },
    /// `text(prefix, n, max)`: `{prefix}-{n}`, cut from the left to `max`
    /// characters.
    Text { prefix: String, max: Option<u32> },
    /// `n % 2 == 1`.
    Parity,
    /// `at(n, offset)`: a minute per row, plus `offset` milliseconds.
    Instant { offset: i64 },
    /// `{ key: n }`.
    JsonKey { key: String },
    /// One of the enum's values.
    Variant(usize),
    /// The field's `example:`; `varied` adds `n` to a unique column's.
    Example { value: ExampleValue, varied: bool },
}

/// Whether no two rows may share the field's value alone or with others:
/// its rows need values that differ.
fn is_unique(model: &Model, position: usize) -> bool {
    let field = &model.fields[position];
    field.unique
        || field.primary_key
        || model
            .indexes
            .iter()
            .any(|index| index.unique && index.columns.contains(&position))
}

impl Sample {
    /// The formula for the field at `position` of `model`.
    pub fn of(model: &Model, position: usize) -> Sample {
        let field = &model.fields[position];
        if let Some(value) = &field.example {
            return Sample::Example {
                value: value.clone(),
                varied: is_unique(model, position),
            };
        }
        let offset = position as i64;
        match &field.ty {
            FieldType::Int => Sample::Int { offset },
            FieldType::Float => Sample::Float {
                offset: offset as f64 + 0.5,
            },
            FieldType::String { max_len } => Sample::Text {
                prefix: field.column.clone(),
                max: *max_len,
            },
            FieldType::Text => Sample::Text {
                prefix: field.column.clone(),
                max: None,
            },
            FieldType::Bool => Sample::Parity,
            FieldType::DateTime => Sample::Instant { offset },
            FieldType::Json => Sample::JsonKey {
                key: field.column.clone(),
            },
            FieldType::Enum(enum_type) => {
                let default = match field.default {
                    Some(crate::ir::DefaultValue::EnumVariant(index)) => Some(index),
                    _ => None,
                };
                // A value other than the default, so a stored default cannot
                // pass for a stored value.
                let chosen = (0..enum_type.variants.len())
                    .find(|&i| Some(i) != default)
                    .unwrap_or(0);
                Sample::Variant(chosen)
            }
        }
    }

    /// Whether the Rust expression names `n`.
    pub fn uses_n(&self) -> bool {
        match self {
            Sample::Variant(_) => false,
            Sample::Example { value, varied } => {
                *varied || matches!(value, ExampleValue::String(text) if text.contains("{n}"))
            }
            _ => true,
        }
    }

    /// The value as a Rust expression of the field's value type (not
    /// wrapped in `Some`), in terms of `n: i64` and the tests' helpers.
    pub fn rust(&self, krate: &str, field: &Field) -> String {
        match self {
            Sample::Int { offset: 0 } => "n".to_owned(),
            Sample::Int { offset } => format!("n + {offset}"),
            Sample::Float { offset } => format!("n as f64 + {}", format_float(*offset)),
            Sample::Text { prefix, max } => {
                let max = max.map_or("usize::MAX".to_owned(), |n| n.to_string());
                format!("text({}, n, {max})", rust_str(prefix))
            }
            Sample::Parity => "n % 2 == 1".to_owned(),
            Sample::Instant { offset } => format!("at(n, {offset})"),
            Sample::JsonKey { key } => format!("serde_json::json!({{ {}: n }})", rust_str(key)),
            Sample::Variant(index) => enum_variant(krate, field, *index),
            Sample::Example { value, varied } => example_rust(krate, field, value, *varied),
        }
    }

    /// The value row `n` stores, as SQLite stores it.
    pub fn value(&self, n: i64) -> Value {
        match self {
            Sample::Int { offset } => Value::Integer(n + offset),
            Sample::Float { offset } => Value::Real(n as f64 + offset),
            Sample::Text { prefix, max } => {
                let full = format!("{prefix}-{n}");
                let max = max.map_or(usize::MAX, |max| max as usize);
                let skip = full.chars().count().saturating_sub(max);
                Value::Text(full.chars().skip(skip).collect())
            }
            Sample::Parity => Value::Integer(i64::from(n % 2 == 1)),
            Sample::Instant { offset } => {
                datetime_value(FIRST_INSTANT_MILLIS + n * 60_000 + offset)
            }
            Sample::JsonKey { key } => Value::Text(serde_json::json!({ key: n }).to_string()),
            Sample::Variant(_) => unreachable!("enum values are read from the field"),
            Sample::Example { value, varied } => example_value(value, *varied, n),
        }
    }

    /// The value row `n` stores in `field`'s column, as SQLite stores it.
    pub fn stored(&self, field: &Field, n: i64) -> Value {
        match (self, &field.ty) {
            (Sample::Variant(index), FieldType::Enum(enum_type))
            | (
                Sample::Example {
                    value: ExampleValue::EnumVariant(index),
                    ..
                },
                FieldType::Enum(enum_type),
            ) => Value::Text(enum_type.variants[*index].value.clone()),
            _ => self.value(n),
        }
    }
}

fn enum_variant(krate: &str, field: &Field, index: usize) -> String {
    match &field.ty {
        FieldType::Enum(enum_type) => format!(
            "{krate}::{}::{}",
            enum_type.rust_name, enum_type.variants[index].rust_name
        ),
        _ => unreachable!("validate gives variants only to enum fields"),
    }
}

fn datetime_value(millis: i64) -> Value {
    let at = DateTime::from_timestamp_millis(millis).expect("a validated datetime");
    Value::Text(at.format(DATETIME_FORMAT).to_string())
}

/// Example text with `{n}` replaced; a varied example without `{n}`
/// gets `-{n}` appended.
fn example_text(text: &str, varied: bool) -> String {
    if varied && !text.contains("{n}") {
        format!("{text}-{{n}}")
    } else {
        text.to_owned()
    }
}

fn example_value(value: &ExampleValue, varied: bool, n: i64) -> Value {
    let step = if varied { n } else { 0 };
    match value {
        ExampleValue::Null => Value::Null,
        ExampleValue::Int(int) => Value::Integer(int.saturating_add(step)),
        ExampleValue::Float(float) => Value::Real(float + step as f64),
        ExampleValue::Bool(flag) => Value::Integer(i64::from(*flag)),
        ExampleValue::String(text) => {
            Value::Text(example_text(text, varied).replace("{n}", &n.to_string()))
        }
        ExampleValue::DateTime(millis) => datetime_value(millis + step * 60_000),
        ExampleValue::Json(json) => Value::Text(json.clone()),
        ExampleValue::EnumVariant(_) => unreachable!("enum values are read from the field"),
    }
}

fn example_rust(krate: &str, field: &Field, value: &ExampleValue, varied: bool) -> String {
    match value {
        ExampleValue::Null => "None".to_owned(),
        ExampleValue::Int(0) if varied => "n".to_owned(),
        ExampleValue::Int(int) if varied => format!("{int} + n"),
        ExampleValue::Int(int) => int.to_string(),
        ExampleValue::Float(float) if *float == 0.0 && varied => "n as f64".to_owned(),
        ExampleValue::Float(float) if varied => format!("{} + n as f64", format_float(*float)),
        ExampleValue::Float(float) => format_float(*float),
        ExampleValue::Bool(flag) => flag.to_string(),
        ExampleValue::String(text) => {
            let text = example_text(text, varied);
            if !text.contains("{n}") {
                return format!("{}.to_owned()", rust_str(&text));
            }
            // `format!` where the text reads as itself; pieces otherwise.
            let literal = rust_str(&text);
            let plain = !literal.contains('\\') && !text.replace("{n}", "").contains(['{', '}']);
            if plain {
                return format!("format!({literal})");
            }
            let pieces: Vec<String> = text.split("{n}").map(rust_str).collect();
            format!("[{}].concat()", pieces.join(", &n.to_string(), "))
        }
        ExampleValue::DateTime(millis) if varied => {
            format!("chrono::DateTime::from_timestamp_millis({millis} + n * 60_000).unwrap()")
        }
        ExampleValue::DateTime(millis) => {
            format!("chrono::DateTime::from_timestamp_millis({millis}).unwrap()")
        }
        ExampleValue::Json(json) => {
            format!(
                "serde_json::from_str::<serde_json::Value>({}).unwrap()",
                rust_str(json)
            )
        }
        ExampleValue::EnumVariant(index) => enum_variant(krate, field, *index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_varied_example_gets_the_row_number() {
        let text = |value: &str, varied| {
            let value = ExampleValue::String(value.to_owned());
            match example_value(&value, varied, 7) {
                Value::Text(text) => text,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(text("a@b.c", false), "a@b.c");
        assert_eq!(text("a@b.c", true), "a@b.c-7");
        assert_eq!(text("u{n}@b.c", true), "u7@b.c");
        assert_eq!(text("u{n}@b.c", false), "u7@b.c");
        assert_eq!(
            example_value(&ExampleValue::Int(5), true, 7),
            Value::Integer(12)
        );
    }

    #[test]
    fn text_with_the_row_number_is_spelled_as_rust_reads_it() {
        let field = Field {
            column: "label".into(),
            rust_name: "label".into(),
            ty: FieldType::Text,
            nullable: false,
            default: None,
            example: None,
            primary_key: false,
            autoincrement: false,
            unique: true,
            foreign_key: None,
            doc: None,
            renamed_from: None,
        };
        let rust = |text: &str| {
            let value = ExampleValue::String(text.to_owned());
            example_rust("krate", &field, &value, true)
        };
        assert_eq!(rust("user{n}@x.io"), r#"format!("user{n}@x.io")"#);
        assert_eq!(rust("plain"), r#"format!("plain-{n}")"#);
        assert_eq!(
            rust("it's \"{n}\""),
            r#"["it's \"", &n.to_string(), "\""].concat()"#
        );
        assert_eq!(rust("{a}{n}"), r#"["{a}", &n.to_string(), ""].concat()"#);
    }

    #[test]
    fn instants_are_stored_as_the_codec_writes_them() {
        assert_eq!(
            Sample::Instant { offset: 1 }.value(1),
            Value::Text("2026-01-01T00:01:00.001Z".to_owned())
        );
    }
}
