//! The resolved schema (IR) that stage 2, validate, builds and stage 3,
//! render, reads. Every reference in it is checked and every name cased and
//! made safe; fields are private to this crate where a value would be unsafe
//! to build by hand, so only `validate` produces a [`Schema`].

/// A checked schema: models in the order the file lists them.
/// `non_exhaustive` keeps other crates from building one by hand.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Schema {
    /// File name of the schema, for `@generated` headers.
    pub source_name: String,
    /// Package name of the generated crate.
    pub crate_name: String,
    pub models: Vec<Model>,
    /// Indexes into `models`, parents before children: the order in which
    /// tables can be created and rows seeded (schema order breaks ties).
    pub creation_order: Vec<usize>,
}

impl Schema {
    /// The models in creation order.
    pub fn models_in_creation_order(&self) -> impl Iterator<Item = &Model> {
        self.creation_order.iter().map(|&index| &self.models[index])
    }
}

/// One model: a Rust struct and its table.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The Rust type name, as written in the schema (`TTSAudio`).
    pub name: String,
    /// The SQL table name.
    pub table: String,
    /// The Rust module holding the model (`tts_audio`), a raw identifier
    /// where the table name is a Rust keyword.
    pub module: String,
    pub doc: Option<String>,
    pub fields: Vec<Field>,
    /// Index into `fields` of the primary key.
    pub primary_key: usize,
    pub indexes: Vec<Index>,
    pub checks: Vec<Check>,
    /// The name or table name the model had before, for migrations.
    pub renamed_from: Option<String>,
}

impl Model {
    pub fn primary_key(&self) -> &Field {
        &self.fields[self.primary_key]
    }

    /// The fields an insert gives, in schema order: all but the generated
    /// key, if there is one.
    pub fn inserted_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| !f.is_generated())
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The column name as written (`youtube_video_id`).
    pub column: String,
    /// The Rust field name (`youtube_video_id`, or `r#type`).
    pub rust_name: String,
    pub ty: FieldType,
    pub nullable: bool,
    pub default: Option<DefaultValue>,
    /// The value the generated tests give the field, checked against
    /// its type.
    pub example: Option<ExampleValue>,
    pub primary_key: bool,
    /// The database assigns the value (an integer key).
    pub autoincrement: bool,
    pub unique: bool,
    pub foreign_key: Option<ForeignKey>,
    pub doc: Option<String>,
    /// The column name the field had before, for migrations.
    pub renamed_from: Option<String>,
}

impl Field {
    /// Whether the insert type may leave this field out.
    pub fn is_generated(&self) -> bool {
        self.autoincrement
    }
}

/// A column's type.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    Int,
    Float,
    /// `string(n)` bounds the length in characters; `string` does not.
    String {
        max_len: Option<u32>,
    },
    Text,
    Bool,
    DateTime,
    Json,
    Enum(EnumType),
}

impl FieldType {
    /// Whether two columns can be joined by a foreign key: the same kind of
    /// value (a bounded string may point at a string of another bound).
    pub fn is_compatible_with(&self, other: &FieldType) -> bool {
        use FieldType::*;
        matches!(
            (self, other),
            (Int, Int) | (Float, Float) | (Bool, Bool) | (DateTime, DateTime)
        ) || (self.is_textual() && other.is_textual())
    }

    fn is_textual(&self) -> bool {
        matches!(self, FieldType::String { .. } | FieldType::Text)
    }

    /// The name the schema format uses, for messages.
    pub fn schema_name(&self) -> String {
        match self {
            FieldType::Int => "int".into(),
            FieldType::Float => "float".into(),
            FieldType::String { max_len: Some(n) } => format!("string({n})"),
            FieldType::String { max_len: None } => "string".into(),
            FieldType::Text => "text".into(),
            FieldType::Bool => "bool".into(),
            FieldType::DateTime => "datetime".into(),
            FieldType::Json => "json".into(),
            FieldType::Enum(_) => "enum".into(),
        }
    }
}

/// A closed set of strings, stored as the string and mapped to a Rust enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    /// The Rust enum name: model name and field name (`ShortStatus`).
    pub rust_name: String,
    pub variants: Vec<EnumVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    /// The stored string (`pending_review`).
    pub value: String,
    /// The Rust variant (`PendingReview`).
    pub rust_name: String,
}

/// A column default, already checked against the column's type.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    String(String),
    /// Index into the enum's variants.
    EnumVariant(usize),
    /// The current UTC time at insert.
    Now,
}

/// A field's `example:`, already checked against the field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum ExampleValue {
    /// `example: null` on a nullable field.
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Text, where `{n}` stands for the test row's number.
    String(String),
    /// Milliseconds since the Unix epoch, UTC.
    DateTime(i64),
    /// JSON as compact text.
    Json(String),
    /// Index into the enum's variants.
    EnumVariant(usize),
}

/// A foreign key to another model's column.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    /// Index of the referenced model in [`Schema::models`].
    pub model: usize,
    /// Index of the referenced field in that model.
    pub field: usize,
    pub on_delete: OnDelete,
    /// Name of the parent accessor (`run` for `run_id`).
    pub relation: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    Cascade,
    SetNull,
    Restrict,
    NoAction,
}

impl OnDelete {
    pub fn sql(self) -> &'static str {
        match self {
            OnDelete::Cascade => "CASCADE",
            OnDelete::SetNull => "SET NULL",
            OnDelete::Restrict => "RESTRICT",
            OnDelete::NoAction => "NO ACTION",
        }
    }
}

/// A named index.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub name: String,
    /// Indexes into the model's fields, in index order.
    pub columns: Vec<usize>,
    pub unique: bool,
    /// Order of rows the finder returns along the last column.
    pub descending: bool,
}

impl Index {
    /// The columns the finder filters on: all of them for a unique or
    /// single-column index; otherwise all but the last, which orders the rows
    /// (`idx_analytics_video` on (video, measured_at) lists one video's
    /// history in time order).
    pub fn lookup_columns(&self) -> &[usize] {
        if self.unique || self.columns.len() == 1 {
            &self.columns
        } else {
            &self.columns[..self.columns.len() - 1]
        }
    }

    /// The column the finder orders by, when it returns a list.
    pub fn order_column(&self) -> Option<usize> {
        if self.unique || self.columns.len() == 1 {
            None
        } else {
            self.columns.last().copied()
        }
    }
}

/// A table CHECK constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: String,
    pub expr: CheckExpr,
}

/// A check expression, read and type-checked by validate. Columns are
/// indexes into the model's fields, so each dialect quotes them; nothing
/// else can appear, so an expression can never end a statement or open a
/// comment, and each dialect spells the tree with its own rules.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckExpr {
    /// Index into the model's fields.
    Column(usize),
    Integer(i64),
    /// A decimal literal as written (`10.5`).
    Float(String),
    /// A string literal's value, unescaped.
    String(String),
    Bool(bool),
    Negate(Box<CheckExpr>),
    Not(Box<CheckExpr>),
    Binary {
        op: BinaryOp,
        left: Box<CheckExpr>,
        right: Box<CheckExpr>,
        /// An ordering comparison of strings, which PostgreSQL must make
        /// byte by byte, as SQLite does, rather than by its locale.
        textual: bool,
    },
    IsNull {
        operand: Box<CheckExpr>,
        negated: bool,
    },
    In {
        operand: Box<CheckExpr>,
        list: Vec<CheckExpr>,
        negated: bool,
    },
    Between {
        operand: Box<CheckExpr>,
        low: Box<CheckExpr>,
        high: Box<CheckExpr>,
        negated: bool,
        textual: bool,
    },
    /// `LIKE` with a literal pattern (`%` and `_` wildcards, no escapes),
    /// matched case-sensitively on both engines.
    Like {
        operand: Box<CheckExpr>,
        pattern: String,
        negated: bool,
    },
    Call {
        function: CheckFunction,
        argument: Box<CheckExpr>,
    },
}

impl CheckExpr {
    /// The fields the expression reads, in the order it first names them.
    pub fn columns(&self) -> Vec<usize> {
        let mut columns = Vec::new();
        self.visit(&mut |expr| {
            if let CheckExpr::Column(index) = expr {
                if !columns.contains(index) {
                    columns.push(*index);
                }
            }
        });
        columns
    }

    /// Calls `f` on this node and every node below it, parents first.
    pub fn visit(&self, f: &mut impl FnMut(&CheckExpr)) {
        f(self);
        match self {
            CheckExpr::Column(_)
            | CheckExpr::Integer(_)
            | CheckExpr::Float(_)
            | CheckExpr::String(_)
            | CheckExpr::Bool(_) => {}
            CheckExpr::Negate(inner) | CheckExpr::Not(inner) => inner.visit(f),
            CheckExpr::Binary { left, right, .. } => {
                left.visit(f);
                right.visit(f);
            }
            CheckExpr::IsNull { operand, .. } | CheckExpr::Like { operand, .. } => operand.visit(f),
            CheckExpr::In { operand, list, .. } => {
                operand.visit(f);
                list.iter().for_each(|item| item.visit(f));
            }
            CheckExpr::Between {
                operand, low, high, ..
            } => {
                operand.visit(f);
                low.visit(f);
                high.visit(f);
            }
            CheckExpr::Call { argument, .. } => argument.visit(f),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Concat,
}

impl BinaryOp {
    pub fn sql(self) -> &'static str {
        match self {
            BinaryOp::Or => "OR",
            BinaryOp::And => "AND",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Concat => "||",
        }
    }

    /// Binding strength, loosest first, on the levels SQLite and
    /// PostgreSQL share; `||`, which they rank differently, and the
    /// comparisons, which do not chain, are always parenthesized when
    /// nested (see the renderer).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::NotEq
            | BinaryOp::Lt
            | BinaryOp::LtEq
            | BinaryOp::Gt
            | BinaryOp::GtEq => 4,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Concat => 5,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 6,
        }
    }

    /// Whether it orders values (and so depends on a collation for text).
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFunction {
    /// Characters of a string.
    Length,
    Abs,
}
