//! The `schemagen` command: parses arguments, runs the library's stages and
//! turns their errors into reports and exit codes. No logic of its own.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use schemagen::diagnostic::{load_report, schema_reports, Report};
use schemagen::{render, write, Error};

// Rendering builds and drops many small strings, on every core; glibc's
// allocator was a quarter of a large `generate` (issue 12).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// SQLite allocates with the C allocator, not the one above. Its trial of
/// a schema (`validate::trial`) frees a few hundred KiB after each table,
/// glibc hands the top of its heap back to the system each time (past
/// 128 KiB free), and the next table faults the same pages in again:
/// 100,000 page faults and a fifth of `validate` on 10,000 tables. The C
/// heap holds little, so keeping up to 64 MiB of it free costs nothing.
fn keep_c_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets a tuning parameter of glibc's allocator;
    // nothing has been allocated with it yet on another thread.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

/// SQLite counts the memory it holds, under a global mutex taken at every
/// allocation, for `sqlite3_memory_used`, which nothing here reads; the
/// trial allocates on every statement it prepares.
fn skip_sqlite_memory_count() {
    // SAFETY: `sqlite3_config` is called before SQLite is initialised (no
    // connection has been opened yet), as its documentation requires; it
    // takes one int for this option.
    unsafe {
        rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
    }
}

/// Schema-as-code: validates `schema.yaml` and generates a typed Rust
/// data-access crate (models, SQL DDL and tests) from it.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// The schema file to read.
    #[arg(long, global = true, default_value = "schema.yaml")]
    schema: PathBuf,
    /// How errors are printed: `human` (with a source excerpt) or `json`
    /// (one object a line, for editors and CI).
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the schema and write the generated crate, reporting which
    /// files changed. Unchanged files are not rewritten; files the schema no
    /// longer produces are removed; files schemagen did not write are never
    /// touched.
    Generate {
        /// Write nothing; exit 1 with a diff if the output directory is not
        /// what the schema generates (for CI).
        #[arg(long)]
        check: bool,
        /// The directory of the generated crate.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        /// Does nothing: `generate` no longer runs rustfmt, whose results
        /// this once refreshed. Kept so scripts that pass it still run.
        #[arg(long, hide = true)]
        reformat: bool,
    },
    /// Validate the schema only; exit 2 if it has errors.
    Validate,
    /// Print the JSON Schema of the schema format, for editors (the
    /// repository keeps it in docs/schema.json; see the
    /// `yaml-language-server` comment atop schema.yaml).
    JsonSchema,
    /// Bring a SQLite file or a PostgreSQL database to the schema: apply the
    /// migrations (as `migrate apply`), or, in a project without any,
    /// create every table and index that does not exist yet, in one
    /// transaction.
    InitDb {
        /// Path of the SQLite database file, or a `postgres://` URL.
        database: String,
    },
    /// Migrations: write the next one from the schema, apply them to a
    /// database, or see where a database stands (docs/migrations.md).
    Migrate {
        #[command(subcommand)]
        command: MigrateCommand,
    },
}

#[derive(Subcommand)]
enum MigrateCommand {
    /// Compare the schema with the one the existing migrations lead to and
    /// write the next migration, `NNNN_NAME/`, with the SQL of both engines
    /// and a snapshot of the schema. Changes that can lose data are
    /// refused unless --allow-destructive is given.
    New {
        /// What the migration does, in lower-case words joined by `_`.
        name: String,
        /// The migrations directory (default: `migrations` beside the schema).
        #[arg(long)]
        migrations: Option<PathBuf>,
        /// Write the migration even though it drops or narrows data; each
        /// such step is marked in the SQL.
        #[arg(long)]
        allow_destructive: bool,
    },
    /// Apply every pending migration, each in one transaction, to an
    /// SQLite file (created if missing) or a `postgres://` URL.
    Apply {
        /// Path of the SQLite database file, or a `postgres://` URL.
        target: String,
        /// The migrations directory (default: `migrations` beside the schema).
        #[arg(long)]
        migrations: Option<PathBuf>,
    },
    /// List applied and pending migrations, and every difference between
    /// the database and what its applied migrations make.
    Status {
        /// Path of the SQLite database file, or a `postgres://` URL.
        target: String,
        /// The migrations directory (default: `migrations` beside the schema).
        #[arg(long)]
        migrations: Option<PathBuf>,
    },
}

/// Exit status for a schema that cannot be used.
const EXIT_INVALID: u8 = 2;
/// Exit status for `--check` finding stale output, or any other failure.
const EXIT_FAILURE: u8 = 1;

fn main() -> ExitCode {
    keep_c_heap();
    skip_sqlite_memory_count();
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(error) => report_error(&cli, &error),
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Error> {
    match &cli.command {
        Command::Validate => {
            let schema = schemagen::load_and_validate(&cli.schema)?;
            println!(
                "{} is valid: {} models",
                cli.schema.display(),
                schema.models.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::JsonSchema => {
            print!("{}", schemagen::load::render_json_schema());
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            check,
            out,
            reformat: _,
        } => {
            let dir = migrations_dir(&cli.schema, &None);
            // One run at a time per directory; --check too, so that it never
            // reads a directory another run is halfway through writing.
            let waiting = || {
                eprintln!(
                    "waiting for another schemagen run to finish with {}",
                    out.display()
                )
            };
            if *check {
                // A schema with mistakes stops here, before the output
                // directory is looked at.
                let (schema, rendered) = schemagen::load_validate_and_render(&cli.schema, &dir)?;
                // CI: a schema change must come with its migration.
                schemagen::check_schema_covered(&cli.schema, &schema, &dir)?;
                let _lock = write::lock_directory(out, false, waiting)?;
                return check_output(out, &schemagen::finish_output(rendered));
            }
            // A schema with mistakes stops before the output directory is
            // made or locked.
            let (schema, plan) = schemagen::generate(&cli.schema, &dir, out, waiting)?;
            print_plan(out, &plan);
            // The crate is written all the same: the schema is valid, and
            // the migration may come next.
            if let Err(error) = schemagen::check_schema_covered(&cli.schema, &schema, &dir) {
                eprintln!("warning: {error}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { command } => run_migrate(cli, command),
        Command::InitDb { database } => {
            let schema = schemagen::load_and_validate(&cli.schema)?;
            // With migrations, a database is made by applying them, so it
            // has its history from the start.
            let migrations =
                schemagen::migrate::history::read_migrations(&migrations_dir(&cli.schema, &None))?;
            if !migrations.is_empty() {
                let target = schemagen::migrate::runner::Target::parse(database);
                return match schemagen::migrate::runner::apply(&target, &migrations) {
                    Ok(_) => {
                        println!(
                            "{} is ready: {} tables, {} migrations applied",
                            redact_password(database),
                            schema.models.len(),
                            migrations.len()
                        );
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(error) => {
                        eprintln!(
                            "error: cannot initialise {}: {}",
                            redact_password(database),
                            error_chain(&error)
                        );
                        Ok(ExitCode::from(EXIT_FAILURE))
                    }
                };
            }
            let output = render::render_schema(&schema);
            let result = if is_postgres_url(database) {
                let sql = output
                    .get("schema.postgres.sql")
                    .expect("render always gives schema.postgres.sql");
                let lock_key = render::init_lock_key(&schema.crate_name);
                init_postgres(database, sql, lock_key).map_err(|error| error_chain(&error))
            } else {
                let sql = output
                    .get("schema.sql")
                    .expect("render always gives schema.sql");
                init_sqlite(Path::new(database), sql).map_err(|error| error_chain(&error))
            };
            // A URL may carry a password; name the database without it.
            let shown = if is_postgres_url(database) {
                redact_password(database)
            } else {
                database.clone()
            };
            match result {
                Ok(()) => {
                    println!("{shown} is ready: {} tables", schema.models.len());
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("error: cannot initialise {shown}: {error}");
                    Ok(ExitCode::from(EXIT_FAILURE))
                }
            }
        }
    }
}

/// The migrations directory: given, or `migrations` beside the schema.
fn migrations_dir(schema: &Path, given: &Option<PathBuf>) -> PathBuf {
    given
        .clone()
        .unwrap_or_else(|| schemagen::default_migrations_dir(schema))
}

fn run_migrate(cli: &Cli, command: &MigrateCommand) -> Result<ExitCode, Error> {
    use schemagen::migrate::{history, runner};
    let fail = |error: &dyn std::error::Error| {
        eprintln!("error: {}", error_chain(error));
        Ok(ExitCode::from(EXIT_FAILURE))
    };
    match command {
        MigrateCommand::New {
            name,
            migrations,
            allow_destructive,
        } => {
            let dir = migrations_dir(&cli.schema, migrations);
            match schemagen::migrate_new(&cli.schema, &dir, name, *allow_destructive)? {
                schemagen::MigrateNew::Unchanged { last } => {
                    println!(
                        "{} has no changes since migration {last}; nothing written",
                        cli.schema.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                schemagen::MigrateNew::Written { dir, steps } => {
                    println!("wrote {}", dir.display());
                    for (engine, steps) in steps {
                        println!("  {engine:?}:");
                        for step in steps {
                            println!("    - {}", step.description);
                        }
                    }
                    println!("review it, then run `schemagen generate` so the crate embeds it");
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        MigrateCommand::Apply { target, migrations } => {
            let dir = migrations_dir(&cli.schema, migrations);
            let list = match history::read_migrations(&dir) {
                Ok(list) => list,
                Err(error) => return fail(&error),
            };
            let parsed = runner::Target::parse(target);
            let shown = redact_password(target);
            match runner::apply(&parsed, &list) {
                Ok(applied) if applied.is_empty() => {
                    println!("{shown} is up to date: {} migrations applied", list.len());
                    Ok(ExitCode::SUCCESS)
                }
                Ok(applied) => {
                    for id in &applied {
                        println!("applied  {id}");
                    }
                    println!("{shown} is up to date: {} migrations applied", list.len());
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => fail(&error),
            }
        }
        MigrateCommand::Status { target, migrations } => {
            let dir = migrations_dir(&cli.schema, migrations);
            let list = match history::read_migrations(&dir) {
                Ok(list) => list,
                Err(error) => return fail(&error),
            };
            let status = match runner::status(&runner::Target::parse(target), &list) {
                Ok(status) => status,
                Err(error) => return fail(&error),
            };
            if status.baseline {
                println!(
                    "made before migrations, equal to {}: `migrate apply` records it as applied",
                    list[0].id
                );
            }
            for applied in &status.applied {
                println!("applied  {}", applied.id);
            }
            for pending in &status.pending {
                println!("pending  {pending}");
            }
            if status.drift.is_empty() {
                println!("no drift: the database is what its applied migrations make");
                Ok(ExitCode::SUCCESS)
            } else {
                println!("drift:");
                for line in &status.drift {
                    println!("  {line}");
                }
                Ok(ExitCode::from(EXIT_FAILURE))
            }
        }
    }
}

/// An error and its causes, `: `-separated: the postgres crate's own
/// message ("error connecting to server") names no cause without them.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn is_postgres_url(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

/// The URL with any password replaced by `***`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) if user_info.contains(':') => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{path}")
        }
        _ => url.to_owned(),
    }
}

fn init_sqlite(path: &Path, sql: &str) -> rusqlite::Result<()> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    let transaction = conn.transaction()?;
    transaction.execute_batch(sql)?;
    transaction.commit()
}

/// Applies the PostgreSQL DDL in one transaction, as the generated crate's
/// `postgres::init_db` does, under the same advisory lock, so that it never
/// races a worker to create the same table.
fn init_postgres(url: &str, sql: &str, lock_key: i64) -> Result<(), postgres::Error> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    let mut transaction = client.transaction()?;
    transaction.batch_execute("SET LOCAL client_min_messages = warning")?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&lock_key])?;
    transaction.batch_execute(sql)?;
    transaction.commit()
}

fn check_output(out: &Path, output: &schemagen::Output) -> Result<ExitCode, Error> {
    let plan = write::plan_output(out, output)?;
    if plan.is_empty() {
        println!("{} is up to date", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "{} is out of date with {}:",
        out.display(),
        output_schema_name(output)
    );
    eprint!("{}", write::describe_plan(out, output, &plan, 200));
    eprintln!("\nrun `cargo run -- generate` and commit the result");
    Ok(ExitCode::from(EXIT_FAILURE))
}

fn output_schema_name(output: &schemagen::Output) -> String {
    output
        .get(render::MANIFEST_FILE)
        .and_then(|text| text.lines().next())
        .and_then(|line| line.split(" from ").nth(1))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or("the schema")
        .to_owned()
}

fn print_plan(out: &Path, plan: &write::Plan) {
    use std::io::Write as _;
    // One buffer for every line: a line at a time was a system call per
    // file, 30,000 of them for a first `generate` of 10,000 models.
    let mut report = String::new();
    let lines = [
        ("created", &plan.created),
        ("updated", &plan.updated),
        ("removed", &plan.removed),
    ];
    for (what, paths) in lines {
        for path in paths {
            report.push_str(&format!("{what}  {}\n", out.join(path).display()));
        }
    }
    report.push_str(&format!(
        "{}: {} created, {} updated, {} removed, {} unchanged\n",
        out.display(),
        plan.created.len(),
        plan.updated.len(),
        plan.removed.len(),
        plan.unchanged
    ));
    // Like `println!`, but a closed stdout is no reason to fail a run that
    // has written its files.
    let _ = std::io::stdout().lock().write_all(report.as_bytes());
}

fn report_error(cli: &Cli, error: &Error) -> ExitCode {
    let (reports, code): (Vec<Report>, u8) = match error {
        Error::Load(load) => (vec![load_report(load)], EXIT_INVALID),
        Error::Invalid { schema, errors } => (schema_reports(schema, errors), EXIT_INVALID),
        Error::Destructive(reports) => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            for report in reports {
                match cli.format {
                    Format::Human => eprint!("{}", report.render(color)),
                    Format::Json => println!("{}", report.to_json()),
                }
            }
            eprintln!(
                "{} destructive change(s); no migration was written",
                reports.len()
            );
            return ExitCode::from(EXIT_INVALID);
        }
        other => {
            eprintln!("error: {other}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for report in &reports {
        match cli.format {
            Format::Human => eprint!("{}", report.render(color)),
            Format::Json => println!("{}", report.to_json()),
        }
    }
    if matches!(cli.format, Format::Human) && reports.len() > 1 {
        eprintln!("{} errors; nothing was written", reports.len());
    } else if matches!(cli.format, Format::Human) {
        eprintln!("nothing was written");
    }
    ExitCode::from(code)
}
