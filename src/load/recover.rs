//! Reading past shape errors, part of stage 1 (load). serde stops at the
//! first value of the wrong type or missing key; to report them all in one
//! run, with the validator's findings beside them, the document is read as
//! a YAML tree, and each node serde refuses is recorded and left out (its
//! mapping entry removed) until the rest reads. Only mapping entries are
//! removed, never sequence items, so every path recorded still names its
//! node in the original text, where the source map locates it.

use serde_yaml::{Mapping, Value};

use super::SchemaDef;
use crate::source_map::{Segment, YamlPath};

/// A value of the wrong type, or a mapping without a required key.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeError {
    /// The node serde refused, or the mapping that lacks a key.
    pub path: YamlPath,
    pub kind: ShapeKind,
    /// serde's words for it, without its path and position.
    pub detail: String,
    /// A missing key a misspelt one stands for: the unknown key reports
    /// it, but the node was still left out.
    pub misspelt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    MissingKey,
    WrongType,
}

/// At most this many nodes are left out before giving up; each costs a
/// re-read of the document.
const MAX_SHAPE_ERRORS: usize = 50;

/// Reads `text`, whose first shape error serde reported as `first`, past
/// every shape error. `None` when that is not possible (the error is at the
/// root, its path cannot be read back, or there are too many): the caller
/// reports the first error alone.
pub fn read_past_shape_errors(text: &str) -> Option<SchemaDef> {
    let mut tree: Value = serde_yaml::from_str(text).ok()?;
    let mut errors: Vec<ShapeError> = Vec::new();
    let mut removed: Vec<YamlPath> = Vec::new();
    for _ in 0..MAX_SHAPE_ERRORS {
        let rendered = serde_yaml::to_string(&tree).ok()?;
        let error = match serde_yaml::from_str::<SchemaDef>(&rendered) {
            Ok(mut def) => {
                def.shape_errors = errors;
                return Some(def);
            }
            Err(error) => error,
        };
        let message = super::strip_location(&error.to_string());
        let (at, detail) = message.split_once(": ")?;
        let path = parse_path(at)?;
        let kind = if detail.starts_with("missing field `") {
            ShapeKind::MissingKey
        } else if detail.starts_with("invalid type") || detail.starts_with("invalid value") {
            ShapeKind::WrongType
        } else {
            return None;
        };
        // A key removed earlier is then missing: that is the same mistake.
        let missing_removed = kind == ShapeKind::MissingKey
            && detail
                .split('`')
                .nth(1)
                .is_some_and(|key| removed.contains(&path.key(key)));
        if !missing_removed {
            errors.push(ShapeError {
                path: path.clone(),
                kind,
                detail: detail.replace("missing field", "missing key"),
                misspelt: false,
            });
        }
        let entry = mapping_entry(path);
        if entry.segments.is_empty() || !remove(&mut tree, &entry) {
            return None;
        }
        removed.push(entry);
    }
    None
}

/// serde_yaml's path (`models.Clip.indexes[0].name`) as a [`YamlPath`].
fn parse_path(text: &str) -> Option<YamlPath> {
    let mut path = YamlPath::root();
    for part in text.split('.') {
        let (key, mut indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if key.is_empty() {
            return None;
        }
        path = path.key(key);
        while let Some(rest) = indexes.strip_prefix('[') {
            let (index, after) = rest.split_once(']')?;
            path = path.index(index.parse().ok()?);
            indexes = after;
        }
    }
    Some(path)
}

/// The mapping entry that holds `path`: itself when a mapping holds it,
/// else the entry holding the sequence it is in, so removing it never
/// renumbers sequence items.
fn mapping_entry(mut path: YamlPath) -> YamlPath {
    while matches!(path.segments.last(), Some(Segment::Index(_))) {
        path.segments.pop();
    }
    path
}

/// Removes the mapping entry at `path` from `tree`; false if there is none.
fn remove(tree: &mut Value, path: &YamlPath) -> bool {
    let Some((last, parents)) = path.segments.split_last() else {
        return false;
    };
    let mut node = tree;
    for segment in parents {
        node = match (segment, node) {
            (Segment::Key(key), Value::Mapping(mapping)) => match mapping.get_mut(key.as_str()) {
                Some(child) => child,
                None => return false,
            },
            (Segment::Index(index), Value::Sequence(items)) => match items.get_mut(*index) {
                Some(child) => child,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, node) {
        (Segment::Key(key), Value::Mapping(mapping)) => remove_key(mapping, key),
        _ => false,
    }
}

fn remove_key(mapping: &mut Mapping, key: &str) -> bool {
    mapping.remove(key).is_some()
}
