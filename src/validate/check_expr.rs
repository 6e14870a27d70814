//! Part of stage 2: reads a CHECK expression into a typed tree
//! ([`CheckExpr`]). Only column names, numbers, string literals, a fixed set
//! of operators, keywords and functions pass; the tree is type-checked
//! against the model's columns, and whatever both engines would not
//! evaluate alike is refused. Each dialect then spells the tree itself, with
//! spaces between all tokens and parentheses where precedence needs them, so
//! no two tokens can merge into a comment (`- -1` never becomes `--1`).

use crate::ir::{BinaryOp, CheckExpr, CheckFunction, FieldType};

/// How deeply an expression may nest: far more than any real check, and
/// small enough that the recursive reader and renderers stay shallow.
const MAX_DEPTH: usize = 64;

/// How many tokens an expression may have: a chain such as `a + a + …`
/// nests one level per operator in the tree.
const MAX_TOKENS: usize = 1_000;

/// A reason an expression was refused.
#[derive(Debug, PartialEq)]
pub enum CheckExprError {
    Syntax(String),
    UnknownColumn(String),
    /// Well-formed, but the types do not fit, or the engines would disagree.
    Type(String),
}

/// The type of a (sub)expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    Float,
    Text,
    Bool,
    DateTime,
    Json,
}

impl Ty {
    fn of(field_type: &FieldType) -> Ty {
        match field_type {
            FieldType::Int => Ty::Int,
            FieldType::Float => Ty::Float,
            FieldType::String { .. } | FieldType::Text | FieldType::Enum(_) => Ty::Text,
            FieldType::Bool => Ty::Bool,
            FieldType::DateTime => Ty::DateTime,
            FieldType::Json => Ty::Json,
        }
    }

    fn is_numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }

    fn describe(self) -> &'static str {
        match self {
            Ty::Int => "an int",
            Ty::Float => "a float",
            Ty::Text => "a string",
            Ty::Bool => "a bool",
            Ty::DateTime => "a datetime",
            Ty::Json => "a json value",
        }
    }

    /// Whether values of the two types can be compared alike on both
    /// engines.
    fn comparable(self, other: Ty) -> bool {
        (self.is_numeric() && other.is_numeric()) || (self == other && !matches!(self, Ty::Json))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Number(String),
    String(String),
    Symbol(&'static str),
}

/// Operators, longest first so `<=` is not read as `<`.
const OPERATORS: &[&str] = &[
    "<=", ">=", "<>", "!=", "||", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",",
];

/// Reads `expr` over the columns whose names and types `column` gives, and
/// checks that it is a boolean expression both engines evaluate alike.
pub fn parse_check<'a>(
    expr: &str,
    column: impl Fn(&str) -> Option<(usize, &'a FieldType)>,
) -> Result<CheckExpr, CheckExprError> {
    let tokens = tokenize(expr)?;
    if tokens.is_empty() {
        return Err(CheckExprError::Syntax("it is empty".into()));
    }
    if tokens.len() > MAX_TOKENS {
        return Err(CheckExprError::Syntax(format!(
            "it has more than {MAX_TOKENS} tokens; split it into several checks"
        )));
    }
    let mut parser = Parser {
        tokens,
        position: 0,
        depth: 0,
        column: &column,
    };
    let (tree, ty) = parser.or()?;
    if let Some(token) = parser.peek() {
        return Err(CheckExprError::Syntax(format!(
            "unexpected {} after a complete expression",
            describe(token)
        )));
    }
    if ty != Ty::Bool {
        return Err(CheckExprError::Type(format!(
            "the expression is {}, not true or false; compare it, e.g. `... > 0`",
            ty.describe()
        )));
    }
    Ok(tree)
}

fn tokenize(expr: &str) -> Result<Vec<Token>, CheckExprError> {
    let mut tokens = Vec::new();
    let mut rest = expr.trim_start();
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = rest.trim_start();
            continue;
        }
        if rest.starts_with("--") || rest.starts_with("/*") {
            return Err(CheckExprError::Syntax("comments are not allowed".into()));
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            tokens.push(Token::Word(rest[..end].to_owned()));
            rest = &rest[end..];
        } else if c.is_ascii_digit() {
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let number = &rest[..end];
            if number.matches('.').count() > 1 || number.ends_with('.') {
                return Err(CheckExprError::Syntax(format!(
                    "`{number}` is not a number"
                )));
            }
            if rest[end..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                return Err(CheckExprError::Syntax(format!(
                    "`{number}` runs into a name; put a space or an operator between them"
                )));
            }
            tokens.push(Token::Number(number.to_owned()));
            rest = &rest[end..];
        } else if c == '\'' {
            let (value, consumed) = read_string(rest)?;
            tokens.push(Token::String(value));
            rest = &rest[consumed..];
        } else if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            tokens.push(Token::Symbol(op));
            rest = &rest[op.len()..];
        } else {
            return Err(CheckExprError::Syntax(format!(
                "`{}` is not allowed; use column names, numbers, 'strings' and operators",
                c.escape_default()
            )));
        }
    }
    Ok(tokens)
}

/// Reads a single-quoted literal at the start of `text` (`''` escapes a
/// quote); gives its value and how many bytes it took.
fn read_string(text: &str) -> Result<(String, usize), CheckExprError> {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if matches!(chars.peek(), Some((_, '\''))) => {
                chars.next();
                value.push('\'');
            }
            '\'' => return Ok((value, i + 1)),
            '\0' => {
                return Err(CheckExprError::Syntax(
                    "a string holds a NUL, which PostgreSQL cannot store".into(),
                ))
            }
            _ => value.push(c),
        }
    }
    Err(CheckExprError::Syntax("a string is never closed".into()))
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(word) => format!("`{word}`"),
        Token::Number(number) => format!("`{number}`"),
        Token::String(value) => format!("'{value}'"),
        Token::Symbol(symbol) => format!("`{symbol}`"),
    }
}

/// A recursive-descent reader, one method per precedence level, loosest
/// first (the levels both engines share).
struct Parser<'c, F> {
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
    column: &'c F,
}

type Parsed = Result<(CheckExpr, Ty), CheckExprError>;

impl<'a, F: Fn(&str) -> Option<(usize, &'a FieldType)>> Parser<'_, F> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn at_keyword_after_not(&self, keyword: &str) -> bool {
        self.at_keyword("NOT")
            && matches!(self.tokens.get(self.position + 1), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.position += 1;
        }
        found
    }

    fn at_symbol(&self, symbol: &str) -> bool {
        matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol)
    }

    fn expect_symbol(&mut self, symbol: &str) -> Result<(), CheckExprError> {
        if self.at_symbol(symbol) {
            self.position += 1;
            Ok(())
        } else {
            Err(CheckExprError::Syntax(match self.peek() {
                Some(token) => format!("expected `{symbol}`, found {}", describe(token)),
                None => format!("expected `{symbol}` at the end"),
            }))
        }
    }

    fn deeper(&mut self) -> Result<(), CheckExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CheckExprError::Syntax(format!(
                "it nests deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }

    fn boolean(&self, ty: Ty, what: &str) -> Result<(), CheckExprError> {
        if ty == Ty::Bool {
            Ok(())
        } else {
            Err(CheckExprError::Type(format!(
                "{what} needs true-or-false operands, not {}",
                ty.describe()
            )))
        }
    }

    fn or(&mut self) -> Parsed {
        self.deeper()?;
        let (mut left, ty) = self.and()?;
        let mut ty = ty;
        while self.eat_keyword("OR") {
            self.boolean(ty, "OR")?;
            let (right, right_ty) = self.and()?;
            self.boolean(right_ty, "OR")?;
            left = binary(BinaryOp::Or, left, right, false);
            ty = Ty::Bool;
        }
        self.depth -= 1;
        Ok((left, ty))
    }

    fn and(&mut self) -> Parsed {
        let (mut left, mut ty) = self.not()?;
        while self.eat_keyword("AND") {
            self.boolean(ty, "AND")?;
            let (right, right_ty) = self.not()?;
            self.boolean(right_ty, "AND")?;
            left = binary(BinaryOp::And, left, right, false);
            ty = Ty::Bool;
        }
        Ok((left, ty))
    }

    fn not(&mut self) -> Parsed {
        if self.eat_keyword("NOT") {
            self.deeper()?;
            let (operand, ty) = self.not()?;
            self.depth -= 1;
            self.boolean(ty, "NOT")?;
            return Ok((CheckExpr::Not(Box::new(operand)), Ty::Bool));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Parsed {
        let (left, ty) = self.additive()?;
        let op = match self.peek() {
            Some(Token::Symbol("=")) => Some(BinaryOp::Eq),
            Some(Token::Symbol("<>" | "!=")) => Some(BinaryOp::NotEq),
            Some(Token::Symbol("<")) => Some(BinaryOp::Lt),
            Some(Token::Symbol("<=")) => Some(BinaryOp::LtEq),
            Some(Token::Symbol(">")) => Some(BinaryOp::Gt),
            Some(Token::Symbol(">=")) => Some(BinaryOp::GtEq),
            _ => None,
        };
        if let Some(op) = op {
            self.position += 1;
            if self.at_keyword("NULL") {
                return Err(CheckExprError::Type(
                    "a comparison with NULL is never true; write `IS NULL` or `IS NOT NULL`".into(),
                ));
            }
            let (right, right_ty) = self.additive()?;
            self.comparable(ty, right_ty)?;
            let textual = ty == Ty::Text;
            return Ok((binary(op, left, right, textual), Ty::Bool));
        }
        if self.eat_keyword("IS") {
            let negated = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return Err(CheckExprError::Syntax(
                    "`IS` takes `NULL` or `NOT NULL` only".into(),
                ));
            }
            let operand = Box::new(left);
            return Ok((CheckExpr::IsNull { operand, negated }, Ty::Bool));
        }
        let negated = ["IN", "BETWEEN", "LIKE"]
            .iter()
            .any(|keyword| self.at_keyword_after_not(keyword));
        if negated {
            self.position += 1;
        }
        if self.eat_keyword("IN") {
            self.expect_symbol("(")?;
            let mut list = Vec::new();
            loop {
                let (item, item_ty) = self.additive()?;
                self.comparable(ty, item_ty)?;
                list.push(item);
                if self.at_symbol(",") {
                    self.position += 1;
                } else {
                    break;
                }
            }
            self.expect_symbol(")")?;
            let operand = Box::new(left);
            return Ok((
                CheckExpr::In {
                    operand,
                    list,
                    negated,
                },
                Ty::Bool,
            ));
        }
        if self.eat_keyword("BETWEEN") {
            let (low, low_ty) = self.additive()?;
            if !self.eat_keyword("AND") {
                return Err(CheckExprError::Syntax("`BETWEEN` needs `AND`".into()));
            }
            let (high, high_ty) = self.additive()?;
            self.comparable(ty, low_ty)?;
            self.comparable(ty, high_ty)?;
            return Ok((
                CheckExpr::Between {
                    operand: Box::new(left),
                    low: Box::new(low),
                    high: Box::new(high),
                    negated,
                    textual: ty == Ty::Text,
                },
                Ty::Bool,
            ));
        }
        if self.eat_keyword("LIKE") {
            if ty != Ty::Text {
                return Err(CheckExprError::Type(format!(
                    "LIKE needs a string on its left, not {}",
                    ty.describe()
                )));
            }
            let pattern = match self.next() {
                Some(Token::String(pattern)) => pattern,
                _ => {
                    return Err(CheckExprError::Syntax(
                        "LIKE takes a 'pattern' string literal".into(),
                    ))
                }
            };
            if pattern.contains('\\') {
                return Err(CheckExprError::Type(
                    "a LIKE pattern with `\\` means an escape on PostgreSQL but a plain character on SQLite; leave it out".into(),
                ));
            }
            let operand = Box::new(left);
            return Ok((
                CheckExpr::Like {
                    operand,
                    pattern,
                    negated,
                },
                Ty::Bool,
            ));
        }
        if negated {
            unreachable!("NOT is taken only before IN, BETWEEN or LIKE");
        }
        Ok((left, ty))
    }

    fn comparable(&self, left: Ty, right: Ty) -> Result<(), CheckExprError> {
        if left.comparable(right) {
            return Ok(());
        }
        let hint = match (left, right) {
            (Ty::Bool, _) | (_, Ty::Bool) => {
                "; compare a bool with TRUE or FALSE, or use it alone as the condition"
            }
            (Ty::Json, _) | (_, Ty::Json) => "; a json value can only be tested with IS NULL",
            _ => "",
        };
        Err(CheckExprError::Type(format!(
            "cannot compare {} with {}{hint}",
            left.describe(),
            right.describe()
        )))
    }

    fn additive(&mut self) -> Parsed {
        let (mut left, mut ty) = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Some(Token::Symbol("+")) => BinaryOp::Add,
                Some(Token::Symbol("-")) => BinaryOp::Sub,
                Some(Token::Symbol("||")) => BinaryOp::Concat,
                _ => return Ok((left, ty)),
            };
            self.position += 1;
            let (right, right_ty) = self.multiplicative()?;
            ty = arithmetic(op, ty, right_ty)?;
            left = binary(op, left, right, false);
        }
    }

    fn multiplicative(&mut self) -> Parsed {
        let (mut left, mut ty) = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Token::Symbol("*")) => BinaryOp::Mul,
                Some(Token::Symbol("/")) => BinaryOp::Div,
                Some(Token::Symbol("%")) => BinaryOp::Rem,
                _ => return Ok((left, ty)),
            };
            self.position += 1;
            let (right, right_ty) = self.unary()?;
            if matches!(op, BinaryOp::Div | BinaryOp::Rem) {
                // SQLite gives NULL for a division by zero, which a check
                // lets pass; PostgreSQL raises an error instead.
                let nonzero_literal = match &right {
                    CheckExpr::Integer(n) => *n != 0,
                    CheckExpr::Float(text) => text.parse::<f64>().is_ok_and(|f| f != 0.0),
                    _ => false,
                };
                if !nonzero_literal {
                    return Err(CheckExprError::Type(
                        "divide only by a non-zero number: a division by zero passes a check on SQLite but fails on PostgreSQL".into(),
                    ));
                }
            }
            ty = arithmetic(op, ty, right_ty)?;
            left = binary(op, left, right, false);
        }
    }

    fn unary(&mut self) -> Parsed {
        if self.at_symbol("-") || self.at_symbol("+") {
            let minus = self.at_symbol("-");
            self.position += 1;
            self.deeper()?;
            let (operand, ty) = self.unary()?;
            self.depth -= 1;
            if !ty.is_numeric() {
                return Err(CheckExprError::Type(format!(
                    "a sign needs a number, not {}",
                    ty.describe()
                )));
            }
            let tree = if minus {
                CheckExpr::Negate(Box::new(operand))
            } else {
                operand
            };
            return Ok((tree, ty));
        }
        self.primary()
    }

    fn primary(&mut self) -> Parsed {
        let Some(token) = self.next() else {
            return Err(CheckExprError::Syntax(
                "it ends where a value is expected".into(),
            ));
        };
        match token {
            Token::Number(text) if text.contains('.') => Ok((CheckExpr::Float(text), Ty::Float)),
            Token::Number(text) => match text.parse::<i64>() {
                Ok(n) => Ok((CheckExpr::Integer(n), Ty::Int)),
                Err(_) => Err(CheckExprError::Type(format!(
                    "`{text}` is larger than a 64-bit integer"
                ))),
            },
            Token::String(value) => Ok((CheckExpr::String(value), Ty::Text)),
            Token::Symbol("(") => {
                let (inner, ty) = self.or()?;
                self.expect_symbol(")")?;
                Ok((inner, ty))
            }
            Token::Symbol(symbol) => Err(CheckExprError::Syntax(format!(
                "`{symbol}` where a value is expected"
            ))),
            Token::Word(word) => {
                if let Some((index, field_type)) = (self.column)(&word) {
                    return Ok((CheckExpr::Column(index), Ty::of(field_type)));
                }
                match word.to_ascii_uppercase().as_str() {
                    "TRUE" => Ok((CheckExpr::Bool(true), Ty::Bool)),
                    "FALSE" => Ok((CheckExpr::Bool(false), Ty::Bool)),
                    "NULL" => Err(CheckExprError::Type(
                        "NULL can only be tested, with `IS NULL` or `IS NOT NULL`".into(),
                    )),
                    "LENGTH" | "ABS" => self.call(&word),
                    "LOWER" | "UPPER" => Err(CheckExprError::Type(format!(
                        "{word} changes only ASCII letters on SQLite but every letter on PostgreSQL, so the engines would disagree; leave it out"
                    ))),
                    "AND" | "OR" | "NOT" | "IS" | "IN" | "BETWEEN" | "LIKE" => Err(
                        CheckExprError::Syntax(format!("`{word}` where a value is expected")),
                    ),
                    _ => Err(CheckExprError::UnknownColumn(word)),
                }
            }
        }
    }

    fn call(&mut self, name: &str) -> Parsed {
        self.expect_symbol("(")?;
        let (argument, ty) = self.or()?;
        self.expect_symbol(")")?;
        let (function, result) = match name.to_ascii_uppercase().as_str() {
            "LENGTH" if ty == Ty::Text => (CheckFunction::Length, Ty::Int),
            "ABS" if ty.is_numeric() => (CheckFunction::Abs, ty),
            _ => {
                return Err(CheckExprError::Type(format!(
                    "{} takes {}, not {}",
                    name.to_ascii_uppercase(),
                    if name.eq_ignore_ascii_case("LENGTH") {
                        "a string"
                    } else {
                        "a number"
                    },
                    ty.describe()
                )))
            }
        };
        let argument = Box::new(argument);
        Ok((CheckExpr::Call { function, argument }, result))
    }
}

fn binary(op: BinaryOp, left: CheckExpr, right: CheckExpr, textual: bool) -> CheckExpr {
    CheckExpr::Binary {
        op,
        left: Box::new(left),
        right: Box::new(right),
        textual,
    }
}

/// The type of an arithmetic result, or why the operands do not fit.
fn arithmetic(op: BinaryOp, left: Ty, right: Ty) -> Result<Ty, CheckExprError> {
    match op {
        BinaryOp::Concat if left == Ty::Text && right == Ty::Text => Ok(Ty::Text),
        BinaryOp::Concat => Err(CheckExprError::Type(format!(
            "`||` joins strings, not {} and {}",
            left.describe(),
            right.describe()
        ))),
        // PostgreSQL has no `%` on floating point numbers.
        BinaryOp::Rem if left == Ty::Int && right == Ty::Int => Ok(Ty::Int),
        BinaryOp::Rem => Err(CheckExprError::Type(
            "`%` takes whole numbers (int) only".into(),
        )),
        _ if left.is_numeric() && right.is_numeric() => {
            Ok(if left == Ty::Int && right == Ty::Int {
                Ty::Int
            } else {
                Ty::Float
            })
        }
        _ => Err(CheckExprError::Type(format!(
            "arithmetic needs numbers, not {} and {}",
            left.describe(),
            right.describe()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOAT: FieldType = FieldType::Float;
    const TEXT: FieldType = FieldType::Text;
    const BOOL: FieldType = FieldType::Bool;

    fn columns(name: &str) -> Option<(usize, &'static FieldType)> {
        match name {
            "start_seconds" => Some((0, &FLOAT)),
            "end_seconds" => Some((1, &FLOAT)),
            "title" => Some((2, &TEXT)),
            "flag" => Some((3, &BOOL)),
            _ => None,
        }
    }

    fn error(expr: &str) -> CheckExprError {
        parse_check(expr, columns).expect_err(expr)
    }

    #[test]
    fn reads_a_comparison_of_columns() {
        let tree = parse_check("end_seconds > start_seconds", columns).unwrap();
        assert_eq!(
            tree,
            binary(
                BinaryOp::Gt,
                CheckExpr::Column(1),
                CheckExpr::Column(0),
                false
            )
        );
    }

    #[test]
    fn refuses_statement_breaks_and_comments() {
        assert!(parse_check("end_seconds > 0; DROP TABLE clips", columns).is_err());
        assert!(parse_check("end_seconds > 0 -- x", columns).is_err());
        assert!(parse_check("end_seconds > \"x\"", columns).is_err());
    }

    #[test]
    fn keeps_quotes_inside_strings_as_values() {
        let tree = parse_check("title <> 'it''s'", columns).unwrap();
        let CheckExpr::Binary { right, .. } = tree else {
            panic!("a comparison");
        };
        assert_eq!(*right, CheckExpr::String("it's".into()));
    }

    #[test]
    fn names_the_unknown_column() {
        assert_eq!(
            error("end_second > 0"),
            CheckExprError::UnknownColumn("end_second".into())
        );
    }

    #[test]
    fn signs_nest_as_values() {
        let tree = parse_check("start_seconds > - - 1", columns).unwrap();
        let CheckExpr::Binary { right, .. } = tree else {
            panic!("a comparison");
        };
        assert_eq!(
            *right,
            CheckExpr::Negate(Box::new(CheckExpr::Negate(Box::new(CheckExpr::Integer(1)))))
        );
    }

    #[test]
    fn refuses_what_the_engines_would_not_agree_on() {
        for expr in [
            "title > 5",
            "flag = 1",
            "start_seconds",
            "title = NULL",
            "start_seconds / end_seconds > 1",
            "start_seconds % 2 = 0",
            "lower(title) = 'a'",
            "title LIKE 'a\\%'",
            "start_seconds AND flag",
            "title || 1 = 'a'",
        ] {
            assert!(
                matches!(error(expr), CheckExprError::Type(_)),
                "{expr}: {:?}",
                error(expr)
            );
        }
    }

    #[test]
    fn accepts_the_usual_checks() {
        for expr in [
            "end_seconds > start_seconds",
            "length(title) > 0 AND title LIKE '%@%'",
            "flag OR NOT flag = TRUE",
            "start_seconds BETWEEN 0 AND 10.5",
            "title NOT IN ('a', 'b') AND title IS NOT NULL",
            "abs(start_seconds - end_seconds) / 2 < 100",
        ] {
            parse_check(expr, columns).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
        }
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing() {
        let deep = format!("{}flag{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(matches!(error(&deep), CheckExprError::Syntax(_)));
        let signs = format!("start_seconds > {}1", "- ".repeat(10_000));
        assert!(matches!(error(&signs), CheckExprError::Syntax(_)));
    }
}
