//! Part of stage 2: reads a CHECK expression into tokens. Only column names,
//! numbers, string literals, a fixed set of operators and keywords pass, so
//! an expression can neither end the statement nor open a comment, and each
//! dialect re-spells the tokens with its own quoting.

use crate::ir::CheckToken;

/// Keywords a check may use; anything else that looks like a word must be
/// one of the model's columns.
const KEYWORDS: &[&str] = &[
    "AND", "OR", "NOT", "IS", "NULL", "IN", "BETWEEN", "LIKE", "TRUE", "FALSE", "LENGTH", "LOWER",
    "UPPER", "ABS",
];

/// Operators, longest first so `<=` is not read as `<`.
const OPERATORS: &[&str] = &[
    "<=", ">=", "<>", "!=", "||", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",",
];

/// A reason an expression was refused.
#[derive(Debug, PartialEq)]
pub enum CheckExprError {
    Syntax(String),
    UnknownColumn(String),
}

/// Tokenizes `expr`, resolving words with `column_index`.
pub fn parse_check(
    expr: &str,
    column_index: impl Fn(&str) -> Option<usize>,
) -> Result<Vec<CheckToken>, CheckExprError> {
    let mut tokens = Vec::new();
    let mut depth = 0usize;
    let mut rest = expr.trim();
    if rest.is_empty() {
        return Err(CheckExprError::Syntax("it is empty".into()));
    }
    while !rest.is_empty() {
        let c = rest.chars().next().expect("loop runs on non-empty text");
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
            let word = &rest[..end];
            let upper = word.to_ascii_uppercase();
            if let Some(column) = column_index(word) {
                tokens.push(CheckToken::Column(column));
            } else if KEYWORDS.contains(&upper.as_str()) {
                tokens.push(CheckToken::Symbol(upper));
            } else {
                return Err(CheckExprError::UnknownColumn(word.to_owned()));
            }
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
            tokens.push(CheckToken::Number(number.to_owned()));
            rest = &rest[end..];
        } else if c == '\'' {
            let (value, consumed) = read_string(rest)?;
            tokens.push(CheckToken::String(value));
            rest = &rest[consumed..];
        } else if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            match *op {
                "(" => depth += 1,
                ")" => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| CheckExprError::Syntax("`)` without `(`".into()))?
                }
                _ => {}
            }
            tokens.push(CheckToken::Symbol((*op).to_owned()));
            rest = &rest[op.len()..];
        } else {
            return Err(CheckExprError::Syntax(format!(
                "`{c}` is not allowed; use column names, numbers, 'strings' and operators"
            )));
        }
    }
    if depth > 0 {
        return Err(CheckExprError::Syntax("a `(` is never closed".into()));
    }
    Ok(tokens)
}

/// Reads a single-quoted literal at the start of `text` (`''` escapes a
/// quote); gives its value and how many bytes it took.
fn read_string(text: &str) -> Result<(String, usize), CheckExprError> {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if matches!(chars.peek(), Some((_, '\''))) {
                chars.next();
                value.push('\'');
            } else {
                return Ok((value, i + 1));
            }
        } else {
            value.push(c);
        }
    }
    Err(CheckExprError::Syntax("a string is never closed".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(name: &str) -> Option<usize> {
        ["start_seconds", "end_seconds"]
            .iter()
            .position(|c| *c == name)
    }

    #[test]
    fn reads_a_comparison_of_columns() {
        let tokens = parse_check("end_seconds > start_seconds", columns).unwrap();
        assert_eq!(
            tokens,
            vec![
                CheckToken::Column(1),
                CheckToken::Symbol(">".into()),
                CheckToken::Column(0)
            ]
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
        let tokens = parse_check("end_seconds <> 'it''s'", columns).unwrap();
        assert_eq!(tokens[2], CheckToken::String("it's".into()));
    }

    #[test]
    fn names_the_unknown_column() {
        assert_eq!(
            parse_check("end_second > 0", columns),
            Err(CheckExprError::UnknownColumn("end_second".into()))
        );
    }
}
