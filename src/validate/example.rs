//! A field's `example:`: read against the field's type, as a default is.
//! Whether the examples satisfy the checks is the trial's question
//! (`trial.rs`), asked once the whole schema is resolved.

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};

use super::{Problem, Validator};
use crate::ir::{ExampleValue, FieldType};
use crate::load::FieldDef;
use crate::source_map::YamlPath;

/// The text forms a datetime example may take: RFC 3339, or a date and
/// time with `T` or a space and no offset, meaning UTC.
fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

impl Validator {
    /// Resolves `value`, the `example:` of a field of type `ty`, or records
    /// why it cannot be one.
    pub(super) fn example_value(
        &mut self,
        value: &serde_yaml::Value,
        ty: &FieldType,
        def: &FieldDef,
        field_path: &YamlPath,
        here: (Option<&str>, Option<&str>),
    ) -> Option<ExampleValue> {
        use serde_yaml::Value;
        let path = field_path.key("example");
        let unused = if def.autoincrement {
            Some("the database assigns this key")
        } else if def.references.is_some() {
            Some("the tests point a reference at a parent row they insert")
        } else if value.is_null() && def.default.is_some() {
            Some("an insert stores the default where the field is left out, so never NULL")
        } else {
            None
        };
        if let Some(reason) = unused {
            self.push(
                Problem::ExampleNotUsed { reason },
                path,
                true,
                here.0,
                here.1,
            );
            return None;
        }
        if let (FieldType::String { .. } | FieldType::Text, Value::String(text)) = (ty, value) {
            if text.contains('\0') {
                self.free_text("example", Some(text), path, here.0, here.1);
                return None;
            }
        }
        let resolved = match (ty, value) {
            (_, Value::Null) if def.nullable => Some(ExampleValue::Null),
            (FieldType::Int, Value::Number(n)) => n.as_i64().map(ExampleValue::Int),
            (FieldType::Float, Value::Number(n)) => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(ExampleValue::Float),
            (FieldType::Bool, Value::Bool(b)) => Some(ExampleValue::Bool(*b)),
            (FieldType::String { max_len }, Value::String(s)) => {
                let fits = max_len.is_none_or(|n| s.chars().count() <= n as usize);
                fits.then(|| ExampleValue::String(s.clone()))
            }
            (FieldType::Text, Value::String(s)) => Some(ExampleValue::String(s.clone())),
            (FieldType::DateTime, Value::String(s)) => parse_datetime(s)
                .filter(|at| (0..=9999).contains(&at.year()))
                .map(|at| ExampleValue::DateTime(at.timestamp_millis())),
            (FieldType::Json, value) => serde_json::to_value(value)
                .ok()
                .filter(|json| !json.to_string().contains("\\u0000"))
                .map(|json| ExampleValue::Json(json.to_string())),
            (FieldType::Enum(enum_type), Value::String(s)) => {
                match enum_type.variants.iter().position(|v| v.value == *s) {
                    Some(index) => Some(ExampleValue::EnumVariant(index)),
                    None => {
                        let values = enum_type.variants.iter().map(|v| v.value.as_str());
                        let problem = Problem::ExampleNotAVariant {
                            value: s.clone(),
                            suggestion: crate::naming::suggest(s, values),
                        };
                        self.push(problem, path, false, here.0, here.1);
                        return None;
                    }
                }
            }
            _ => None,
        };
        if resolved.is_none() {
            let shown = super::yaml_text(value);
            let problem = Problem::ExampleWrongType {
                value: shown,
                ty: ty.schema_name(),
                nullable: def.nullable,
            };
            self.push(problem, path, false, here.0, here.1);
        }
        resolved
    }
}

#[cfg(test)]
mod tests {
    use super::parse_datetime;

    #[test]
    fn reads_rfc_3339_and_plain_utc_datetimes() {
        let millis = |text| parse_datetime(text).map(|at| at.timestamp_millis());
        assert_eq!(millis("1970-01-01T00:00:01Z"), Some(1_000));
        assert_eq!(millis("1970-01-01T02:00:01.5+02:00"), Some(1_500));
        assert_eq!(millis("1970-01-01 00:00:02"), Some(2_000));
        assert_eq!(millis("yesterday"), None);
    }
}
