//! Lines laid out once per shape. The layout of a line depends on the
//! widths of its words, their kinds (a keyword, a macro's name, a number,
//! a name starting with a capital) and its punctuation, never on what a
//! name spells. Every table prints the same statements with its own names,
//! and names of one length are common, so most lines a schema prints have
//! the shape of a line laid out before: the layout found for that line is
//! reused with the new line's words put in place of the old one's.
//!
//! A line's shape is the line with the letters and digits of every name
//! replaced by their kind (`a`, `A`, `0`); keywords, macro names and
//! numbers are kept as written, since the layout reads them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// How many shapes a thread keeps before it starts afresh. The uniform
/// schemas of the generator bench leave fewer than 900 in a thread (1,000
/// and 10,000 tables, counted with a temporary print); names of
/// varied lengths print a new shape for most long lines, and keeping all
/// of them cost more in fresh memory (on these machines the kernel clears
/// each new page: a quarter of a run) than the few they would find again
/// (1,000 models of varied names: peak 214 -> 165 MiB, wall 0.96x).
const MAX_SHAPES: usize = 1 << 13;

/// Whether `word` is one of Rust's keywords (strict and reserved): the
/// words the layout reads, kept as written in a shape. A `match` on the
/// word, which compiles to a test of its length first: most words are
/// names, and this runs for every word of every line laid out.
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "Self"
            | "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "union"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

/// A line laid out, for the lines of its shape.
struct Laid {
    /// The line that was laid out.
    line: Box<str>,
    /// Its layout; `None` where it is kept as printed.
    text: Option<String>,
    /// How `text` is made of pieces of the line and of its own, for a line
    /// of the same shape: found when the first such line comes (most
    /// shapes of a schema with names of varied lengths never see one);
    /// `Some(None)` where it cannot be (see [`pieces`]).
    pieces: Option<Option<Box<[Piece]>>>,
}

/// A run of a layout's bytes: the line's, from `start` to `end` (its
/// words, which another line of the shape has in the same places), or
/// the layout's own (the space and punctuation it added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    from_line: bool,
    start: u32,
    end: u32,
}

#[derive(Default)]
pub(super) struct LineShapes {
    laid: HashMap<Box<[u8]>, Laid, BuildHasherDefault<LineHasher>>,
    /// The shape of the line being looked up, in a buffer reused line
    /// after line.
    shape: Vec<u8>,
}

thread_local! {
    /// One cache per rendering thread: a thread renders the files of many
    /// tables, whose lines share shapes.
    static LINE_SHAPES: RefCell<LineShapes> = RefCell::default();
}

/// Appends the layout of `line` to `out`: a layout found before for a
/// line of the same shape, with `line`'s words put in, or else
/// `lay_out(line)` (`None` keeps the line as printed), then kept for the
/// lines of its shape to come.
pub(super) fn lay_out_into(line: &str, out: &mut String, lay_out: impl Fn(&str) -> Option<String>) {
    LINE_SHAPES.with_borrow_mut(|shapes| shapes.lay_out_into(line, out, lay_out));
}

impl LineShapes {
    fn lay_out_into(
        &mut self,
        line: &str,
        out: &mut String,
        lay_out: impl Fn(&str) -> Option<String>,
    ) {
        shape_of(line, &mut self.shape);
        if let Some(laid) = self.laid.get_mut(self.shape.as_slice()) {
            let Some(text) = &laid.text else {
                out.push_str(line);
                return;
            };
            if *laid.line == *line {
                out.push_str(text);
                return;
            }
            let pieces = laid.pieces.get_or_insert_with(|| pieces(&laid.line, text));
            match pieces {
                Some(pieces) => {
                    for piece in pieces.iter() {
                        let source = if piece.from_line { line } else { text };
                        out.push_str(&source[piece.start as usize..piece.end as usize]);
                    }
                }
                None => {
                    let text = lay_out(line);
                    out.push_str(text.as_deref().unwrap_or(line));
                }
            }
            return;
        }
        let text = lay_out(line);
        out.push_str(text.as_deref().unwrap_or(line));
        if self.laid.len() >= MAX_SHAPES {
            self.laid.clear();
        }
        self.laid.insert(
            self.shape.as_slice().into(),
            Laid {
                line: line.into(),
                text,
                pieces: None,
            },
        );
    }
}

/// Whether `b` belongs to a word: a name, a keyword or a number. A table:
/// every byte of every line laid out is looked up here, and a lookup is
/// half the instructions of the comparisons it stands for.
const fn is_word(b: u8) -> bool {
    IS_WORD[b as usize]
}

const IS_WORD: [bool; 256] = {
    let mut word = [false; 256];
    let mut b = 0;
    while b < 256 {
        word[b] = (b as u8).is_ascii_alphanumeric() || b as u8 == b'_';
        b += 1;
    }
    word
};

/// What a byte of a name becomes in a shape: its kind.
const KIND: [u8; 256] = {
    let mut kind = [0; 256];
    let mut b = 0;
    while b < 256 {
        kind[b] = match b as u8 {
            b'a'..=b'z' => b'a',
            b'A'..=b'Z' => b'A',
            b'0'..=b'9' => b'0',
            other => other,
        };
        b += 1;
    }
    kind
};

/// Writes the shape of `line` into `shape`: each letter and digit of a
/// name as its kind, everything else as it is. A keyword, a name a `!`
/// follows (a macro's) and a number (a word that starts with a digit) are
/// kept as written.
fn shape_of(line: &str, shape: &mut Vec<u8>) {
    let bytes = line.as_bytes();
    shape.clear();
    shape.extend_from_slice(bytes);
    let mut i = 0;
    while i < bytes.len() {
        if !is_word(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word(bytes[i]) {
            i += 1;
        }
        let kept = bytes[start].is_ascii_digit()
            || bytes.get(i) == Some(&b'!')
            || is_keyword(&line[start..i]);
        if !kept {
            for b in &mut shape[start..i] {
                *b = KIND[usize::from(*b)];
            }
        }
    }
}

/// Whether `a` and `b` have one shape.
#[cfg(test)]
pub(super) fn same_shape(a: &str, b: &str) -> bool {
    let (mut shape_a, mut shape_b) = (Vec::new(), Vec::new());
    shape_of(a, &mut shape_a);
    shape_of(b, &mut shape_b);
    shape_a == shape_b
}

/// How `text`, the layout of `line`, is made of `line`'s bytes in their
/// order and bytes of its own: `None` where it is not, that is where a
/// letter or digit of `text` is not the next of `line`'s, or one of
/// `line`'s is left out. The layout of another line of the shape is then
/// these pieces taken from that line and from `text`.
fn pieces(line: &str, text: &str) -> Option<Box<[Piece]>> {
    // Pieces are cut at bytes: a character of several would be cut apart.
    if !line.is_ascii() || !text.is_ascii() {
        return None;
    }
    let line = line.as_bytes();
    let mut pieces: Vec<Piece> = Vec::new();
    let mut push = |from_line: bool, at: usize| {
        let at = u32::try_from(at).ok()?;
        match pieces.last_mut() {
            Some(last) if last.from_line == from_line && last.end == at => last.end = at + 1,
            _ => pieces.push(Piece {
                from_line,
                start: at,
                end: at + 1,
            }),
        }
        Some(())
    };
    let mut at = 0;
    for (index, &c) in text.as_bytes().iter().enumerate() {
        if c != b' ' && c != b'\n' {
            while line.get(at) == Some(&b' ') {
                at += 1;
            }
            if line.get(at) == Some(&c) {
                push(true, at)?;
                at += 1;
                continue;
            }
            if is_word(c) {
                return None;
            }
        }
        push(false, index)?;
    }
    line[at..]
        .iter()
        .all(|&b| b == b' ')
        .then(|| pieces.into_boxed_slice())
}

/// rustc's FxHash: it hashes every statement a schema prints, and std's
/// SipHash (built to resist keys chosen to collide, which a schema's own
/// lines are not) took a twentieth of the layout.
#[derive(Default)]
struct LineHasher(u64);

impl LineHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for LineHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        // The product's low bits depend on the words' low bits only, and
        // the hash table picks a bucket with them: the high bits are
        // folded in, as rustc-hash's `finish` does.
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(line: &str) -> String {
        let mut shape = Vec::new();
        shape_of(line, &mut shape);
        String::from_utf8(shape).unwrap()
    }

    #[test]
    fn a_shape_keeps_keywords_macros_numbers_and_punctuation() {
        assert_eq!(
            shape("    let row = api::model_5::get(db.conn(), 15e-3 as f64)?;"),
            "    let aaa = aaa::aaaaa_0::aaa(aa.aaaa(), 15e-3 as a00)?;"
        );
        assert_eq!(
            shape(r#"assert_eq!(Some(&x.Name), "a b");"#),
            r#"assert_eq!(Aaaa(&a.Aaaa), "a a");"#
        );
    }

    /// The layout of `line` by the pieces of `text`, the layout of
    /// `template`.
    fn substituted(template: &str, text: &str, line: &str) -> Option<String> {
        let pieces = pieces(template, text)?;
        Some(
            pieces
                .iter()
                .map(|piece| {
                    let source = if piece.from_line { line } else { text };
                    &source[piece.start as usize..piece.end as usize]
                })
                .collect(),
        )
    }

    #[test]
    fn a_layout_takes_the_words_of_a_line_of_its_shape() {
        let template = "    let inserted = api::model_5::insert(db.conn(), &new).unwrap();";
        let line = "    let inserted = api::model_7::insert(db.conn(), &old).unwrap();";
        let text = "let inserted = api::model_5::insert(\n        db.conn(),\n        &new,\n    )\n    .unwrap();";
        assert_eq!(
            substituted(template, text, line).unwrap(),
            "let inserted = api::model_7::insert(\n        db.conn(),\n        &old,\n    )\n    .unwrap();"
        );
        assert_eq!(substituted(template, text, template).unwrap(), text);
    }

    #[test]
    fn a_layout_that_adds_or_drops_a_word_is_not_shared() {
        assert_eq!(substituted("f(a)", "f(a, b)", "g(c)"), None);
        assert_eq!(substituted("f(a, b)", "f(a)", "g(c, d)"), None);
    }

    #[test]
    fn lines_of_one_shape_are_laid_out_once() {
        let calls = std::cell::Cell::new(0);
        let lay_out = |line: &str| {
            calls.set(calls.get() + 1);
            Some(line.replace(", ", ",\n    "))
        };
        let mut shapes = LineShapes::default();
        let mut out = String::new();
        shapes.lay_out_into("f(alpha, beta);", &mut out, lay_out);
        out.push('\n');
        shapes.lay_out_into("g(gamma, delta);", &mut out, lay_out);
        out.push('\n');
        shapes.lay_out_into("g(gamma, delt);", &mut out, lay_out);
        assert_eq!(
            out,
            "f(alpha,\n    beta);\ng(gamma,\n    delta);\ng(gamma,\n    delt);"
        );
        assert_eq!(calls.get(), 2, "the second line has the first one's shape");
    }
}
