//! Unknown keys, found by the loader, reported as the validator's own
//! problems so they come in one run with everything else it finds.

use super::Validator;
use crate::load::UnknownKey;
use crate::naming::suggest_key;
use crate::source_map::Segment;
use crate::validate::problem::Problem;

impl Validator {
    pub(super) fn unknown_key(&mut self, unknown: &UnknownKey) {
        // `models.<Model>.fields.<field>.<key>`: name the model and field.
        let name = |index: usize| match unknown.path.segments.get(index) {
            Some(Segment::Key(name)) if unknown.path.segments.len() > index + 1 => {
                Some(name.as_str())
            }
            _ => None,
        };
        let model = name(1);
        let field = name(3).filter(|_| name(2) == Some("fields"));
        let problem = Problem::UnknownKey {
            key: unknown.key.clone(),
            suggestion: suggest_key(&unknown.key, unknown.allowed),
            allowed: unknown.allowed,
        };
        self.push(problem, unknown.path.clone(), true, model, field);
    }
}
