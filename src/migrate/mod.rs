//! Migrations, the second flow beside generate: two resolved schemas ->
//! [`diff`] (what changed) -> a plan per engine ([`sqlite`], [`postgres`]:
//! SQL steps) -> [`lint`] (what would lose data). [`history`] reads and
//! writes `migrations/`; [`runner`] applies them to a database.

pub mod diff;
pub mod history;
pub mod lint;
pub mod postgres;
pub mod runner;
pub mod sqlite;

use diff::{Aspect, SchemaDiff, TableDiff};

use crate::dialect::Dialect;
use crate::ir::Schema;

/// One step of a plan: what it does, in schema.yaml's words, and its SQL.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub description: String,
    pub sql: Vec<String>,
}

impl Step {
    fn new(description: String, sql: String) -> Self {
        Step {
            description,
            sql: vec![sql],
        }
    }

    /// Whether the step concerns `table` (its description names it).
    fn concerns(&self, table: &str) -> bool {
        self.description.contains(&format!("`{table}`"))
            || self.description.contains(&format!("`{table}."))
    }
}

/// Which engine a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub const ALL: [Engine; 2] = [Engine::Sqlite, Engine::Postgres];

    /// The file of a migration that holds this engine's SQL.
    pub fn file_name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite.sql",
            Engine::Postgres => "postgres.sql",
        }
    }

    pub fn plan(self, diff: &SchemaDiff) -> Vec<Step> {
        match self {
            Engine::Sqlite => sqlite::plan(diff),
            Engine::Postgres => postgres::plan(diff),
        }
    }

    pub fn dialect(self) -> Dialect {
        match self {
            Engine::Sqlite => Dialect::Sqlite,
            Engine::Postgres => Dialect::Postgres,
        }
    }

    /// The steps that create `schema` in an empty database.
    pub fn create(self, schema: &Schema) -> Vec<Step> {
        schema
            .models_in_creation_order()
            .map(|model| create_table(schema, model, self.dialect()))
            .collect()
    }
}

/// `CREATE TABLE` and its indexes, as a fresh database has them.
fn create_table(schema: &Schema, model: &crate::ir::Model, dialect: Dialect) -> Step {
    let mut sql = vec![crate::ddl::create_table(
        schema,
        model,
        &model.table,
        dialect,
        false,
    )];
    sql.extend(
        model
            .indexes
            .iter()
            .map(|i| crate::ddl::create_index(model, i, false)),
    );
    Step {
        description: format!("create table `{}` (model {})", model.table, model.name),
        sql,
    }
}

/// What changed about a kept column, in words.
pub fn describe_aspects(aspects: &[Aspect]) -> String {
    aspects
        .iter()
        .map(|aspect| match aspect {
            Aspect::Name => "name",
            Aspect::Type => "type",
            Aspect::Values => "enum values",
            Aspect::Nullability => "nullability",
            Aspect::Default => "default",
            Aspect::Unique => "unique",
            Aspect::Key => "key",
            Aspect::ForeignKey => "reference",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each change of a kept table, in words.
pub fn describe_table_changes(old: &Schema, new: &Schema, table: &TableDiff) -> Vec<String> {
    let (old_model, new_model) = (&old.models[table.old], &new.models[table.new]);
    let mut words = Vec::new();
    for &field in &table.added {
        words.push(format!("add `{}`", new_model.fields[field].column));
    }
    for &field in &table.dropped {
        words.push(format!("drop `{}`", old_model.fields[field].column));
    }
    for change in &table.changed {
        let (from, to) = (
            &old_model.fields[change.old].column,
            &new_model.fields[change.new].column,
        );
        let name = if from == to {
            format!("`{to}`")
        } else {
            format!("`{from}` (now `{to}`)")
        };
        words.push(format!(
            "change {name}: {}",
            describe_aspects(&change.aspects)
        ));
    }
    for &check in &table.checks_added {
        words.push(format!("add check `{}`", new_model.checks[check].name));
    }
    for &check in &table.checks_dropped {
        words.push(format!("drop check `{}`", old_model.checks[check].name));
    }
    words
}

/// A migration `migrate new` would write: its steps per engine, and what
/// in it can lose data.
#[derive(Debug)]
pub struct Planned {
    pub steps: Vec<(Engine, Vec<Step>)>,
    pub findings: Vec<lint::Finding>,
}

/// Plans the migration from `old` (none: an empty database) to `new`;
/// `None` when nothing changed.
pub fn plan_migration(old: Option<&Schema>, new: &Schema) -> Option<Planned> {
    let Some(old) = old else {
        return Some(Planned {
            steps: Engine::ALL.map(|e| (e, e.create(new))).to_vec(),
            findings: Vec::new(),
        });
    };
    let diff = diff::diff(old, new);
    if diff.is_empty() {
        return None;
    }
    Some(Planned {
        steps: Engine::ALL.map(|e| (e, e.plan(&diff))).to_vec(),
        findings: lint::lint(&diff),
    })
}

/// The SQL file of one engine: each step under a comment saying what it
/// does, and a comment on each step that can lose data.
pub fn render_sql(id: &str, engine: Engine, steps: &[Step], findings: &[lint::Finding]) -> String {
    let engine_name = match engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    };
    let mut text = format!(
        "-- @generated by `schemagen migrate new`: migration {id}, {engine_name}.\n-- Review it and commit it; never edit it once it is applied anywhere.\n"
    );
    if engine == Engine::Sqlite {
        text.push_str("-- The runner turns foreign keys off around it and checks every reference before it commits.\n");
    }
    for step in steps {
        text.push('\n');
        text.push_str(&format!("-- {}\n", step.description.replace('\n', " ")));
        for finding in findings {
            if step.concerns(finding.table.as_str()) {
                text.push_str(&format!("-- DESTRUCTIVE: {}\n", finding.message));
            }
        }
        for statement in &step.sql {
            text.push_str(statement);
            text.push('\n');
        }
    }
    text
}

/// A migration's id and SQL, as the generated crate embeds it.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationText {
    pub version: u32,
    pub id: String,
    pub sqlite: String,
    pub postgres: String,
}

/// The migration that creates `schema` in an empty database, exactly as
/// `migrate new init` writes it: what a crate embeds when its project has
/// no migrations yet.
pub fn baseline(schema: &Schema) -> MigrationText {
    let id = "0001_init";
    let sql = |engine: Engine| render_sql(id, engine, &engine.create(schema), &[]);
    MigrationText {
        version: 1,
        id: id.to_owned(),
        sqlite: sql(Engine::Sqlite),
        postgres: sql(Engine::Postgres),
    }
}

/// The migrations in `dir` with their SQL; `None` when there are none.
pub fn read_texts(
    dir: &std::path::Path,
) -> Result<Option<Vec<MigrationText>>, history::HistoryError> {
    let migrations = history::read_migrations(dir)?;
    if migrations.is_empty() {
        return Ok(None);
    }
    migrations
        .iter()
        .map(|m| {
            Ok(MigrationText {
                version: m.version,
                id: m.id.clone(),
                sqlite: m.sql(Engine::Sqlite)?,
                postgres: m.sql(Engine::Postgres)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
