//! Positions of YAML nodes, part of stage 1 (load). serde_yaml tells where a
//! syntax error is but not where a well-formed value stands, so the text is
//! walked once more with yaml-rust2's event parser and every node's position
//! is recorded under its path (`models.Clip.fields.run_id.references`).
//! Validation errors carry a [`YamlPath`]; the CLI edge looks it up here.

use std::collections::BTreeMap;
use std::fmt;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Where a node stands in the document, as keys and sequence indexes from
/// the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YamlPath {
    pub segments: Vec<Segment>,
    /// Which occurrence of this path is meant when a mapping repeats a key
    /// (0 for the first); lets duplicate names point at the second copy.
    pub occurrence: usize,
}

impl YamlPath {
    pub fn root() -> Self {
        Self::default()
    }
    /// This path extended by a mapping key.
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.segments.clone();
        segments.push(Segment::Key(key.to_owned()));
        Self {
            segments,
            occurrence: 0,
        }
    }
    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.segments.clone();
        segments.push(Segment::Index(index));
        Self {
            segments,
            occurrence: 0,
        }
    }
    /// The same path, naming its `occurrence`-th copy.
    pub fn nth(mut self, occurrence: usize) -> Self {
        self.occurrence = occurrence;
        self
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A stretch of the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first character.
    pub offset: usize,
    /// Length in bytes (at least 1 where the text allows).
    pub len: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Span {
    /// What a walk that does not compute positions records.
    const NONE: Span = Span {
        offset: 0,
        len: 0,
        line: 0,
        column: 0,
    };

    /// A one-character span at a byte offset.
    pub fn at_offset(text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        let len = text[offset..].chars().next().map_or(0, char::len_utf8);
        Span {
            offset,
            len,
            line,
            column,
        }
    }
}

/// A node's position: the key that introduces it (inside a mapping) and the
/// value itself.
#[derive(Debug, Clone, Copy)]
pub struct NodePosition {
    pub key: Option<Span>,
    pub value: Span,
}

/// Positions of every node, by path; repeated keys keep every copy.
#[derive(Debug, Default)]
pub struct SourceMap {
    nodes: BTreeMap<Vec<Segment>, Vec<NodePosition>>,
}

impl SourceMap {
    /// Walks `text`; a document yaml-rust2 cannot read gives a partial map,
    /// which only costs precision in messages, never correctness.
    pub fn build(text: &str) -> Self {
        let mut map = SourceMap::default();
        walk(text, &mut map);
        map
    }

    /// Where the value at `path` stands.
    pub fn value_span(&self, path: &YamlPath) -> Option<Span> {
        self.position(path).map(|position| position.value)
    }

    /// Where the key that introduces `path` stands, or its value when it has
    /// no key (a sequence item); the key is what a reader looks for when an
    /// error is about a whole model or field.
    pub fn key_span(&self, path: &YamlPath) -> Option<Span> {
        self.position(path)
            .map(|position| position.key.unwrap_or(position.value))
    }

    /// The nearest recorded span at or above `path`: an error about a key
    /// that was left out points at the mapping that lacks it.
    pub fn nearest_span(&self, path: &YamlPath) -> Option<Span> {
        let mut probe = path.clone();
        loop {
            if let Some(span) = self.value_span(&probe).or_else(|| self.key_span(&probe)) {
                return Some(span);
            }
            probe.segments.pop()?;
            probe.occurrence = 0;
        }
    }

    /// Every node that a mapping key introduces, each copy of a repeated
    /// key with its own occurrence, in path order.
    pub fn keyed_nodes(&self) -> impl Iterator<Item = YamlPath> + '_ {
        self.nodes.iter().flat_map(|(segments, copies)| {
            copies
                .iter()
                .enumerate()
                .filter(|(_, position)| position.key.is_some())
                .map(|(occurrence, _)| YamlPath {
                    segments: segments.clone(),
                    occurrence,
                })
        })
    }

    fn position(&self, path: &YamlPath) -> Option<&NodePosition> {
        self.nodes
            .get(&path.segments)
            .and_then(|copies| copies.get(path.occurrence))
    }
}

/// Calls `visit` with the path of every node of `text` that a mapping key
/// introduces, in document order, each copy of a repeated key again; what
/// [`SourceMap::keyed_nodes`] gives, without the positions or a map to
/// hold them: loading reads the document's keys on every run, while
/// positions are wanted only for an error.
pub fn walk_keyed_nodes(text: &str, visit: impl FnMut(&[Segment])) {
    walk(text, &mut KeyedNodes(visit));
}

/// What a walk of the document does with each node.
trait Recorder {
    /// Whether the walk computes the spans [`Recorder::record`] is given;
    /// when not, it gives [`Span::NONE`].
    const SPANS: bool;
    /// A node at `path`, with the key that introduces it, if any.
    fn record(&mut self, path: &[Segment], key: Option<Span>, value: Span);
}

impl Recorder for SourceMap {
    const SPANS: bool = true;
    fn record(&mut self, path: &[Segment], key: Option<Span>, value: Span) {
        let position = NodePosition { key, value };
        match self.nodes.get_mut(path) {
            Some(copies) => copies.push(position),
            None => {
                self.nodes.insert(path.to_vec(), vec![position]);
            }
        }
    }
}

struct KeyedNodes<F>(F);

impl<F: FnMut(&[Segment])> Recorder for KeyedNodes<F> {
    const SPANS: bool = false;
    fn record(&mut self, path: &[Segment], key: Option<Span>, _: Span) {
        if key.is_some() {
            (self.0)(path);
        }
    }
}

/// Walks `text` with yaml-rust2's event parser, giving `recorder` every
/// node; a document it cannot read is walked up to the problem.
fn walk<R: Recorder>(text: &str, recorder: &mut R) {
    let mut walker = Walker {
        parser: Parser::new_from_str(text),
        // Only spans need it: a walk of keys does without.
        lines: match R::SPANS {
            true => LineIndex::new(text),
            false => LineIndex { starts: Vec::new() },
        },
        text,
        recorder,
    };
    // Skip StreamStart and DocumentStart, then read the root node.
    loop {
        match walker.next() {
            Some((Event::StreamStart | Event::DocumentStart, _)) => continue,
            Some(first) => {
                walker.node(first, &mut Vec::new(), None);
                break;
            }
            None => break,
        }
    }
}

struct Walker<'a, R> {
    parser: Parser<std::str::Chars<'a>>,
    lines: LineIndex,
    text: &'a str,
    recorder: &'a mut R,
}

impl<R: Recorder> Walker<'_, R> {
    fn next(&mut self) -> Option<(Event, Marker)> {
        match self.parser.next_token() {
            Ok((Event::StreamEnd, _)) | Err(_) => None,
            Ok(event) => Some(event),
        }
    }

    fn span_of(&self, marker: Marker, event: &Event) -> Span {
        if !R::SPANS {
            return Span::NONE;
        }
        let offset = self.lines.offset(self.text, marker.line(), marker.col());
        // Line and column come from the marker: recounting lines from the
        // start of the text for every node would be quadratic.
        let mut span = Span {
            offset,
            len: self.text[offset..].chars().next().map_or(0, char::len_utf8),
            line: marker.line(),
            column: marker.col() + 1,
        };
        if let Event::Scalar(value, style, ..) = event {
            let quotes = match style {
                TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => 2,
                _ => 0,
            };
            // The value's length is a good width for plain and quoted
            // scalars on one line; clamp it to the line for the rest.
            let line_end = self.text[offset..]
                .find('\n')
                .map_or(self.text.len(), |i| offset + i);
            span.len = (value.len() + quotes).clamp(span.len, line_end - offset);
        }
        span
    }

    /// Records the node that `first` starts, under `path`.
    fn node(&mut self, first: (Event, Marker), path: &mut Vec<Segment>, key: Option<Span>) {
        let (event, marker) = first;
        let value = self.span_of(marker, &event);
        self.recorder.record(path, key, value);
        match event {
            Event::MappingStart(..) => loop {
                let Some((key_event, key_marker)) = self.next() else {
                    return;
                };
                let key_span = self.span_of(key_marker, &key_event);
                let key_name = match key_event {
                    Event::MappingEnd => return,
                    Event::Scalar(name, ..) => name,
                    // A complex key: read past it and the value it opens.
                    _ => {
                        self.node((key_event, key_marker), &mut Vec::new(), None);
                        String::new()
                    }
                };
                let Some(value_event) = self.next() else {
                    return;
                };
                path.push(Segment::Key(key_name));
                self.node(value_event, path, Some(key_span));
                path.pop();
            },
            Event::SequenceStart(..) => {
                let mut index = 0;
                loop {
                    let Some(item) = self.next() else {
                        return;
                    };
                    if item.0 == Event::SequenceEnd {
                        return;
                    }
                    path.push(Segment::Index(index));
                    self.node(item, path, None);
                    path.pop();
                    index += 1;
                }
            }
            _ => {}
        }
    }
}

/// Byte offsets of line starts, to turn yaml-rust2's line and column into a
/// byte offset that miette can label.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    /// `line` is 1-based, `column` counts characters from 0.
    fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return text.len();
        };
        let line_text = &text[start..];
        start
            + line_text
                .char_indices()
                .nth(column)
                .map_or(line_text.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keys_and_values_with_their_positions() {
        let text = "models:\n  Clip:\n    table: clips\n    fields:\n      id: int\n";
        let map = SourceMap::build(text);
        let table = YamlPath::root().key("models").key("Clip").key("table");
        let value = map.value_span(&table).unwrap();
        assert_eq!((value.line, value.column), (3, 12));
        assert_eq!(&text[value.offset..value.offset + value.len], "clips");
        let key = map.key_span(&table).unwrap();
        assert_eq!(&text[key.offset..key.offset + key.len], "table");
    }

    #[test]
    fn keeps_every_copy_of_a_repeated_key() {
        let text = "a:\n  x: 1\n  x: 2\n";
        let map = SourceMap::build(text);
        let second = YamlPath::root().key("a").key("x").nth(1);
        assert_eq!(map.value_span(&second).unwrap().line, 3);
    }

    #[test]
    fn counts_columns_in_characters_not_bytes() {
        let text = "a: \"é\"\nb: c\n";
        let map = SourceMap::build(text);
        let b = map.value_span(&YamlPath::root().key("b")).unwrap();
        assert_eq!(&text[b.offset..b.offset + b.len], "c");
    }
}
