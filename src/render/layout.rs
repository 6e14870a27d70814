//! Layout of generated Rust as rustfmt prints it, for the expressions whose
//! width depends on the schema's names. Templates print everything else as
//! rustfmt would; the view hands them statements laid out here.
//!
//! This is a small port of rustfmt's own rules (its `overflow`, `chains`
//! and `closures` modules, default configuration, edition 2021) for the few
//! expression shapes the templates use: calls and macro calls, method
//! chains with `?`, closures and references. rustfmt is the oracle:
//! `tests/rustfmt_oracle.rs` renders random schemas and requires
//! `rustfmt --check` to find nothing to change.

/// rustfmt's `max_width`.
const MAX_WIDTH: usize = 100;
/// rustfmt's `tab_spaces`.
const TAB: usize = 4;
/// rustfmt's `fn_call_width`: the widest argument list kept on one line.
const FN_CALL_WIDTH: usize = 60;
/// rustfmt's `array_width`, which bracketed macros such as `params![]` use.
const ARRAY_WIDTH: usize = 60;
/// rustfmt's `chain_width`: the widest chain kept on one line.
const CHAIN_WIDTH: usize = 60;
/// rustfmt's `struct_lit_width`.
const STRUCT_LIT_WIDTH: usize = 18;
/// rustfmt's `short_array_element_width_threshold`.
const SHORT_ITEM: usize = 10;

/// An expression, as far as its layout goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Text never broken: a literal, a path, a field access, `a + 1`.
    /// `simple` is rustfmt's "simple expression" (a literal, a one-segment
    /// path, a field of one, or a reference to one), which lists of short
    /// items pack several to a line.
    Atom { text: String, simple: bool },
    /// `callee(args)`, `name!(args)` or `name![args]`.
    Call {
        callee: String,
        delimiter: Delimiter,
        args: Vec<Expr>,
    },
    /// `root.link...`: method calls and `?`.
    Chain { root: Box<Expr>, links: Vec<Link> },
    /// `|params| body`.
    Closure { params: String, body: Box<Expr> },
    /// `&expr` or `!expr`: the operator, then the operand.
    Unary(char, Box<Expr>),
    /// `Path { field, field: expr }`; a field without an expression is
    /// shorthand.
    Struct {
        path: String,
        fields: Vec<(String, Option<Expr>)>,
    },
    /// `expr?`.
    Try(Box<Expr>),
    /// A macro call rustfmt cannot format, kept as written.
    RawMacro(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// A function call: `f(..)`.
    Paren,
    /// An array literal: `[..]`, with an empty callee.
    Bracket,
    /// A macro with parentheses: `format!(..)`.
    MacroParen,
    /// A macro with brackets: `params![..]`.
    MacroBracket,
}

/// A link of a chain.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// `.name(args)`, then `tries` question marks.
    Method {
        name: String,
        args: Vec<Expr>,
        tries: usize,
    },
    /// `.name`, then `tries` question marks.
    Field { name: String, tries: usize },
}

/// A simple atom: a literal or a (field of a) local.
pub fn simple(text: impl Into<String>) -> Expr {
    Expr::Atom {
        text: text.into(),
        simple: true,
    }
}

/// An atom rustfmt does not count as simple (a path of several segments,
/// an operation).
pub fn atom(text: impl Into<String>) -> Expr {
    Expr::Atom {
        text: text.into(),
        simple: false,
    }
}

pub fn call(callee: impl Into<String>, args: Vec<Expr>) -> Expr {
    Expr::Call {
        callee: callee.into(),
        delimiter: Delimiter::Paren,
        args,
    }
}

pub fn macro_call(name: impl Into<String>, delimiter: Delimiter, args: Vec<Expr>) -> Expr {
    Expr::Call {
        callee: format!("{}!", name.into()),
        delimiter,
        args,
    }
}

pub fn reference(expr: Expr) -> Expr {
    Expr::Unary('&', Box::new(expr))
}

pub fn try_(expr: Expr) -> Expr {
    Expr::Try(Box::new(expr))
}

pub fn closure(params: impl Into<String>, body: Expr) -> Expr {
    Expr::Closure {
        params: params.into(),
        body: Box::new(body),
    }
}

/// `root.name(args)`, extending a chain when `root` is one.
pub fn method(root: Expr, name: &str, args: Vec<Expr>) -> Expr {
    let link = Link::Method {
        name: name.to_owned(),
        args,
        tries: 0,
    };
    chain_with(root, link)
}

/// `root.name`, extending a chain when `root` is one.
pub fn field(root: Expr, name: &str) -> Expr {
    let link = Link::Field {
        name: name.to_owned(),
        tries: 0,
    };
    chain_with(root, link)
}

/// `expr?`: on a chain, the question mark joins its last link.
pub fn question(expr: Expr) -> Expr {
    match expr {
        Expr::Chain { root, mut links } => {
            match links.last_mut() {
                Some(Link::Method { tries, .. } | Link::Field { tries, .. }) => *tries += 1,
                None => unreachable!("a chain has a link"),
            }
            Expr::Chain { root, links }
        }
        other => try_(other),
    }
}

fn chain_with(root: Expr, link: Link) -> Expr {
    match root {
        Expr::Chain { root, mut links } => {
            links.push(link);
            Expr::Chain { root, links }
        }
        // `new.field` is one atom elsewhere; in a chain, as in rustfmt,
        // each field is a link of its own.
        Expr::Atom { text, simple } if text.contains('.') && !text.starts_with(['"', '*']) => {
            let mut parts = text.split('.');
            let base = parts.next().unwrap_or_default().to_owned();
            let mut links: Vec<Link> = parts
                .map(|name| Link::Field {
                    name: name.to_owned(),
                    tries: 0,
                })
                .collect();
            links.push(link);
            Expr::Chain {
                root: Box::new(Expr::Atom { text: base, simple }),
                links,
            }
        }
        // rustfmt's chains start at the innermost receiver; a `?` on the
        // root belongs to it.
        other => Expr::Chain {
            root: Box::new(other),
            links: vec![link],
        },
    }
}

/// Where an expression is written: `indent` is the block indent of the
/// statement, `offset` the column it starts at, `width` the columns left
/// for it on its first line (what must follow it already taken off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub indent: usize,
    pub offset: usize,
    pub width: usize,
}

impl Shape {
    /// A statement at `indent`, `suffix` columns kept for what ends it.
    pub fn statement(indent: usize, suffix: usize) -> Shape {
        Shape {
            indent,
            offset: indent,
            width: MAX_WIDTH.saturating_sub(indent + suffix),
        }
    }

    fn offset_left(self, columns: usize) -> Option<Shape> {
        Some(Shape {
            indent: self.indent,
            offset: self.offset + columns,
            width: self.width.checked_sub(columns)?,
        })
    }

    fn sub_width(self, columns: usize) -> Option<Shape> {
        Some(Shape {
            width: self.width.checked_sub(columns)?,
            ..self
        })
    }

    /// The shape of a block-indented line inside this one.
    fn block_indent(self, extra: usize) -> Shape {
        let indent = self.indent + extra;
        Shape {
            indent,
            offset: indent,
            width: MAX_WIDTH.saturating_sub(indent),
        }
    }

    /// rustfmt's offset of the shape from its indent; chains use it.
    fn offset_from_indent(self) -> usize {
        self.offset - self.indent
    }
}

impl Expr {
    /// The expression on one line.
    pub fn flat(&self) -> String {
        // Sized first: grown piece by piece, a long expression's text was
        // copied again at every doubling.
        let mut text = String::with_capacity(self.flat_len());
        self.write_flat(&mut text);
        debug_assert_eq!(
            text.len(),
            self.flat_len(),
            "flat_len counts what flat writes"
        );
        text
    }

    /// The length of [`Expr::flat`], counted without writing it.
    fn flat_len(&self) -> usize {
        let list = |items: &[Expr]| {
            items.iter().map(Expr::flat_len).sum::<usize>() + 2 * items.len().saturating_sub(1)
        };
        match self {
            Expr::Atom { text, .. } | Expr::RawMacro(text) => text.len(),
            Expr::Call { callee, args, .. } => callee.len() + 2 + list(args),
            Expr::Chain { root, links } => {
                root.flat_len()
                    + links
                        .iter()
                        .map(|link| match link {
                            Link::Method { name, args, tries } => {
                                1 + name.len() + 2 + list(args) + tries
                            }
                            Link::Field { name, tries } => 1 + name.len() + tries,
                        })
                        .sum::<usize>()
            }
            Expr::Closure { params, body } => params.len() + 3 + body.flat_len(),
            Expr::Unary(op, inner) => op.len_utf8() + inner.flat_len(),
            Expr::Try(inner) => inner.flat_len() + 1,
            Expr::Struct { path, fields } if fields.is_empty() => path.len() + 3,
            Expr::Struct { path, fields } => {
                path.len()
                    + 5
                    + fields
                        .iter()
                        .map(|(name, value)| {
                            name.len() + value.as_ref().map_or(0, |v| 2 + v.flat_len())
                        })
                        .sum::<usize>()
                    + 2 * (fields.len() - 1)
            }
        }
    }

    /// Appends the expression on one line to `out`: the one buffer keeps
    /// the allocations of a large file's layout few.
    fn write_flat(&self, out: &mut String) {
        match self {
            Expr::Atom { text, .. } | Expr::RawMacro(text) => out.push_str(text),
            Expr::Call {
                callee,
                delimiter,
                args,
            } => {
                let (open, close) = delimiter.pair();
                out.push_str(callee);
                out.push_str(open);
                write_flat_list(args, out);
                out.push_str(close);
            }
            Expr::Chain { root, links } => {
                root.write_flat(out);
                for link in links {
                    link.write_flat(out);
                }
            }
            Expr::Closure { params, body } => {
                out.push('|');
                out.push_str(params);
                out.push_str("| ");
                body.write_flat(out);
            }
            Expr::Unary(op, inner) => {
                out.push(*op);
                inner.write_flat(out);
            }
            Expr::Try(inner) => {
                inner.write_flat(out);
                out.push('?');
            }
            Expr::Struct { path, fields } => {
                out.push_str(path);
                if fields.is_empty() {
                    out.push_str(" {}");
                    return;
                }
                out.push_str(" { ");
                for (index, (name, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(name);
                    if let Some(value) = value {
                        out.push_str(": ");
                        value.write_flat(out);
                    }
                }
                out.push_str(" }");
            }
        }
    }

    fn is_simple(&self) -> bool {
        match self {
            Expr::Atom { simple, .. } => *simple,
            Expr::Unary(_, inner) | Expr::Try(inner) => inner.is_simple(),
            _ => false,
        }
    }

    /// rustfmt's `can_be_overflowed_expr`: what may spill over lines as the
    /// last argument of a list.
    fn can_overflow(&self, args: usize) -> bool {
        match self {
            Expr::Closure { .. } => true,
            Expr::Call { .. } | Expr::Chain { .. } | Expr::Struct { .. } | Expr::RawMacro(_) => {
                args == 1
            }
            Expr::Unary(_, inner) | Expr::Try(inner) => inner.can_overflow(args),
            Expr::Atom { .. } => false,
        }
    }

    /// rustfmt's `is_nested_call`.
    fn is_nested_call(&self) -> bool {
        match self {
            // A tuple or an array literal is no call.
            Expr::Call { callee, .. } => !callee.is_empty(),
            Expr::RawMacro(_) => true,
            Expr::Unary(_, inner) | Expr::Try(inner) => inner.is_nested_call(),
            _ => false,
        }
    }

    /// rustfmt's `is_method_call`, which looks through `&` and `?`.
    fn is_method_call(&self) -> bool {
        match self {
            Expr::Chain { links, .. } => matches!(links.last(), Some(Link::Method { .. })),
            Expr::Unary(_, inner) | Expr::Try(inner) => inner.is_method_call(),
            _ => false,
        }
    }
}

impl Link {
    fn write_flat(&self, out: &mut String) {
        let tries = match self {
            Link::Method { name, args, tries } => {
                out.push('.');
                out.push_str(name);
                out.push('(');
                write_flat_list(args, out);
                out.push(')');
                tries
            }
            Link::Field { name, tries } => {
                out.push('.');
                out.push_str(name);
                tries
            }
        };
        for _ in 0..*tries {
            out.push('?');
        }
    }

    fn tries(&self) -> usize {
        match self {
            Link::Method { tries, .. } | Link::Field { tries, .. } => *tries,
        }
    }
}

impl Delimiter {
    fn pair(self) -> (&'static str, &'static str) {
        match self {
            Delimiter::Paren | Delimiter::MacroParen => ("(", ")"),
            Delimiter::MacroBracket | Delimiter::Bracket => ("[", "]"),
        }
    }
}

/// What rustfmt's context carries that changes a layout.
#[derive(Debug, Clone, Copy, Default)]
struct Context {
    inside_macro: bool,
    force_one_line_chain: bool,
}

fn first_line(text: &str) -> &str {
    text.split('\n').next().unwrap_or("")
}

/// Fits `text` in `shape` as rustfmt's `wrap_str` checks it.
fn wrap_str(text: String, shape: Shape) -> Option<String> {
    fits(&text, shape).then_some(text)
}

/// Whether `text` fits in `shape`, as rustfmt's `wrap_str` checks it.
fn fits(text: &str, shape: Shape) -> bool {
    let (Some(first_break), Some(last_break)) = (text.find('\n'), text.rfind('\n')) else {
        return text.len() <= shape.width;
    };
    if first_break > shape.width {
        return false;
    }
    // Lines between: within the maximum width from their own indent.
    if first_break < last_break
        && text[first_break + 1..last_break]
            .split('\n')
            .any(|line| line.len() > MAX_WIDTH)
    {
        return false;
    }
    // The last line leaves what follows the expression room.
    let last = text.len() - last_break - 1;
    last <= shape.width + shape.offset
}

/// `count` spaces: an indent, borrowed for the indents a layout meets.
fn spaces(count: usize) -> std::borrow::Cow<'static, str> {
    const SPACES: &str = "                                                                                                                                ";
    match SPACES.get(..count) {
        Some(spaces) => std::borrow::Cow::Borrowed(spaces),
        None => std::borrow::Cow::Owned(" ".repeat(count)),
    }
}

/// Lays `expr` out in `shape`, or `None` where it does not fit.
pub fn rewrite(expr: &Expr, shape: Shape) -> Option<String> {
    rewrite_in(expr, shape, Context::default())
}

fn rewrite_in(expr: &Expr, shape: Shape, context: Context) -> Option<String> {
    // What fits on one line within every limit is what rustfmt keeps on
    // one line: no other layout need be tried.
    if !matches!(expr, Expr::Atom { .. }) {
        if let Some(width) = flat_width(expr, shape.width) {
            if width <= shape.width {
                return Some(expr.flat());
            }
        }
    }
    match expr {
        Expr::Atom { text, .. } if text.len() <= shape.width => Some(text.clone()),
        Expr::Atom { text, .. } => {
            // A field of a local too wide for its place: rustfmt reads it
            // as a chain and breaks it before a field.
            let is_field_path = text.contains('.')
                && !text.starts_with(|c: char| c.is_ascii_digit())
                && text.split('.').all(is_identifier);
            if !is_field_path {
                return None;
            }
            let mut parts = text.split('.');
            let root = simple(parts.next().unwrap_or_default());
            let links = parts
                .map(|name| Link::Field {
                    name: name.to_owned(),
                    tries: 0,
                })
                .collect();
            let chain = Expr::Chain {
                root: Box::new(root),
                links,
            };
            rewrite_chain(&chain, shape, context)
        }
        Expr::Call {
            callee,
            delimiter,
            args,
        } => {
            let context = Context {
                inside_macro: context.inside_macro
                    || matches!(delimiter, Delimiter::MacroParen | Delimiter::MacroBracket),
                ..context
            };
            rewrite_list(callee, *delimiter, args, shape, context)
        }
        Expr::Chain { .. } => rewrite_chain(expr, shape, context),
        Expr::Closure { params, body } => rewrite_closure(params, body, shape, context),
        Expr::Unary(op, inner) => {
            let text = rewrite_in(inner, shape.offset_left(1)?, context)?;
            let mut unary = String::with_capacity(op.len_utf8() + text.len());
            unary.push(*op);
            unary.push_str(&text);
            Some(unary)
        }
        Expr::Try(inner) => {
            let mut text = rewrite_in(inner, shape.sub_width(1)?, context)?;
            text.push('?');
            Some(text)
        }
        Expr::Struct { path, fields } => rewrite_struct(path, fields, shape, context),
        // rustfmt's `return_macro_parse_failure_fallback`: as written.
        Expr::RawMacro(text) => Some(text.clone()),
    }
}

/// The width of `expr` on one line where rustfmt would keep it on one line
/// in `width` columns: every list within its limit (`fn_call_width`,
/// `array_width`, `struct_lit_width`, `chain_width`), every part within
/// the width. `None` where some part would break.
fn flat_width(expr: &Expr, width: usize) -> Option<usize> {
    let total = match expr {
        Expr::Atom { text, .. } | Expr::RawMacro(text) => text.len(),
        Expr::Call {
            callee,
            delimiter,
            args,
        } => {
            let limit = match delimiter {
                Delimiter::MacroBracket | Delimiter::Bracket => ARRAY_WIDTH,
                _ => FN_CALL_WIDTH,
            };
            callee.len() + args_flat_width(args, limit, width)? + 2
        }
        Expr::Chain { root, links } => {
            let mut total = flat_width(root, width)?;
            for link in links {
                total += match link {
                    Link::Method { name, args, tries } => {
                        name.len() + 3 + args_flat_width(args, FN_CALL_WIDTH, width)? + tries
                    }
                    Link::Field { name, tries } => name.len() + 1 + tries,
                };
            }
            if links.len() > 1 && total > CHAIN_WIDTH {
                return None;
            }
            // rustfmt takes the `?`s of the last link off the width three
            // times over (`format_last_child` and the link's own rewrite).
            let last_tries = links.last().map_or(0, Link::tries);
            if total + 2 * last_tries > width {
                return None;
            }
            total
        }
        Expr::Closure { params, body } => params.len() + 3 + flat_width(body, width)?,
        Expr::Unary(_, inner) | Expr::Try(inner) => 1 + flat_width(inner, width)?,
        Expr::Struct { path, fields } if fields.is_empty() => path.len() + 3,
        Expr::Struct { path, fields } => {
            let mut items = 2 * (fields.len() - 1);
            for (name, value) in fields {
                items += name.len();
                if let Some(value) = value {
                    items += 2 + flat_width(value, width)?;
                }
            }
            if items > STRUCT_LIT_WIDTH {
                return None;
            }
            path.len() + items + 5
        }
    };
    (total <= width).then_some(total)
}

/// The width of a call's arguments on one line, where rustfmt keeps them
/// there: several within `limit` columns; one alone within the width,
/// unless it is a call that rustfmt first tries to overflow, which it
/// keeps on one line only within `limit`.
fn args_flat_width(args: &[Expr], limit: usize, width: usize) -> Option<usize> {
    let items = list_flat_width(args, width)?;
    let within_limit = items <= limit;
    match args {
        [one] if one.is_nested_call() && !matches!(one, Expr::RawMacro(_)) => {
            within_limit.then_some(items)
        }
        [_] => Some(items),
        _ => within_limit.then_some(items),
    }
}

/// The width of `args` on one line, `, `-separated.
fn list_flat_width(args: &[Expr], width: usize) -> Option<usize> {
    let mut total = 2 * args.len().saturating_sub(1);
    for arg in args {
        total += flat_width(arg, width)?;
    }
    Some(total)
}

/// `items` on one line, `, `-separated, appended to `out`.
fn write_flat_list(items: &[Expr], out: &mut String) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        item.write_flat(out);
    }
}

/// rustfmt's struct literal: on one line while its fields take at most
/// `struct_lit_width` (18) columns, else a field per line.
fn rewrite_struct(
    path: &str,
    fields: &[(String, Option<Expr>)],
    shape: Shape,
    context: Context,
) -> Option<String> {
    // The path cannot break; ` {` follows it.
    if path.len() + 2 > shape.width {
        return None;
    }
    if fields.is_empty() {
        // rustfmt checks only the path's width here.
        return Some(format!("{path} {{}}"));
    }
    // 3 = ` {` and a space; 2 = ` }`.
    let one_line_width = shape.width.checked_sub(path.len() + 3 + 2);
    let nested = shape.block_indent(TAB).sub_width(1)?;
    let items: Vec<Option<String>> = fields
        .iter()
        .map(|(name, value)| match value {
            None => Some(name.clone()),
            Some(value) => {
                let text = field_init_in(name, value, nested.indent, context);
                Some(text.strip_suffix(',').unwrap_or(&text).to_owned())
            }
        })
        .collect();
    let horizontal = one_line_width.is_some_and(|width| {
        definitive_tactic(&items, STRUCT_LIT_WIDTH, width) == Tactic::Horizontal
    });
    let items: Vec<String> = items.into_iter().collect::<Option<_>>()?;
    if horizontal {
        return Some(format!("{path} {{ {} }}", items.join(", ")));
    }
    // No trailing comma after a `..base`, nor inside a macro whose input
    // had none.
    let trailing_comma =
        !context.inside_macro && !items.last().is_some_and(|i| i.starts_with(".."));
    let pad = " ".repeat(nested.indent);
    let mut text = format!("{path} {{");
    for (index, item) in items.iter().enumerate() {
        text.push('\n');
        text.push_str(&pad);
        text.push_str(item);
        if index + 1 < items.len() || trailing_comma {
            text.push(',');
        }
    }
    text.push('\n');
    text.push_str(&" ".repeat(shape.indent));
    text.push('}');
    Some(text)
}

/// The list tactics of rustfmt's `lists` module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tactic {
    Horizontal,
    Vertical,
    Mixed,
    /// A formatting macro's: this many arguments before the format string.
    SpecialMacro(usize),
}

/// rustfmt's `SPECIAL_CASE_MACROS`: the macros that take a format string,
/// with the number of arguments before it.
fn format_args_before(callee: &str) -> Option<usize> {
    match callee {
        "eprint!" | "eprintln!" | "format!" | "format_args!" | "print!" | "println!" | "panic!"
        | "unreachable!" | "debug!" | "error!" | "info!" | "warn!" => Some(0),
        "assert!" | "debug_assert!" | "write!" | "writeln!" => Some(1),
        "assert_eq!" | "assert_ne!" | "debug_assert_eq!" | "debug_assert_ne!" => Some(2),
        _ => None,
    }
}

/// rustfmt's `definitive_tactic` with `LimitedHorizontalVertical(limit)`.
fn definitive_tactic(items: &[Option<String>], limit: usize, width: usize) -> Tactic {
    let limit = limit.min(width);
    let total: usize = items
        .iter()
        .map(|item| item.as_deref().map_or(0, str::len))
        .sum::<usize>()
        + 2 * items.len().saturating_sub(1);
    let multiline = items
        .iter()
        .any(|item| item.as_deref().is_some_and(|text| text.contains('\n')));
    if total <= limit && !multiline {
        Tactic::Horizontal
    } else {
        Tactic::Vertical
    }
}

/// rustfmt's `overflow::Context::rewrite` for a call or macro call.
fn rewrite_list(
    callee: &str,
    delimiter: Delimiter,
    args: &[Expr],
    shape: Shape,
    context: Context,
) -> Option<String> {
    let (open, close) = delimiter.pair();
    // rustfmt lays out the callee's path in the shape first.
    if callee.len() > shape.width {
        return None;
    }
    let item_max_width = match delimiter {
        Delimiter::MacroBracket | Delimiter::Bracket => ARRAY_WIDTH,
        _ => FN_CALL_WIDTH,
    };
    let used_width = callee.len();
    let one_line_width = shape.width.saturating_sub(used_width + 2);
    let one_line_shape = shape
        .offset_left(used_width + 1)
        .and_then(|shape| shape.sub_width(1))
        .unwrap_or(Shape { width: 0, ..shape });
    let nested_shape = shape.block_indent(TAB).sub_width(1)?;

    if args.is_empty() {
        // The brackets close on a line of their own where they do not fit
        // after the callee.
        return Some(if callee.len() + 2 <= shape.width {
            [callee, open, close].concat()
        } else {
            [callee, open, "\n", &spaces(shape.indent), close].concat()
        });
    }

    let mut items: Vec<Option<String>> = args
        .iter()
        .map(|arg| rewrite_in(arg, nested_shape, context))
        .collect();
    let last = args.len() - 1;
    // The last argument on a line of its own, kept: the overflow attempt
    // below replaces it in `items`, and rewriting it again costs a pass
    // over everything nested in it.
    let last_nested = items[last].clone();

    // rustfmt's `try_overflow_last_item`.
    let combine_with_callee = args.len() == 1 && callee.len() < TAB;
    let overflow_last = combine_with_callee || args[last].can_overflow(args.len());
    let placeholder = if overflow_last {
        // rustfmt (edition 2021) holds the arguments of a call to this, not
        // those of a macro.
        let is_macro = matches!(delimiter, Delimiter::MacroParen | Delimiter::MacroBracket);
        let inner_context = Context {
            force_one_line_chain: !combine_with_callee && !is_macro && args[last].is_method_call(),
            ..context
        };
        let shape = if args.len() == 1 && !args[last].is_nested_call() {
            Some(one_line_shape)
        } else {
            let before: usize = items[..last]
                .iter()
                .map(|item| 2 + item.as_deref().map_or(0, str::len))
                .sum();
            Shape {
                width: item_max_width.min(one_line_shape.width),
                ..one_line_shape
            }
            .offset_left(before)
        };
        shape.and_then(|shape| {
            // rustfmt's `rewrite_last_closure` differs from its closure
            // layout only for bodies the templates do not print (blocks,
            // `if`, `match`).
            let text = rewrite_in(&args[last], shape, inner_context)?;
            items[last] = Some(first_line(&text).to_owned());
            Some(text)
        })
    } else {
        None
    };

    let mut tactic = definitive_tactic(&items, item_max_width, one_line_width);
    match (overflow_last, tactic, placeholder) {
        (true, Tactic::Horizontal, Some(overflowed)) if args.len() == 1 => {
            if overflowed.matches('\n').count() == 1 {
                let own = last_nested;
                items[last] = match own {
                    Some(text) if !text.contains('\n') => Some(text),
                    _ => Some(overflowed),
                };
            } else {
                items[last] = Some(overflowed);
            }
        }
        (true, Tactic::Horizontal, Some(overflowed)) => items[last] = Some(overflowed),
        _ => {
            items[last] = last_nested;
            let single_fits = args.len() == 1
                && one_line_width != 0
                && items[0]
                    .as_deref()
                    .is_some_and(|text| !text.contains('\n') && text.len() <= one_line_width);
            if single_fits {
                tactic = Tactic::Horizontal;
            } else {
                tactic = definitive_tactic(&items, item_max_width, one_line_width);
                if let (Tactic::Vertical, Some(before)) = (tactic, format_args_before(callee)) {
                    let horizontal = |items: &[Option<String>]| {
                        definitive_tactic(items, usize::MAX, nested_shape.width)
                            == Tactic::Horizontal
                    };
                    // Every argument but the format string simple.
                    if args.len() > before
                        && args[..before].iter().all(Expr::is_simple)
                        && args[before + 1..].iter().all(Expr::is_simple)
                        && horizontal(&items[..before])
                        && horizontal(&items[before + 1..])
                    {
                        tactic = Tactic::SpecialMacro(before);
                    }
                } else if tactic == Tactic::Vertical
                    && args.iter().all(Expr::is_simple)
                    && items
                        .iter()
                        .all(|item| item.as_deref().is_some_and(|t| t.len() <= SHORT_ITEM))
                {
                    tactic = Tactic::Mixed;
                }
            }
        }
    }
    let items: Vec<String> = items.into_iter().collect::<Option<_>>()?;

    // rustfmt's trailing comma: on vertical lists of calls; never inside a
    // macro, whose input here has none.
    let trailing_comma = !context.inside_macro;
    let items_text = match tactic {
        Tactic::Horizontal => items.join(", "),
        Tactic::Vertical | Tactic::SpecialMacro(_) => {
            // A line per item; a formatting macro's arguments before its
            // format string share the first line, and those after it the
            // last.
            let breaks_before = |index: usize| match tactic {
                Tactic::SpecialMacro(before) => (before..=before + 1).contains(&index),
                _ => true,
            };
            let pad = " ".repeat(nested_shape.indent);
            let mut text =
                String::with_capacity(items.iter().map(|item| item.len() + 2 + pad.len()).sum());
            for (index, item) in items.iter().enumerate() {
                if index > 0 && breaks_before(index) {
                    text.push('\n');
                    text.push_str(&pad);
                } else if index > 0 {
                    text.push(' ');
                }
                text.push_str(item);
                if index < last || trailing_comma {
                    text.push(',');
                }
            }
            text
        }
        Tactic::Mixed => {
            let pad = " ".repeat(nested_shape.indent);
            pack_mixed(&items, &pad, nested_shape.width + 1, trailing_comma)
        }
    };

    // rustfmt's `wrap_items`.
    let shape_width = shape.width.saturating_sub(used_width);
    let extendable = tactic == Tactic::Horizontal;
    let extend_width = first_line(&items_text).len() + 1;
    let fits_one_line = items_text.len() + 2 <= shape_width;
    let single_line = (context.inside_macro && !items_text.contains('\n') && fits_one_line)
        || (extendable && extend_width <= shape_width);
    let text = if single_line {
        [callee, open, &items_text, close].concat()
    } else {
        broken(
            callee,
            open,
            nested_shape.indent,
            &items_text,
            shape.indent,
            close,
        )
    };
    Some(text)
}

/// `head` and `open`, then `body` from a line of its own at `inner`
/// columns, then `close` on a line of its own at `outer` columns: a list
/// or a block broken over lines.
fn broken(head: &str, open: &str, inner: usize, body: &str, outer: usize, close: &str) -> String {
    [
        head,
        open,
        "\n",
        &spaces(inner),
        body,
        "\n",
        &spaces(outer),
        close,
    ]
    .concat()
}

/// rustfmt's closure layout: the body on the same line, else in a block.
fn rewrite_closure(params: &str, body: &Expr, shape: Shape, context: Context) -> Option<String> {
    let prefix = ["|", params, "|"].concat();
    if let Some(body_shape) = shape.offset_left(prefix.len() + 1) {
        if let Some(text) = rewrite_in(body, body_shape, context) {
            if !text.contains('\n') || context.inside_macro {
                return Some([&prefix, " ", &text].concat());
            }
        }
    }
    rewrite_closure_with_block(&prefix, body, shape, context)
}

fn rewrite_closure_with_block(
    prefix: &str,
    body: &Expr,
    shape: Shape,
    context: Context,
) -> Option<String> {
    let inner = shape.block_indent(TAB);
    let text = rewrite_in(body, inner, context)?;
    Some(broken(prefix, " {", inner.indent, &text, shape.indent, "}"))
}

/// rustfmt's chain layout, block style.
fn rewrite_chain(expr: &Expr, shape: Shape, context: Context) -> Option<String> {
    let Expr::Chain { root, links } = expr else {
        unreachable!("only chains come here")
    };
    // format_root: a root no wider than the indent takes its first links.
    let mut root_text = rewrite_in(root, shape, context)?;
    // A root that ends in a block (a call over several lines) puts its
    // links at its own indent.
    let mut root_ends_with_block = root_text.contains('\n')
        && matches!(
            **root,
            Expr::Call { .. } | Expr::Struct { .. } | Expr::Try(_) | Expr::Unary(..)
        );
    let mut children: &[Link] = links;
    let tab_width = TAB.saturating_sub(shape.offset_from_indent());
    while root_text.len() <= tab_width && !root_text.contains('\n') {
        let link_shape = shape.offset_left(root_text.len())?;
        match rewrite_link(&children[0], link_shape, context) {
            Some(text) => root_text.push_str(&text),
            None => break,
        }
        root_ends_with_block = last_line_extendable(&root_text);
        children = &children[1..];
        if children.is_empty() {
            break;
        }
    }
    if children.is_empty() {
        return wrap_str(root_text, shape);
    }
    let child_shape = if root_ends_with_block {
        shape.block_indent(0)
    } else {
        shape.block_indent(TAB)
    };
    let mut rewrites = vec![root_text];
    for link in &children[..children.len() - 1] {
        rewrites.push(rewrite_link(link, child_shape, context)?);
    }
    // format_last_child.
    let last = &children[children.len() - 1];
    let tries = last.tries();
    let almost_total = rewrites.iter().map(String::len).sum::<usize>() + tries;
    // rustfmt counts the links the root took too.
    let child_count = links.len();
    // What follows the chain on its last line (`;`, `,`).
    let rhs_overhead = MAX_WIDTH.saturating_sub(shape.offset + shape.width);
    let one_line_budget = if child_count == 1 {
        shape.width
    } else {
        shape.width.min(CHAIN_WIDTH)
    }
    .saturating_sub(almost_total);
    let all_in_one_line = rewrites.iter().all(|text| !text.contains('\n')) && one_line_budget > 0;
    let last_shape = if all_in_one_line {
        shape.sub_width(tries)?
    } else {
        child_shape.sub_width(rhs_overhead + tries)?
    };
    let mut fits_single_line = false;
    let mut last_text = None;
    if all_in_one_line {
        if let Some(one_line_shape) = last_shape.offset_left(almost_total) {
            if let Some(text) = rewrite_link(last, one_line_shape, context) {
                let line_count = text.lines().count();
                let could_fit_single_line = first_line(&text).len() <= one_line_budget;
                if could_fit_single_line && line_count >= 5 {
                    last_text = Some(text);
                    fits_single_line = all_in_one_line;
                } else {
                    let own_shape = child_shape.sub_width(rhs_overhead + tries)?;
                    match rewrite_link(last, own_shape, context) {
                        Some(own) if !could_fit_single_line => last_text = Some(own),
                        Some(own) if own.lines().count() >= line_count => {
                            last_text = Some(text);
                            fits_single_line = could_fit_single_line && all_in_one_line;
                        }
                        own @ Some(_) => last_text = own,
                        None => {
                            last_text = Some(text);
                            fits_single_line = could_fit_single_line && all_in_one_line;
                        }
                    }
                }
            }
        }
    }
    let last_text = match last_text {
        Some(text) => text,
        None => rewrite_link(last, last_shape, context)?,
    };
    // An overflowed last argument of a call must be a chain on one line.
    if context.force_one_line_chain && (!fits_single_line || last_text.contains('\n')) {
        return None;
    }
    rewrites.push(last_text);
    let connector = if fits_single_line {
        String::new()
    } else {
        ["\n", &spaces(child_shape.indent)].concat()
    };
    let text = rewrites.join(&connector);
    wrap_str(text, shape)
}

/// rustfmt's `last_line_extendable`: the last line only closes brackets.
fn last_line_extendable(text: &str) -> bool {
    let last = text.rsplit('\n').next().unwrap_or(text);
    last.chars()
        .all(|c| matches!(c, '(' | ')' | ']' | '}' | '?' | '>') || c.is_whitespace())
}

fn rewrite_link(link: &Link, shape: Shape, context: Context) -> Option<String> {
    match link {
        Link::Method { name, args, tries } => {
            let shape = shape.sub_width(*tries)?;
            let mut text = rewrite_list(
                &[".", name].concat(),
                Delimiter::Paren,
                args,
                shape,
                context,
            )?;
            text.extend(std::iter::repeat_n('?', *tries));
            Some(text)
        }
        // rustfmt writes a field whatever the width left; the chain's
        // checks then decide where it goes.
        Link::Field { name, tries } => {
            let mut text = String::with_capacity(1 + name.len() + tries);
            text.push('.');
            text.push_str(name);
            text.extend(std::iter::repeat_n('?', *tries));
            Some(text)
        }
    }
}

/// `expr` as a statement at `indent` followed by `suffix` (`;`, `,` or
/// nothing), every line but the first indented as rustfmt would.
pub fn statement(expr: &Expr, indent: usize, suffix: &str) -> String {
    let shape = Shape::statement(indent, suffix.len());
    let mut text = rewrite(expr, shape).unwrap_or_else(|| expr.flat());
    text.push_str(suffix);
    text
}

/// `prefix expr suffix` where `prefix` is fixed text on the same line
/// (`let name = `, `return `, `name: `).
pub fn after(prefix: &str, expr: &Expr, indent: usize, suffix: &str) -> String {
    let shape = Shape::statement(indent, suffix.len());
    let text = shape
        .offset_left(prefix.len())
        .and_then(|shape| rewrite(expr, shape))
        .unwrap_or_else(|| expr.flat());
    [prefix, &text, suffix].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_at_first_splits_as_split_once_does() {
        let texts = [
            "let x = y;",
            "a == b = c",
            "x => y => z",
            "name: Type: x",
            "   =   = ",
            "é = x",
            "= x",
            "x =",
            " = ",
            "",
            "impl A for B for C",
            "a:b: c",
        ];
        for text in texts {
            for needle in [" = ", " => ", ": ", " for "] {
                assert_eq!(
                    split_at_first(text, needle),
                    text.split_once(needle),
                    "{text:?} at {needle:?}"
                );
            }
        }
    }

    #[test]
    fn a_call_that_fits_stays_on_one_line() {
        let expr = call("f", vec![simple("a"), simple("b")]);
        assert_eq!(statement(&expr, 4, ";"), "f(a, b);");
    }

    #[test]
    fn a_line_laid_out_by_the_shape_of_another_comes_out_as_alone() {
        // Each pair has one shape: the second line is laid out from the
        // first one's layout (see `line_shapes`), and must come out as a
        // line laid out alone does.
        let pairs = [
            (
                "        let inserted = api::model_5::insert(db.conn(), &new_value).unwrap().unwrap_or_default();",
                "        let selected = api::order_7::select(tx.conn(), &old_thing).unwrap().unwrap_or_default();",
            ),
            (
                "    stmt.query_row(params![new.parent_id, new.name, new.code, new.score], |row| Self::from_row(row))",
                "    stmt.query_row(params![old.client_no, old.mail, old.kind, old.total], |row| Self::from_row(row))",
            ),
            (
                "            Some(Model5Status::Done) => conn.execute(UPDATE_STATUS_SQL, params![row.id, status_text])?,",
                "            Some(Order7Stages::Open) => conn.execute(UPDATE_STAGES_SQL, params![new.xy, stages_text])?,",
            ),
        ];
        for (first, second) in pairs {
            assert!(super::super::line_shapes::same_shape(first, second));
            let alone = lay_out_line(second).unwrap_or_else(|| second.to_owned());
            assert_ne!(alone, second, "{second} is laid out, not kept");
            let both = lay_out_lines(&format!("{first}\n{second}"));
            let (_, after) = both.split_at(both.len() - alone.len());
            assert_eq!(after, alone);
        }
    }

    #[test]
    fn short_simple_arguments_pack_several_to_a_line() {
        let args: Vec<Expr> = "abcdefghijk"
            .chars()
            .map(|c| simple(format!("new.{c}")))
            .collect();
        assert_eq!(
            after("let z = ", &call("foo", args.clone()), 4, ";"),
            "let z = foo(\n        new.a, new.b, new.c, new.d, new.e, new.f, new.g, new.h, new.i, new.j, new.k,\n    );"
        );
        assert_eq!(
            after(
                "let y = ",
                &macro_call("params", Delimiter::MacroBracket, args),
                4,
                ";"
            ),
            "let y = params![new.a, new.b, new.c, new.d, new.e, new.f, new.g, new.h, new.i, new.j, new.k];"
        );
    }
}

/// Parses one expression as the templates print it on one line: paths
/// (turbofish included), literals, calls, macro calls, method calls and
/// fields, `?`, `&`, closures of one expression, and `a + b` kept whole.
/// `None` for anything else, which is then printed as it is.
pub fn parse(text: &str) -> Option<Expr> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0 };
    let expr = parser.expr()?;
    (parser.at == parser.tokens.len()).then_some(expr)
}

/// A token of the line being parsed, borrowed from it: most lines parse
/// to an expression that fits as it is, and copying every word of them
/// was most of what parsing cost.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'a> {
    /// A path, identifier or number: `a::b::<T>`, `new`, `42`, `self`.
    Word(&'a str),
    /// A string or char literal, as written.
    Literal(&'a str),
    /// A macro call whose arguments are no expression (`json!({ .. })`),
    /// as written: rustfmt keeps such a call as it is, whatever its width.
    RawMacro(&'a str),
    Punct(char),
}

fn tokenize(text: &str) -> Option<Vec<Token<'_>>> {
    // The lines laid out are ASCII (see `lay_out_line`), so bytes are
    // characters.
    if !text.is_ascii() {
        return None;
    }
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    // A table: every byte of a parsed line is looked up here.
    const WORD: [bool; 256] = {
        let mut word = [false; 256];
        let mut b = 0;
        while b < 256 {
            word[b] = (b as u8).is_ascii_alphanumeric() || b as u8 == b'_' || b as u8 == b'#';
            b += 1;
        }
        word
    };
    let is_word = |b: u8| WORD[usize::from(b)];
    // The punctuation a token may be, as a table too.
    const PUNCTUATION: [bool; 256] = {
        let mut punctuation = [false; 256];
        let marks = b"()[]{},.&?!|+-*%";
        let mut index = 0;
        while index < marks.len() {
            punctuation[marks[index] as usize] = true;
            index += 1;
        }
        punctuation
    };
    let mut tokens = Vec::with_capacity(bytes.len() / 3);
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b' ' {
            i += 1;
        } else if c == b'"' || c == b'\'' && at(i + 2) == Some(b'\'') {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != c {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            if i >= bytes.len() {
                return None;
            }
            i += 1;
            tokens.push(Token::Literal(&text[start..i]));
        } else if is_word(c) && c != b'#' || c == b':' && at(i + 1) == Some(b':') {
            let start = i;
            loop {
                while i < bytes.len() && is_word(bytes[i]) {
                    i += 1;
                }
                if at(i) == Some(b':') && at(i + 1) == Some(b':') {
                    i += 2;
                    if at(i) == Some(b'<') {
                        // A turbofish: up to its matching `>`.
                        let mut depth = 0;
                        while i < bytes.len() {
                            match bytes[i] {
                                b'<' => depth += 1,
                                b'>' => depth -= 1,
                                _ => {}
                            }
                            i += 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        if depth != 0 {
                            return None;
                        }
                    }
                    continue;
                }
                break;
            }
            // A macro call with a block for arguments, kept whole.
            if text[i..].starts_with("!({") {
                let mut depth = 0;
                let mut in_string = false;
                while i < bytes.len() {
                    let c = bytes[i];
                    if in_string {
                        if c == b'\\' {
                            i += 1;
                        } else if c == b'"' {
                            in_string = false;
                        }
                    } else {
                        match c {
                            b'"' => in_string = true,
                            b'(' | b'[' | b'{' => depth += 1,
                            b')' | b']' | b'}' => {
                                depth -= 1;
                                if depth == 0 {
                                    i += 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    i += 1;
                }
                if depth != 0 {
                    return None;
                }
                tokens.push(Token::RawMacro(&text[start..i]));
                continue;
            }
            if bytes[start].is_ascii_digit() {
                // A float literal such as `0.5`, and an exponent's sign:
                // `5e-324` is one number, not a subtraction.
                if at(i) == Some(b'.') && at(i + 1).is_some_and(|b| b.is_ascii_digit()) {
                    i += 1;
                    while i < bytes.len() && is_word(bytes[i]) {
                        i += 1;
                    }
                }
                if matches!(bytes[i - 1], b'e' | b'E')
                    && matches!(at(i), Some(b'-' | b'+'))
                    && at(i + 1).is_some_and(|b| b.is_ascii_digit())
                {
                    i += 1;
                    while i < bytes.len() && is_word(bytes[i]) {
                        i += 1;
                    }
                }
            }
            tokens.push(Token::Word(&text[start..i]));
        } else if c == b':' {
            // A struct literal's `name: value` (paths took `::` above).
            tokens.push(Token::Punct(':'));
            i += 1;
        } else if c == b'=' && at(i + 1) == Some(b'=') {
            tokens.push(Token::Punct('='));
            i += 2;
        } else if PUNCTUATION[usize::from(c)] {
            tokens.push(Token::Punct(c as char));
            i += 1;
        } else {
            return None;
        }
    }
    Some(tokens)
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.at).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(Token::Punct(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// An expression; `a + b` (and `-`, `*`, `==`) becomes one unbroken
    /// atom.
    fn expr(&mut self) -> Option<Expr> {
        let first = self.unary()?;
        let mut text = None;
        loop {
            match self.peek() {
                Some(Token::Punct(op @ ('+' | '-' | '*' | '=' | '%'))) => {
                    let op = if op == '=' {
                        "==".to_owned()
                    } else {
                        op.to_string()
                    };
                    self.at += 1;
                    let operand = self.unary()?;
                    let left = text.take().unwrap_or_else(|| first.flat());
                    text = Some(format!("{left} {op} {}", operand.flat()));
                }
                // A cast: `n as f64`.
                Some(Token::Word("as")) => {
                    self.at += 1;
                    let Some(Token::Word(ty)) = self.peek() else {
                        return None;
                    };
                    self.at += 1;
                    let left = text.take().unwrap_or_else(|| first.flat());
                    text = Some(format!("{left} as {ty}"));
                }
                _ => break,
            }
        }
        Some(match text {
            Some(text) => atom(text),
            None => first,
        })
    }

    fn unary(&mut self) -> Option<Expr> {
        if self.eat('&') {
            return Some(reference(self.unary()?));
        }
        if self.eat('!') {
            return Some(Expr::Unary('!', Box::new(self.unary()?)));
        }
        if self.eat('*') {
            // A dereference: simple where its operand is.
            let Expr::Atom { mut text, simple } = self.unary()? else {
                return None;
            };
            text.insert(0, '*');
            return Some(Expr::Atom { text, simple });
        }
        if self.eat('|') {
            let mut params = String::new();
            while !self.eat('|') {
                match self.peek()? {
                    Token::Word(word) => {
                        if !params.is_empty() {
                            params.push(' ');
                        }
                        params.push_str(word);
                    }
                    _ => return None,
                }
                self.at += 1;
            }
            let body = self.expr()?;
            return Some(closure(params, body));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Option<Expr> {
        let mut expr = self.primary()?;
        loop {
            if self.eat('?') {
                expr = question(expr);
            } else if self.eat('.') {
                let Some(Token::Word(name)) = self.peek() else {
                    return None;
                };
                self.at += 1;
                if self.eat('(') {
                    let args = self.args(')')?;
                    expr = method(expr, name, args);
                } else if matches!(expr, Expr::Atom { .. }) {
                    // `new.field` and `t.0` stay one simple atom.
                    let Expr::Atom { mut text, simple } = expr else {
                        unreachable!()
                    };
                    text.push('.');
                    text.push_str(name);
                    expr = Expr::Atom { text, simple };
                } else {
                    expr = field(expr, name);
                }
            } else {
                return Some(expr);
            }
        }
    }

    fn primary(&mut self) -> Option<Expr> {
        match self.peek()? {
            Token::Literal(text) => {
                self.at += 1;
                Some(simple(text))
            }
            Token::RawMacro(text) => {
                self.at += 1;
                Some(Expr::RawMacro(text.to_owned()))
            }
            Token::Word(word) => {
                self.at += 1;
                if self.eat('!') {
                    let delimiter = if self.eat('(') {
                        Delimiter::MacroParen
                    } else if self.eat('[') {
                        Delimiter::MacroBracket
                    } else {
                        return None;
                    };
                    let close = if delimiter == Delimiter::MacroBracket {
                        ']'
                    } else {
                        ')'
                    };
                    let args = self.args(close)?;
                    return Some(macro_call(word, delimiter, args));
                }
                if self.eat('(') {
                    let args = self.args(')')?;
                    return Some(call(word, args));
                }
                // A word's only colons are its paths' `::` (see
                // `tokenize`): looked for by the char, which is cheaper
                // than by the string.
                let last_segment = &word[word.rfind(':').map_or(0, |at| at + 1)..];
                if last_segment.starts_with(char::is_uppercase) && self.eat('{') {
                    return self.struct_fields(word.to_owned());
                }
                let is_simple = !word.contains(':');
                Some(Expr::Atom {
                    text: word.to_owned(),
                    simple: is_simple,
                })
            }
            Token::Punct('(') => {
                // A tuple (a parenthesised expression is not printed).
                self.at += 1;
                let args = self.args(')')?;
                if args.len() < 2 {
                    return None;
                }
                Some(Expr::Call {
                    callee: String::new(),
                    delimiter: Delimiter::Paren,
                    args,
                })
            }
            Token::Punct('[') => {
                self.at += 1;
                let args = self.args(']')?;
                Some(Expr::Call {
                    callee: String::new(),
                    delimiter: Delimiter::Bracket,
                    args,
                })
            }
            Token::Punct(_) => None,
        }
    }

    /// The fields of a struct literal, after its `{`.
    fn struct_fields(&mut self, path: String) -> Option<Expr> {
        let mut fields = Vec::new();
        loop {
            if self.eat('}') {
                return Some(Expr::Struct { path, fields });
            }
            if self.eat('.') {
                // `..base`, last: kept as one item, as rustfmt keeps it.
                if !self.eat('.') {
                    return None;
                }
                let base = self.expr()?;
                fields.push((format!("..{}", base.flat()), None));
                return self.eat('}').then_some(Expr::Struct { path, fields });
            }
            let Some(Token::Word(name)) = self.peek() else {
                return None;
            };
            self.at += 1;
            let value = if self.eat(':') {
                Some(self.expr()?)
            } else {
                None
            };
            fields.push((name.to_owned(), value));
            if !self.eat(',') {
                return self.eat('}').then_some(Expr::Struct { path, fields });
            }
        }
    }

    /// Comma-separated expressions up to `close`.
    fn args(&mut self, close: char) -> Option<Vec<Expr>> {
        let mut args = Vec::new();
        loop {
            if self.eat(close) {
                return Some(args);
            }
            args.push(self.expr()?);
            if !self.eat(',') {
                return self.eat(close).then_some(args);
            }
        }
    }
}

/// Lays out every line of a block the templates printed one statement per
/// line: a line that is a call statement, a `let`, a `return`, a struct
/// field or a match arm whose expression [`parse`] reads is laid out as
/// rustfmt would; every other line is kept as it is, but for whitespace at
/// its end and runs of blank lines, which become one.
pub fn lay_out_lines(block: &str) -> String {
    // Laid out, a file is 8% longer than printed (1,000 models); with an
    // eighth more room a sixth of the files of varied names outgrew it.
    let mut out = String::with_capacity(block.len() + block.len() / 4);
    let mut blank_before = false;
    for line in block.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        // rustfmt leaves no whitespace at the end of a line.
        let body = body.trim_end();
        // One blank line at most between items, as rustfmt keeps them.
        let blank = body.is_empty();
        if blank && blank_before {
            continue;
        }
        blank_before = blank;
        // Its code, read once for both tests below.
        let code = body.trim_start();
        if kept_as_printed(body, code) {
            out.push_str(body);
        } else if kept_by_its_head(body, code) {
            // What `lay_out_line` would decide, without the cost of a look
            // at the line's shape and a parse; every test that renders
            // holds the two to agree.
            debug_assert_eq!(
                lay_out_line(body).as_deref().unwrap_or(body),
                body,
                "kept_by_its_head keeps a line lay_out_line lays out"
            );
            out.push_str(body);
        } else {
            super::line_shapes::lay_out_into(body, &mut out, lay_out_line);
        }
        out.push_str(newline);
    }
    out
}

/// `text` after `indent` spaces.
fn padded(indent: usize, text: String) -> String {
    let mut line = String::with_capacity(indent + text.len());
    line.extend(std::iter::repeat_n(' ', indent));
    line.push_str(&text);
    line
}

/// Whether `line`, whose code after its indent is `code`, is kept as it is
/// without a look at its expressions.
fn kept_as_printed(line: &str, code: &str) -> bool {
    let indent = line.len() - code.len();
    // rustfmt measures text in characters and the port in bytes, so a
    // line that is not ASCII (a template's own literal) is left as printed.
    if code.starts_with("//") || code.starts_with('#') || code.is_empty() || !code.is_ascii() {
        return true;
    }
    // A short line without braces is kept as it is: no list, chain or
    // right-hand side in it reaches a width rustfmt would break at.
    let code = code.strip_suffix([';', ',']).unwrap_or(code);
    let suffix = line.len() - indent - code.len();
    code.len() + suffix <= CHAIN_WIDTH.min(FN_CALL_WIDTH)
        && indent + code.len() + suffix <= MAX_WIDTH
        && !code.contains('{')
}

/// Whether `line` (its code after its indent `code`) is one that
/// [`lay_out_line`] keeps as it is for what it starts with: a block's head
/// that no rule of the layout reads (`if`, `for`, `while`, `loop`,
/// `else`), a signature, an item head or a `use` that fits on its line,
/// or a string `const` that [`assign`] keeps. A third of the lines of a
/// schema of varied names are such (1,000 models: 120,000 of 330,000
/// laid-out lines), and each would otherwise be looked up by its shape
/// and, where the shape is new, parsed in vain.
fn kept_by_its_head(line: &str, code: &str) -> bool {
    let width = line.len();
    if let Some(head) = code.strip_suffix(" {") {
        let control = ["loop", "else", "} else"].contains(&head)
            || ["if ", "for ", "while ", "else ", "} else "]
                .iter()
                .any(|start| head.starts_with(start));
        return control || ((is_item_head(code) || is_fn_signature(code)) && width <= MAX_WIDTH);
    }
    if code.starts_with("use ") || code.starts_with("pub use ") {
        // `use_list` keeps the line whole where it and its `;` fit in two
        // columns less than the maximum.
        return code.ends_with(';') && width - 1 < MAX_WIDTH - 2;
    }
    kept_string_const(code, line.len() - code.len())
}

/// Whether `code` is a `const` whose value is one string literal (the
/// crate's SQL) that [`assign`] keeps on its line: where it fits there,
/// or where it does not fit on the next line either, since a literal
/// cannot break. These are the longest lines a schema prints, and most
/// are of a shape of their own.
fn kept_string_const(code: &str, indent: usize) -> bool {
    let Some(code) = code.strip_suffix(';') else {
        return false;
    };
    let is_const = ["const ", "pub const ", "pub(crate) const "]
        .iter()
        .any(|start| code.starts_with(start));
    if !is_const {
        return false;
    }
    let Some((name, value)) = split_at_first(code, " = ") else {
        return false;
    };
    if !is_one_string_literal(value) {
        return false;
    }
    // `assign`'s shapes: after `name = ` on the line, or alone on the next.
    let here = Shape::statement(indent, 1)
        .width
        .checked_sub(name.len() + 3);
    let next = Shape::statement(indent + TAB, 1).width;
    here.is_some_and(|width| value.len() <= width) || value.len() > next
}

/// Whether `text` is one string literal, as [`tokenize`] reads one.
fn is_one_string_literal(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 2 || bytes[0] != b'"' {
        return false;
    }
    let mut i = 1;
    while i < bytes.len() && bytes[i] != b'"' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i == bytes.len() - 1
}

/// `line`, one [`kept_as_printed`] does not keep, laid out as rustfmt
/// would, or `None` where it is kept as it is.
fn lay_out_line(line: &str) -> Option<String> {
    let code = line.trim_start();
    let indent = line.len() - code.len();
    let (code, suffix) = if let Some(code) = code.strip_suffix(';') {
        (code, ";")
    } else if let Some(code) = code.strip_suffix(',') {
        (code, ",")
    } else {
        (code, "")
    };
    let pad = " ".repeat(indent);
    if suffix.is_empty() && is_item_head(code) && indent + code.len() > MAX_WIDTH {
        let head = code.strip_suffix(" {")?;
        // rustfmt breaks a long `impl Trait for Type {` before `for`, and
        // puts the brace of any long item head on a line of its own.
        return Some(match split_at_first(head, " for ") {
            Some((head, target)) if indent + head.len() > MAX_WIDTH => {
                let trait_ = head.strip_prefix("impl ")?;
                if indent + TAB + trait_.len() <= MAX_WIDTH {
                    format!("{pad}impl\n{pad}    {trait_}\n{pad}    for {target}\n{pad}{{")
                } else {
                    let trait_ = break_type(trait_, indent + TAB);
                    format!("{pad}impl\n{pad}    {trait_} for {target}\n{pad}{{")
                }
            }
            Some((head, target)) => format!("{pad}{head}\n{pad}    for {target}\n{pad}{{"),
            None => match head.split_once(' ') {
                Some(("impl", name)) => {
                    format!("{pad}impl\n{pad}    {name}\n{pad}{{")
                }
                _ => format!("{pad}{head}\n{pad}{{"),
            },
        });
    }
    if suffix == ";" && (code.starts_with("use ") || code.starts_with("pub use ")) {
        return use_list(code, indent).map(|text| format!("{pad}{text}"));
    }
    if suffix == "," && code.starts_with("pub ") && indent + code.len() + 1 > MAX_WIDTH {
        // A struct's field: its type on the next line where it fits there,
        // else its generic arguments broken over lines.
        let (name, ty) = split_at_first(code, ": ")?;
        if indent + TAB + ty.len() < MAX_WIDTH {
            return Some(format!("{pad}{name}:\n{pad}    {ty},"));
        }
        return Some(format!("{pad}{name}: {},", break_type(ty, indent)));
    }
    if let Some(scrutinee) = code
        .strip_prefix("match ")
        .and_then(|rest| rest.strip_suffix(" {"))
    {
        let expr = parse(scrutinee)?;
        let shape = Shape::statement(indent, 2).offset_left(6)?;
        let text = rewrite(&expr, shape).unwrap_or_else(|| expr.flat());
        return Some(if text.contains('\n') {
            format!("{pad}match {text}\n{pad}{{")
        } else {
            format!("{pad}match {text} {{")
        });
    }
    if suffix.is_empty() && code.ends_with(" {") && is_fn_signature(code) {
        if indent + code.len() <= MAX_WIDTH {
            return None;
        }
        return Some(padded(indent, signature(code, indent)));
    }
    let is_const = ["const ", "pub const ", "pub(crate) const "]
        .iter()
        .any(|start| code.starts_with(start));
    if suffix == ";" && is_const {
        let (lhs, value) = split_at_first(code, " = ")?;
        let expr = parse(value)?;
        return Some(format!(
            "{pad}{}",
            assign(&format!("{lhs} ="), &expr, indent, suffix)
        ));
    }
    if let Some(rest) = code.strip_prefix("let ") {
        let (pattern, value) = split_at_first(rest, " = ")?;
        let expr = parse(value)?;
        let lhs = format!("let {pattern} =");
        return Some(padded(indent, assign(&lhs, &expr, indent, suffix)));
    }
    if let Some((place, value)) = split_at_first(code, " = ") {
        // `place = value;`, laid out as a `let` is.
        if suffix == ";" && place.split('.').all(is_identifier) {
            let expr = parse(value)?;
            let lhs = format!("{place} =");
            return Some(padded(indent, assign(&lhs, &expr, indent, suffix)));
        }
    }
    if let Some(value) = code.strip_prefix("return ") {
        let expr = parse(value)?;
        return Some(padded(indent, after("return ", &expr, indent, suffix)));
    }
    if let Some((pattern, value)) = split_at_first(code, " => ") {
        let expr = parse(value)?;
        return Some(padded(indent, arm(pattern, &expr, indent, suffix)));
    }
    if let Some((name, value)) = split_at_first(code, ": ") {
        if suffix == "," && is_identifier(name) {
            let expr = parse(value)?;
            return Some(padded(indent, field_init(name, &expr, indent)));
        }
    }
    let expr = parse(code)?;
    Some(padded(indent, statement(&expr, indent, suffix)))
}

/// A `use` with a `{...}` list too long for one line: the names packed
/// into lines, as rustfmt's `imports_layout = "Mixed"` does.
fn use_list(code: &str, indent: usize) -> Option<String> {
    // The line with its `;` fits in two columns less than the maximum.
    if indent + code.len() < MAX_WIDTH - 2 {
        return None;
    }
    let open = code.find('{')?;
    let names = code[open + 1..].strip_suffix('}')?;
    let pad = " ".repeat(indent + TAB);
    let names: Vec<&str> = names.split(", ").collect();
    // rustfmt keeps the last column free on these lines.
    let budget = MAX_WIDTH - indent - TAB - 1;
    let mut text = format!("{}{{\n{pad}", &code[..open]);
    text.push_str(&pack_mixed(&names, &pad, budget, true));
    text.push('\n');
    text.push_str(&" ".repeat(indent));
    text.push_str("};");
    Some(text)
}

/// `items` packed as many to a line as fit in `budget` columns, as
/// rustfmt's `write_list` does for its "mixed" tactic: lines after the
/// first start with `pad`, and a comma follows every item, the last one
/// too where `trailing_comma`. That last comma counts against the width
/// only once the list has wrapped.
fn pack_mixed(items: &[impl AsRef<str>], pad: &str, budget: usize, trailing_comma: bool) -> String {
    let last = items.len().saturating_sub(1);
    let mut text = String::new();
    let mut line = 0;
    let mut wrapped = false;
    for (index, item) in items.iter().enumerate() {
        let item = item.as_ref();
        let comma = index < last || trailing_comma;
        let counted = usize::from(index < last || wrapped && trailing_comma);
        if index > 0 {
            if line + 1 + item.len() + counted > budget {
                text.push('\n');
                text.push_str(pad);
                line = 0;
                wrapped = true;
            } else {
                text.push(' ');
                line += 1;
            }
        }
        text.push_str(item);
        line += item.len();
        if comma {
            text.push(',');
            line += 1;
        }
    }
    text
}

/// A type that does not fit: `Outer<Inner>` with `Inner` on lines of its
/// own, as rustfmt breaks generic arguments.
fn break_type(ty: &str, indent: usize) -> String {
    let inner_indent = indent + TAB;
    match ty.split_once('<') {
        Some((outer, rest)) if rest.ends_with('>') => {
            let inner = &rest[..rest.len() - 1];
            let inner = if inner_indent + inner.len() < MAX_WIDTH {
                inner.to_owned()
            } else {
                break_type(inner, inner_indent)
            };
            format!(
                "{outer}<\n{}{inner},\n{}>",
                " ".repeat(inner_indent),
                " ".repeat(indent)
            )
        }
        _ => ty.to_owned(),
    }
}

/// `text` around the first `needle`, as `str::split_once` gives it. The
/// needle is found by the first of its bytes that is no space, with the
/// char search (`memchr`): `split_once` sets up a two-way string search
/// each time, which for these short lines cost more than the search, and
/// `lay_out_line` splits every line it reads up to four times.
fn split_at_first<'a>(text: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let anchor = needle.bytes().position(|b| b != b' ')?;
    let mark = char::from(needle.as_bytes()[anchor]);
    let mut from = 0;
    while let Some(found) = text[from..].find(mark) {
        let at = from + found;
        // The bytes compared, not the text sliced: where the needle does
        // not start at `start`, that need not be a character's boundary.
        if let Some(start) = at.checked_sub(anchor) {
            if text.as_bytes()[start..].starts_with(needle.as_bytes()) {
                return Some((&text[..start], &text[start + needle.len()..]));
            }
        }
        from = at + mark.len_utf8();
    }
    None
}

/// Whether `code` is the head of an `impl`, a struct or an enum. `impl`
/// ends the word: a call such as `implied(..)` is no item head, and a
/// line's layout may depend on what its names spell only through keywords
/// (see `line_shapes`).
fn is_item_head(code: &str) -> bool {
    [
        "impl ",
        "impl<",
        "pub struct ",
        "pub enum ",
        "struct ",
        "enum ",
    ]
    .iter()
    .any(|start| code.starts_with(start))
}

fn is_fn_signature(code: &str) -> bool {
    ["fn ", "pub fn ", "pub(crate) fn "]
        .iter()
        .any(|start| code.starts_with(start))
}

/// A function signature printed on one line: kept where it fits, else a
/// parameter per line, as rustfmt's `fn_params_layout = "Tall"` does.
fn signature(code: &str, indent: usize) -> String {
    if indent + code.len() <= MAX_WIDTH {
        return code.to_owned();
    }
    if let Some(head) = code.strip_suffix("() {") {
        // Without parameters, the brace goes to the next line while
        // `fn name()` fits; after that only the parentheses can break.
        let pad = " ".repeat(indent);
        return if indent + head.len() + 2 <= MAX_WIDTH {
            format!("{head}()\n{pad}{{")
        } else {
            format!("{head}(\n{pad}) {{")
        };
    }
    // The parameters open after the name: `pub(crate)` has parentheses too.
    let Some(open) = code
        .find("fn ")
        .and_then(|fn_at| code[fn_at..].find('(').map(|open| fn_at + open))
    else {
        return code.to_owned();
    };
    // The parameters end at the `)` that closes the first `(`.
    let mut depth = 0;
    let mut close = None;
    for (index, c) in code.char_indices().skip(open) {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' if !code[..index].ends_with('-') => {
                depth -= 1;
                if depth == 0 {
                    close = Some(index);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else {
        return code.to_owned();
    };
    let params = split_top_level(&code[open + 1..close]);
    let pad = " ".repeat(indent + TAB);
    let mut text = code[..=open].to_owned();
    for param in params {
        text.push('\n');
        text.push_str(&pad);
        text.push_str(param.trim());
        text.push(',');
    }
    text.push('\n');
    text.push_str(&" ".repeat(indent));
    let tail = &code[close..];
    // The brace goes to a line of its own where ` {` does not fit after
    // the return type.
    match tail.strip_suffix(" {") {
        Some(head) if indent + head.len() + 2 > MAX_WIDTH => {
            text.push_str(head);
            text.push('\n');
            text.push_str(&" ".repeat(indent));
            text.push('{');
        }
        _ => text.push_str(tail),
    }
    text
}

/// `text` split at the commas outside brackets.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        parts.push(&text[start..]);
    }
    parts
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '#')
}

/// `lhs = expr` with rustfmt's `choose_rhs`: on the same line, else on the
/// next line where that is better.
pub fn assign(lhs: &str, expr: &Expr, indent: usize, suffix: &str) -> String {
    let shape = Shape::statement(indent, suffix.len());
    let orig_shape = shape.offset_left(lhs.len() + 1).unwrap_or(Shape {
        width: 0,
        offset: shape.offset + lhs.len() + 1,
        ..shape
    });
    let orig = rewrite(expr, orig_shape);
    let same_line = |text: &str| [lhs, " ", text, suffix].concat();
    if let Some(text) = &orig {
        if !text.contains('\n') && text.len() <= orig_shape.width {
            return same_line(text);
        }
    }
    let new_shape = Shape::statement(indent + TAB, suffix.len());
    let next = rewrite(expr, new_shape);
    let next_line = |text: &str| [lhs, "\n", &spaces(indent + TAB), text, suffix].concat();
    match (orig, next) {
        (Some(orig), Some(next)) if !fits(&next, new_shape) => same_line(&orig),
        (Some(orig), Some(next)) if prefer_next_line(&orig, &next) => next_line(&next),
        (None, Some(next)) => next_line(&next),
        (Some(orig), _) => same_line(&orig),
        (None, None) => same_line(&expr.flat()),
    }
}

fn prefer_next_line(orig: &str, next: &str) -> bool {
    let ends_with = |text: &str, c: char| first_line(text).ends_with(c);
    !next.contains('\n')
        || orig.matches('\n').count() > next.matches('\n').count() + 1
        || ends_with(orig, '(') && !ends_with(next, '(')
        || ends_with(orig, '{') && !ends_with(next, '{')
        || ends_with(orig, '[') && !ends_with(next, '[')
}

/// `name: expr,` in a struct literal: on the same line, else on the next.
pub fn field_init(name: &str, expr: &Expr, indent: usize) -> String {
    field_init_in(name, expr, indent, Context::default())
}

fn field_init_in(name: &str, expr: &Expr, indent: usize, context: Context) -> String {
    let shape = Shape::statement(indent, 1);
    if let Some(text) = shape
        .offset_left(name.len() + 2)
        .and_then(|shape| rewrite_in(expr, shape, context))
    {
        return [name, ": ", &text, ","].concat();
    }
    // rustfmt's `Shape::indented`: no room kept for the comma.
    let inner = Shape::statement(indent + TAB, 0);
    match rewrite_in(expr, inner, context) {
        Some(text) => [name, ":\n", &spaces(indent + TAB), &text, ","].concat(),
        None => [name, ": ", &expr.flat(), ","].concat(),
    }
}

/// `pattern => expr,` in a match, as rustfmt's `rewrite_match_body` lays
/// it out: on one line; else the body in a block on the next lines, unless
/// it is a call that may start on the arm's line.
pub fn arm(pattern: &str, expr: &Expr, indent: usize, suffix: &str) -> String {
    let prefix = format!("{pattern} => ");
    let shape = Shape::statement(indent, suffix.len());
    let orig_shape = shape.offset_left(prefix.len());
    let orig = orig_shape.and_then(|shape| rewrite(expr, shape));
    if let (Some(text), Some(shape)) = (&orig, orig_shape) {
        if !text.contains('\n') && text.len() <= shape.width {
            return format!("{prefix}{text}{suffix}");
        }
    }
    let next_shape = Shape::statement(indent + TAB, 0);
    let next = rewrite(expr, next_shape);
    let block = |body: &str| {
        format!(
            "{prefix}{{\n{}{body}\n{}}}",
            " ".repeat(indent + TAB),
            " ".repeat(indent)
        )
    };
    let budget = orig_shape.map_or(0, |shape| shape.width);
    match (orig, next) {
        (Some(orig), Some(next)) if prefer_next_line(&orig, &next) => block(&next),
        (Some(orig), _) if can_extend(expr) && first_line(&orig).len() <= budget => {
            format!("{prefix}{orig}{suffix}")
        }
        (Some(orig), Some(next)) if orig.contains('\n') => block(&next),
        (None, Some(next)) => block(&next),
        (Some(orig), _) => format!("{prefix}{orig}{suffix}"),
        (None, None) => format!("{prefix}{}{suffix}", expr.flat()),
    }
}

/// rustfmt's `can_flatten_block_around_this`: a body that may start on
/// the line of its arm and go on below.
fn can_extend(expr: &Expr) -> bool {
    match expr {
        Expr::Call { .. }
        | Expr::Chain { .. }
        | Expr::Struct { .. }
        | Expr::Closure { .. }
        | Expr::RawMacro(_) => true,
        Expr::Unary(_, inner) | Expr::Try(inner) => can_extend(inner),
        Expr::Atom { .. } => false,
    }
}

/// `head = &[...];` for a slice of struct literals of type `ty`, each
/// given by its fields (`name: value`, one to a line, for
/// [`lay_out_lines`] to lay out), as rustfmt prints it: `&[]` when empty,
/// one struct hugging the brackets, else a struct per item.
pub fn struct_slice(head: &str, ty: &str, items: &[Vec<String>]) -> String {
    let mut text = format!("{head} = &[");
    match items {
        [] => {}
        [one] => {
            text.push_str(ty);
            text.push_str(" {\n");
            for field in one {
                text.push_str(&format!("    {field},\n"));
            }
            text.push('}');
        }
        _ => {
            text.push('\n');
            for item in items {
                text.push_str(&format!("    {ty} {{\n"));
                for field in item {
                    text.push_str(&format!("        {field},\n"));
                }
                text.push_str("    },\n");
            }
        }
    }
    text.push_str("];");
    text
}

/// Orders two `use` items as rustfmt does (its default, edition 2021):
/// segment by segment, snake_case before CamelCase before UPPER_CASE, and
/// a `{...}` list after any name.
pub fn compare_use_paths(a: &str, b: &str) -> std::cmp::Ordering {
    let segments = |text: &str| -> Vec<String> {
        let path = text
            .trim_start_matches("pub ")
            .trim_start_matches("use ")
            .trim_end_matches(';');
        let (plain, list) = match path.find('{') {
            Some(at) => (&path[..at], Some(&path[at..])),
            None => (path, None),
        };
        let mut parts: Vec<String> = plain
            .split("::")
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
            .collect();
        parts.extend(list.map(str::to_owned));
        parts
    };
    let (a, b) = (segments(a), segments(b));
    for (x, y) in a.iter().zip(&b) {
        let order = compare_segments(x, y);
        if order != std::cmp::Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// Orders two names of a `use` list, or two segments of a path, as
/// rustfmt does.
pub fn compare_segments(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.starts_with('{'), b.starts_with('{')) {
        (true, true) => return a.cmp(b),
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let rank = |text: &str| {
        if !text.starts_with(char::is_uppercase) {
            0
        } else if text
            .chars()
            .all(|c| c.is_uppercase() || c == '_' || c.is_numeric())
        {
            2
        } else {
            1
        }
    };
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}
