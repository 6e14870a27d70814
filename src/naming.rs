//! Naming, used by stage 2 (validate): which names are acceptable, how they
//! are cased for Rust, and how they are spelled in SQL. The one place that
//! decides what reaches generated code as an identifier.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords that become raw identifiers (`r#type`).
const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Whether `ident` is a Rust keyword (and so needs `r#`, or cannot be a
/// crate name at all).
pub fn is_rust_keyword(ident: &str) -> bool {
    RUST_KEYWORDS.contains(&ident) || RUST_UNRAWABLE.contains(&ident)
}

/// Names no raw identifier can carry.
const RUST_UNRAWABLE: &[&str] = &["self", "Self", "crate", "super", "_"];

/// Type names the generated code imports or relies on; a model or enum of
/// that name would shadow them.
/// The list holds every name a generated file or test imports and every
/// public item of the crate besides the models'.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    // Prelude traits lib.rs names (`impl AsRef<Path>`, `impl FnOnce()`).
    "AsRef",
    "AtomicI64",
    "AtomicU32",
    "Box",
    "CachedClient",
    "CachedTransaction",
    "Checked",
    "Client",
    "Connection",
    // The crate's error types are re-exported at its root, as the models are.
    "ConstraintKind",
    "DateTime",
    "Default",
    "Duration",
    "Error",
    "ErrorKind",
    // `impl FromRow { fn from_row() -> Self }` reads as a constructor named
    // like its type (clippy::self_named_constructors).
    "Executor",
    "FromRow",
    "FromSql",
    "FromSqlError",
    "FromSqlResult",
    "FnOnce",
    // Each enum converts to its text and back (`impl From<Enum> for
    // &'static str`, `impl TryFrom<String> for Enum`), in its table's module.
    "From",
    "FromStr",
    "GenericClient",
    // `New<Model>::new` takes text as `impl Into<String>`.
    "Into",
    "InvalidValue",
    "Json",
    "MigrateError",
    "NaiveDateTime",
    "NoTls",
    "Option",
    "OptionalExtension",
    "Ordering",
    "Params",
    "Path",
    "Result",
    "Row",
    "Self",
    // `dyn ToSql + Sync` in the PostgreSQL patch; `Send` beside it in
    // the error boxes.
    "Send",
    "SqlType",
    "String",
    "Sync",
    "SystemTime",
    "TimeZone",
    "Timestamp",
    "ToSql",
    "ToSqlOutput",
    "TryFrom",
    "UNIX_EPOCH",
    "UnknownVariant",
    "UnreadableValue",
    "Utc",
    "Value",
    "ValueRef",
    "Vec",
    "Violation",
];

/// Crates a generated crate's name (or a table's module) must not shadow:
/// the standard ones and the generated crate's dependencies.
pub const RESERVED_CRATE_NAMES: &[&str] = &[
    "alloc",
    "bytes",
    "chrono",
    "core",
    "postgres",
    "proc_macro",
    "rusqlite",
    "serde",
    "serde_json",
    "std",
    "test",
];

/// Module names the generated crate and its tests use for their own
/// modules and helpers.
pub const RESERVED_MODULE_NAMES: &[&str] = &[
    "alloc",
    "api",
    "chrono",
    "codec",
    "common",
    "core",
    "db",
    "error",
    "migrations",
    // `src/postgres/mod.rs` would be the `postgres` module's own file.
    "mod",
    "postgres",
    "proc_macro",
    "rusqlite",
    "seeds",
    "serde_json",
    "sqlite",
    // The function every SQLite `insert_many` reads its rows through.
    "sqlite_rows",
    "std",
    "test",
    "tests",
];

/// SQL words that must be quoted to be used as identifiers: SQLite's
/// keywords together with PostgreSQL's reserved ones, so one spelling works
/// in both dialects. Sorted: [`sql_ident`] looks a name up by binary
/// search, for every column of every statement it spells.
const SQL_KEYWORDS: &[&str] = &[
    "abort",
    "action",
    "add",
    "after",
    "all",
    "alter",
    "always",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "attach",
    "authorization",
    "autoincrement",
    "before",
    "begin",
    "between",
    "binary",
    "both",
    "by",
    "cascade",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "commit",
    "concurrently",
    "conflict",
    "constraint",
    "create",
    "cross",
    "current",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "database",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "detach",
    "distinct",
    "do",
    "drop",
    "each",
    "else",
    "end",
    "escape",
    "except",
    "exclude",
    "exclusive",
    "exists",
    "explain",
    "fail",
    "false",
    "fetch",
    "filter",
    "first",
    "following",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "generated",
    "glob",
    "grant",
    "group",
    "groups",
    "having",
    "if",
    "ignore",
    "ilike",
    "immediate",
    "in",
    "index",
    "indexed",
    "initially",
    "inner",
    "insert",
    "instead",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "last",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "match",
    "materialized",
    "natural",
    "no",
    "not",
    "nothing",
    "notnull",
    "null",
    "nulls",
    "of",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "others",
    "outer",
    "over",
    "overlaps",
    "partition",
    "placing",
    "plan",
    "pragma",
    "preceding",
    "primary",
    "query",
    "raise",
    "range",
    "recursive",
    "references",
    "regexp",
    "reindex",
    "release",
    "rename",
    "replace",
    "restrict",
    "returning",
    "right",
    "rollback",
    "row",
    "rows",
    "savepoint",
    "select",
    "session_user",
    "set",
    "similar",
    "some",
    "symmetric",
    "table",
    "tablesample",
    "temp",
    "temporary",
    "then",
    "ties",
    "to",
    "trailing",
    "transaction",
    "trigger",
    "true",
    "unbounded",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "vacuum",
    "values",
    "variadic",
    "verbose",
    "view",
    "virtual",
    "when",
    "where",
    "window",
    "with",
    "without",
];

/// The length of the longest of [`SQL_KEYWORDS`].
const LONGEST_SQL_KEYWORD: usize = {
    let mut longest = 0;
    let mut index = 0;
    while index < SQL_KEYWORDS.len() {
        if SQL_KEYWORDS[index].len() > longest {
            longest = SQL_KEYWORDS[index].len();
        }
        index += 1;
    }
    longest
};

/// Longest identifier PostgreSQL keeps whole; longer ones it truncates.
pub const MAX_IDENTIFIER_LEN: usize = 63;

/// Why a name cannot be used as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong,
    /// Holds the first character that is not an ASCII letter, digit or `_`.
    BadCharacter(char),
    StartsWithDigit,
    /// `self`, `Self`, `crate`, `super` or `_`, even after casing.
    RustUnusable(String),
}

/// Checks that `name` is a plain identifier: ASCII letters, digits and `_`,
/// not starting with a digit. Only such names reach SQL and Rust, which is
/// what makes quoting them safe.
pub fn check_identifier(name: &str) -> Result<(), NameProblem> {
    let Some(first) = name.chars().next() else {
        return Err(NameProblem::Empty);
    };
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(NameProblem::BadCharacter(bad));
    }
    if first.is_ascii_digit() {
        return Err(NameProblem::StartsWithDigit);
    }
    if name.len() > MAX_IDENTIFIER_LEN {
        return Err(NameProblem::TooLong);
    }
    Ok(())
}

/// The Rust field or module name for a column or table name: snake_case,
/// a raw identifier where it is a keyword.
pub fn rust_value_ident(name: &str) -> Result<String, NameProblem> {
    check_identifier(name)?;
    let snake = name.to_snake_case();
    if snake.is_empty() || RUST_UNRAWABLE.contains(&snake.as_str()) {
        return Err(NameProblem::RustUnusable(snake));
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(NameProblem::StartsWithDigit);
    }
    Ok(raw_if_keyword(snake))
}

/// The Rust type or variant name for a string: UpperCamelCase.
pub fn rust_type_ident(name: &str) -> Result<String, NameProblem> {
    check_identifier(name)?;
    let camel = name.to_upper_camel_case();
    if camel.is_empty() || RUST_UNRAWABLE.contains(&camel.as_str()) {
        return Err(NameProblem::RustUnusable(camel));
    }
    if camel.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(NameProblem::StartsWithDigit);
    }
    Ok(camel)
}

fn raw_if_keyword(ident: String) -> String {
    if RUST_KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}

/// A Rust identifier without its `r#` prefix, to build other names from.
pub fn unraw(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// Joins words into an identifier, raw where the result is a keyword.
pub fn join_ident(parts: &[&str]) -> String {
    let joined = parts
        .iter()
        .map(|part| unraw(part))
        .collect::<Vec<_>>()
        .join("_");
    raw_if_keyword(joined)
}

/// How an identifier is written in SQL: bare when it is lower-case and no
/// keyword (so PostgreSQL's case folding cannot change it), double-quoted
/// otherwise. Names are checked by [`check_identifier`] before they get
/// here, so they hold no quote to escape.
pub fn sql_ident(name: &str) -> String {
    let plain = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    // Render quotes every name of every statement: most are longer than
    // any keyword, and need no search.
    let keyword = name.len() <= LONGEST_SQL_KEYWORD && SQL_KEYWORDS.binary_search(&name).is_ok();
    if plain && !keyword {
        name.to_owned()
    } else {
        format!("\"{name}\"")
    }
}

/// A constraint name PostgreSQL keeps whole: names past its 63-byte limit
/// are cut and given a hash of the full name, so two long names that share
/// a prefix stay distinct. The validator reserves these names and the
/// renderer spells them, both through this function.
pub fn constraint_name(parts: &[&str]) -> String {
    let full = parts.join("_");
    if full.len() <= MAX_IDENTIFIER_LEN {
        return full;
    }
    let suffix = format!("_{:08x}", stable_hash(&full) as u32);
    let keep = MAX_IDENTIFIER_LEN - suffix.len();
    format!("{}{suffix}", &full[..keep])
}

/// A SQL string literal: single quotes, inner quotes doubled.
pub fn sql_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The closest candidate to `word`, if it is close enough to be the one
/// the user meant.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let word_lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let distance =
                strsim::damerau_levenshtein(&word_lower, &candidate.to_ascii_lowercase());
            (distance, candidate)
        })
        .filter(|(distance, candidate)| {
            let longest = word.chars().count().max(candidate.chars().count());
            *distance <= (longest / 3).max(1)
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.to_owned())
}

/// FNV-1a of `text`: a hash that is the same on every build and platform,
/// unlike std's, for names and keys that reach generated output.
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The schema type that another tool's type name (`varchar(500)`,
/// `bigint`, `timestamptz`, `i64`) means, with its length where it has one.
pub fn schema_type_for(base: &str, argument: Option<&str>) -> Option<String> {
    let base = base.to_ascii_lowercase();
    let length = argument.map(|a| a.trim().trim_end_matches(')').trim().to_owned());
    let ty = match base.as_str() {
        "varchar" | "character varying" | "char" | "character" | "nvarchar" | "str" => {
            return Some(match length {
                Some(n) if n.parse::<u32>().is_ok() => format!("string({n})"),
                _ => "string".to_owned(),
            });
        }
        "integer" | "bigint" | "smallint" | "int2" | "int4" | "int8" | "serial" | "bigserial"
        | "i32" | "i64" | "u32" | "usize" | "isize" | "long" => "int",
        "real" | "double" | "double precision" | "float4" | "float8" | "numeric" | "decimal"
        | "f32" | "f64" | "number" => "float",
        "boolean" => "bool",
        "timestamp" | "timestamptz" | "datetime2" | "date" | "time" => "datetime",
        "jsonb" => "json",
        "clob" | "longtext" | "mediumtext" => "text",
        _ => return None,
    };
    Some(ty.to_owned())
}

/// Words other tools use for a key of ours, and that key.
const SYNONYMS: &[(&str, &str)] = &[
    ("auto_increment", "autoincrement"),
    ("comment", "doc"),
    ("description", "doc"),
    ("docs", "doc"),
    ("enum", "values"),
    ("fk", "references"),
    ("foreign_key", "references"),
    ("null", "nullable"),
    ("optional", "nullable"),
    ("options", "values"),
    ("pk", "primary_key"),
    ("ref", "references"),
    ("serial", "autoincrement"),
    ("variants", "values"),
];

/// The allowed key `key` most likely meant: a near spelling, a key it
/// starts with (`crate_name`), or the key another tool's word stands for.
pub fn suggest_key(key: &str, allowed: &[&'static str]) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    suggest(key, allowed.iter().copied())
        .or_else(|| {
            allowed
                .iter()
                .find(|candidate| lower.starts_with(**candidate) || candidate.starts_with(&lower))
                .filter(|_| lower.len() >= 3)
                .map(|candidate| (*candidate).to_owned())
        })
        .or_else(|| {
            SYNONYMS
                .iter()
                .find(|(word, meant)| *word == lower && allowed.contains(meant))
                .map(|(_, meant)| (*meant).to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_keywords_are_sorted_for_their_binary_search() {
        assert!(SQL_KEYWORDS.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(sql_ident("order"), "\"order\"");
        assert_eq!(sql_ident("abort"), "\"abort\"");
        assert_eq!(sql_ident("without"), "\"without\"");
        assert_eq!(sql_ident("orders"), "orders");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(rust_value_ident("type").unwrap(), "r#type");
        assert_eq!(rust_value_ident("key").unwrap(), "key");
        assert_eq!(rust_value_ident("UserId").unwrap(), "user_id");
    }

    #[test]
    fn names_no_raw_identifier_can_hold_are_refused() {
        for name in ["self", "Self", "crate", "super", "SELF"] {
            assert!(
                matches!(rust_value_ident(name), Err(NameProblem::RustUnusable(_))),
                "{name}"
            );
        }
        assert!(rust_type_ident("self").is_err());
    }

    #[test]
    fn only_plain_ascii_identifiers_pass() {
        assert_eq!(check_identifier("a b"), Err(NameProblem::BadCharacter(' ')));
        assert_eq!(check_identifier("x'"), Err(NameProblem::BadCharacter('\'')));
        assert_eq!(check_identifier("é"), Err(NameProblem::BadCharacter('é')));
        assert_eq!(check_identifier("1a"), Err(NameProblem::StartsWithDigit));
        assert_eq!(check_identifier(""), Err(NameProblem::Empty));
    }

    #[test]
    fn sql_quotes_keywords_and_mixed_case_only() {
        assert_eq!(sql_ident("clips"), "clips");
        assert_eq!(sql_ident("order"), "\"order\"");
        assert_eq!(sql_ident("UserId"), "\"UserId\"");
        assert_eq!(sql_string("it's"), "'it''s'");
    }

    #[test]
    fn suggests_near_names_only() {
        let tables = ["pipeline_runs", "clips"];
        assert_eq!(
            suggest("pipline_runs", tables).as_deref(),
            Some("pipeline_runs")
        );
        assert_eq!(suggest("videos", tables), None);
    }

    #[test]
    fn other_tools_type_names_map_to_schema_types() {
        assert_eq!(
            schema_type_for("varchar", Some("500")).as_deref(),
            Some("string(500)")
        );
        assert_eq!(schema_type_for("VARCHAR", None).as_deref(), Some("string"));
        assert_eq!(schema_type_for("bigint", None).as_deref(), Some("int"));
        assert_eq!(
            schema_type_for("timestamptz", None).as_deref(),
            Some("datetime")
        );
        assert_eq!(schema_type_for("blob", None), None);
    }

    #[test]
    fn suggests_near_spellings_prefixes_and_other_tools_words() {
        use crate::load::{FIELD_KEYS, SCHEMA_KEYS};
        assert_eq!(
            suggest_key("nulable", FIELD_KEYS).as_deref(),
            Some("nullable")
        );
        assert_eq!(
            suggest_key("crate_name", SCHEMA_KEYS).as_deref(),
            Some("crate")
        );
        assert_eq!(
            suggest_key("foreign_key", FIELD_KEYS).as_deref(),
            Some("references")
        );
        assert_eq!(
            suggest_key("optional", FIELD_KEYS).as_deref(),
            Some("nullable")
        );
        assert_eq!(suggest_key("colour", FIELD_KEYS), None);
    }
}
