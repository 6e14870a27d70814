//! Unknown keys, values of the wrong type and missing keys, found by the
//! loader, reported as the validator's own problems so they come in one run
//! with everything else it finds.

use super::Validator;
use crate::load::{ShapeError, ShapeKind, UnknownKey, FIELD_KEYS, MODEL_KEYS};
use crate::naming::suggest_key;
use crate::source_map::Segment;
use crate::validate::problem::Problem;

/// The model and field a path is inside, as
/// `models.<Model>.fields.<field>...` names them.
pub(super) fn model_and_field(path: &crate::source_map::YamlPath) -> (Option<&str>, Option<&str>) {
    let name = |index: usize| match path.segments.get(index) {
        Some(Segment::Key(name)) if path.segments.len() > index + 1 => Some(name.as_str()),
        _ => None,
    };
    let within_models = matches!(path.segments.first(), Some(Segment::Key(k)) if k == "models");
    let model = name(1).filter(|_| within_models);
    let field = name(3).filter(|_| within_models && name(2) == Some("fields"));
    (model, field)
}

impl Validator {
    pub(super) fn shape_error(&mut self, error: &ShapeError) {
        if error.misspelt {
            return;
        }
        // The path is the node itself: its model and field include it.
        let inside = error.path.key("_");
        let (model, field) = model_and_field(&inside);
        // `primary_key: true` one level too shallow reads as a field named
        // `primary_key`.
        if let (Some(field), ShapeKind::WrongType) = (field, error.kind) {
            if FIELD_KEYS.contains(&field) && error.path.segments.len() == 4 {
                let problem = Problem::MisindentedKey {
                    key: field.to_owned(),
                    belongs: "an option of a field",
                    place: "where a field's name goes",
                };
                self.push(problem, error.path.clone(), true, model, None);
                return;
            }
        }
        let detail = error.detail.clone();
        let problem = match error.kind {
            ShapeKind::MissingKey => Problem::MissingKey { detail },
            ShapeKind::WrongType => Problem::WrongType { detail },
        };
        // A missing key: point at the mapping's key; a wrong value: at it.
        let at_key = error.kind == ShapeKind::MissingKey;
        self.push(problem, error.path.clone(), at_key, model, field);
    }

    pub(super) fn unknown_key(&mut self, unknown: &UnknownKey) {
        let (model, field) = model_and_field(&unknown.path);
        // A field option among a model's keys, or a model key at the top.
        let misplaced = match unknown.path.segments.len() {
            3 if FIELD_KEYS.contains(&unknown.key.as_str()) => {
                Some(("an option of a field", "among the model's keys"))
            }
            1 if MODEL_KEYS.contains(&unknown.key.as_str()) => {
                Some(("a key of a model", "at the top of the file"))
            }
            _ => None,
        };
        if let Some((belongs, place)) = misplaced {
            let problem = Problem::MisindentedKey {
                key: unknown.key.clone(),
                belongs,
                place,
            };
            self.push(problem, unknown.path.clone(), true, model, field);
            return;
        }
        let problem = Problem::UnknownKey {
            key: unknown.key.clone(),
            suggestion: suggest_key(&unknown.key, unknown.allowed),
            allowed: unknown.allowed,
        };
        self.push(problem, unknown.path.clone(), true, model, field);
    }
}
