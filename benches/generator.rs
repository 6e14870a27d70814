//! Generator scaling: synthetic schemas of 10 to 10,000 models (10 fields
//! each, a foreign-key chain, an index per model), timed per stage in this
//! process and end to end as a `schemagen generate` process into an empty
//! directory, with peak memory, and again into the directory it wrote
//! (nothing changed, so nothing is written), and `schemagen validate` of the
//! same schema as a process, with the ratio of the two first runs (issue 12
//! asks for at most 4x); then the compile time of the generated crate at 10
//! and 100 models. Writes `target/bench/generator.json` and
//! `target/bench/generator.svg`.
//!
//! `cargo bench --bench generator` runs it; `BENCH_MODELS=10,100` picks the
//! sizes, `BENCH_ROUNDS` the repetitions (default 3; one at 10,000 models,
//! where a round takes minutes), and `BENCH_COMPILE=0` skips the
//! compile-time part. `BENCH_NAMES=varied` gives the models names and
//! fields of varied lengths, kinds and numbers instead (see
//! [`varied_schema`]): the layout is laid out once per line shape, and
//! the uniform schema repeats shapes more than a real one does.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// A schema of `models` models, each pointing at the one before it.
fn synthetic_schema(models: usize) -> String {
    let mut yaml = String::from("crate: synth-db\nmodels:\n");
    for i in 0..models {
        let parent = if i == 0 {
            "      parent_id: { type: int, nullable: true }\n".to_owned()
        } else {
            format!(
                "      parent_id: {{ type: int, nullable: true, references: model_{}.id, on_delete: cascade }}\n",
                i - 1
            )
        };
        write!(
            yaml,
            "  Model{i}:\n    table: model_{i}\n    fields:\n\
             \x20     id: {{ type: int, primary_key: true, autoincrement: true }}\n\
             {parent}\
             \x20     name: string(100)\n\
             \x20     code: {{ type: string(32), unique: true }}\n\
             \x20     score: float\n\
             \x20     count: {{ type: int, default: 0 }}\n\
             \x20     active: {{ type: bool, default: true }}\n\
             \x20     payload: {{ type: json, nullable: true }}\n\
             \x20     status: {{ type: enum, values: [new, done], default: new }}\n\
             \x20     created_at: {{ type: datetime, default: now }}\n\
             \x20   indexes:\n\
             \x20     - {{ name: idx_model_{i}_parent, columns: [parent_id, created_at] }}\n"
        )
        .unwrap();
    }
    yaml
}

/// A schema of `models` models whose table and field names are one to
/// three words of a list of 32 (so of varied length), with 3 to 9 fields
/// of a type drawn from every kind, each model but the first pointing at
/// an earlier one drawn at random; the same schema on every run.
fn varied_schema(models: usize) -> String {
    const WORDS: [&str; 32] = [
        "account",
        "order",
        "invoice",
        "clip",
        "video",
        "short",
        "script",
        "voice",
        "review",
        "upload",
        "metric",
        "channel",
        "playlist",
        "comment",
        "author",
        "segment",
        "frame",
        "render",
        "queue",
        "worker",
        "budget",
        "label",
        "tag",
        "topic",
        "source",
        "target",
        "batch",
        "asset",
        "track",
        "scene",
        "caption",
        "thumbnail",
    ];
    const TYPES: [&str; 11] = [
        "string(100)",
        "int",
        "float",
        "bool",
        "json",
        "datetime",
        "{ type: string(32), unique: true }",
        "{ type: int, default: 0 }",
        "{ type: enum, values: [new, done], default: new }",
        "{ type: datetime, default: now }",
        "{ type: text, nullable: true }",
    ];
    // A 64-bit linear congruential generator (Knuth's MMIX constants).
    let mut state: u64 = 7;
    let mut next = |below: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) % below as u64) as usize
    };
    let name = |next: &mut dyn FnMut(usize) -> usize| {
        let words = 1 + next(3);
        (0..words)
            .map(|_| WORDS[next(WORDS.len())])
            .collect::<Vec<_>>()
            .join("_")
    };
    let mut tables = Vec::new();
    let mut yaml = String::from("crate: synth-db\nmodels:\n");
    for i in 0..models {
        let table = format!("{}_{i}", name(&mut next));
        let model: String = table
            .split('_')
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map_or(String::new(), |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        write!(
            yaml,
            "  {model}:\n    table: {table}\n    fields:\n\
             \x20     id: {{ type: int, primary_key: true, autoincrement: true }}\n"
        )
        .unwrap();
        if i > 0 {
            let parent: &String = &tables[next(i)];
            let column = WORDS[next(WORDS.len())];
            writeln!(
                yaml,
                "      {column}_id: {{ type: int, nullable: true, references: {parent}.id, on_delete: cascade }}"
            )
            .unwrap();
        }
        let mut used = std::collections::BTreeSet::new();
        for _ in 0..3 + next(7) {
            let field = name(&mut next);
            if field.ends_with("_id") || !used.insert(field.clone()) {
                continue;
            }
            writeln!(yaml, "      {field}: {}", TYPES[next(TYPES.len())]).unwrap();
        }
        tables.push(table);
    }
    yaml
}

/// The schema the bench measures: [`synthetic_schema`], or with
/// `BENCH_NAMES=varied` [`varied_schema`].
fn bench_schema(models: usize) -> String {
    match std::env::var("BENCH_NAMES").as_deref() {
        Ok("varied") => varied_schema(models),
        _ => synthetic_schema(models),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').map(|n| n.trim().parse().unwrap()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap())
        .unwrap_or(default)
}

#[derive(Default)]
struct Sizes {
    models: usize,
    load: Vec<f64>,
    validate: Vec<f64>,
    render: Vec<f64>,
    write: Vec<f64>,
    process: Vec<f64>,
    /// `generate` again into the same directory, nothing changed.
    again: Vec<f64>,
    /// `schemagen validate` of the same schema as a process.
    validate_process: Vec<f64>,
    peak_mib: Vec<f64>,
    files: usize,
}

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// One round of every stage, in this process, into a fresh directory.
fn stages(schema_path: &Path, out: &Path, sizes: &mut Sizes) {
    let start = Instant::now();
    let source = schemagen::load::load_schema(schema_path).unwrap();
    sizes.load.push(seconds(start));
    let start = Instant::now();
    let schema = schemagen::validate_source(source).unwrap();
    sizes.validate.push(seconds(start));
    let start = Instant::now();
    let output = schemagen::finish_output(schemagen::render::render_schema(&schema));
    sizes.render.push(seconds(start));
    sizes.files = output.files.len();
    let start = Instant::now();
    schemagen::write::write_output(out, &output).unwrap();
    sizes.write.push(seconds(start));
}

/// `schemagen generate` as a process under GNU time: wall seconds and peak
/// resident MiB.
fn process(binary: &Path, schema_path: &Path, out: &Path) -> (f64, f64) {
    let report = out.with_extension("time");
    let start = Instant::now();
    let status = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(binary)
        .arg("--schema")
        .arg(schema_path)
        .arg("generate")
        .arg("--out")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("/usr/bin/time runs (Debian package `time`)");
    let wall = seconds(start);
    assert!(status.success());
    let kib: f64 = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (wall, kib / 1024.0)
}

/// `schemagen validate` as a process: wall seconds.
fn validate_process(binary: &Path, schema_path: &Path) -> f64 {
    let start = Instant::now();
    let status = Command::new(binary)
        .arg("--schema")
        .arg(schema_path)
        .arg("validate")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("schemagen runs");
    assert!(status.success());
    seconds(start)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The release binary, built by this run's `cargo bench` profile.
fn schemagen_binary() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bin", "schemagen"])
        .current_dir(root())
        .status()
        .unwrap();
    assert!(status.success());
    root().join("target/release/schemagen")
}

/// Seconds to build the generated crate of `models` models with its
/// dependencies already built: one warm-up build, then the package alone
/// cleaned and rebuilt.
fn compile_time(binary: &Path, work: &Path, models: usize, rounds: usize) -> Vec<f64> {
    let dir = work.join(format!("compile-{models}"));
    std::fs::create_dir_all(&dir).unwrap();
    let schema_path = dir.join("schema.yaml");
    std::fs::write(&schema_path, synthetic_schema(models)).unwrap();
    let out = dir.join("crate");
    process(binary, &schema_path, &out);
    std::fs::copy(root().join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
    // An empty workspace table keeps the crate out of this repository's.
    let manifest = out.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("\n[workspace]\n");
    std::fs::write(&manifest, text).unwrap();
    let target = root().join("target/bench/compile-target");
    let cargo = |args: &[&str]| {
        let status = Command::new(env!("CARGO"))
            .args(args)
            .current_dir(&out)
            .env("CARGO_TARGET_DIR", &target)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "cargo {args:?} failed in {}",
            out.display()
        );
    };
    cargo(&["build", "--offline"]);
    (0..rounds)
        .map(|_| {
            cargo(&["clean", "--offline", "--package", "synth-db"]);
            let start = Instant::now();
            cargo(&["build", "--offline"]);
            seconds(start)
        })
        .collect()
}

/// A plotted line: label, colour, and the seconds it shows for a size.
type Series = (&'static str, &'static str, Box<dyn Fn(&Sizes) -> f64>);

/// A log-log plot of median end-to-end and per-stage time against models.
fn svg(sizes: &[Sizes]) -> String {
    let (width, height, margin) = (640.0, 420.0, 60.0);
    let xs: Vec<f64> = sizes.iter().map(|s| (s.models as f64).log10()).collect();
    let series: [Series; 4] = [
        (
            "generate (process)",
            "#d62728",
            Box::new(|s| median(s.process.clone())),
        ),
        (
            "generate again, unchanged",
            "#ff7f0e",
            Box::new(|s| median(s.again.clone())),
        ),
        ("render", "#2ca02c", Box::new(|s| median(s.render.clone()))),
        (
            "load + validate",
            "#9467bd",
            Box::new(|s| median(s.load.clone()) + median(s.validate.clone())),
        ),
    ];
    let all: Vec<f64> = series
        .iter()
        .flat_map(|(_, _, f)| sizes.iter().map(|s| f(s).max(1e-4).log10()))
        .collect();
    let (y_min, y_max) = (
        all.iter().cloned().fold(f64::INFINITY, f64::min).floor(),
        all.iter().cloned().fold(f64::NEG_INFINITY, f64::max).ceil(),
    );
    let (x_min, x_max) = (xs[0].floor(), xs[xs.len() - 1].ceil().max(xs[0] + 1.0));
    let px = |x: f64| margin + (x - x_min) / (x_max - x_min) * (width - 2.0 * margin);
    let py = |y: f64| height - margin - (y - y_min) / (y_max - y_min) * (height - 2.0 * margin);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">schemagen generate: \
         median seconds against models (log-log)</text>\n",
        width / 2.0
    );
    for decade in (x_min as i32)..=(x_max as i32) {
        let x = px(decade as f64);
        writeln!(
            svg,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#ddd\"/>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            margin,
            height - margin,
            height - margin + 18.0,
            10_u64.pow(decade as u32)
        )
        .unwrap();
    }
    for decade in (y_min as i32)..=(y_max as i32) {
        let y = py(decade as f64);
        writeln!(
            svg,
            "<line x1=\"{margin}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            width - margin,
            margin - 6.0,
            y + 4.0,
            10_f64.powi(decade)
        )
        .unwrap();
    }
    // The linear-growth guide: slope 1 through the first process point.
    let first = median(sizes[0].process.clone()).log10();
    writeln!(
        svg,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>",
        px(xs[0]),
        py(first),
        px(xs[xs.len() - 1]),
        py(first + xs[xs.len() - 1] - xs[0])
    )
    .unwrap();
    for (i, (label, colour, f)) in series.iter().enumerate() {
        let points: Vec<String> = sizes
            .iter()
            .zip(&xs)
            .map(|(s, &x)| format!("{:.1},{:.1}", px(x), py(f(s).max(1e-4).log10())))
            .collect();
        writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"{colour}\">{label}</text>",
            points.join(" "),
            margin + 10.0,
            margin + 16.0 * (i as f64 + 1.0)
        )
        .unwrap();
    }
    // The targets of issue 12: 1,000 models in 0.5 s, 10,000 in 5 s.
    for (models, seconds, label) in [
        (3.0, 0.5, "1,000 models in 0.5 s"),
        (4.0, 5.0, "10,000 in 5 s"),
    ] {
        let y = py(f64::log10(seconds));
        writeln!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"none\" stroke=\"black\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">target: {label}</text>",
            px(models),
            px(models) - 150.0,
            y + 16.0
        )
        .unwrap();
    }
    writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" fill=\"#999\">dashed: linear growth</text>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">models</text>\n</svg>",
        margin + 10.0,
        margin + 16.0 * 6.0,
        width / 2.0,
        height - 15.0
    )
    .unwrap();
    svg
}

fn main() {
    // `cargo test --benches` and `cargo bench --no-run` must not run this.
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let model_counts = env_list("BENCH_MODELS", &[10, 100, 1_000, 10_000]);
    let rounds = env_number("BENCH_ROUNDS", 3);
    let binary = schemagen_binary();
    let work = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for &models in &model_counts {
        let mut sizes = Sizes {
            models,
            ..Sizes::default()
        };
        let schema_path = work.path().join(format!("schema-{models}.yaml"));
        std::fs::write(&schema_path, bench_schema(models)).unwrap();
        // A round of the largest takes a minute; one says enough.
        let size_rounds = if models >= 10_000 { 1 } else { rounds };
        for round in 0..size_rounds {
            let out = work.path().join(format!("stages-{models}-{round}"));
            stages(&schema_path, &out, &mut sizes);
            sizes
                .validate_process
                .push(validate_process(&binary, &schema_path));
            let out = work.path().join(format!("process-{models}-{round}"));
            let (wall, peak) = process(&binary, &schema_path, &out);
            sizes.process.push(wall);
            sizes.peak_mib.push(peak);
            let (wall, _) = process(&binary, &schema_path, &out);
            sizes.again.push(wall);
            // The directories stay until the end: on ext4 a file created
            // soon after thousands were deleted costs several times a
            // plain one (the allocator skips inodes deleted recently), a
            // cost of the bench's cleanup, not of a first generate.
        }
        eprintln!(
            "{models:>6} models: generate {:.3} s (min {:.3}, max {:.3}), peak {:.0} MiB",
            median(sizes.process.clone()),
            sizes.process.iter().cloned().fold(f64::INFINITY, f64::min),
            sizes.process.iter().cloned().fold(0.0, f64::max),
            median(sizes.peak_mib.clone())
        );
        results.push(sizes);
    }

    println!("| models | files | load | validate | render | write | generate (process) | per model | peak memory | generate again, unchanged | validate (process) | generate ÷ validate |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for s in &results {
        let process = median(s.process.clone());
        println!(
            "| {} | {} | {:.4} s | {:.4} s | {:.4} s | {:.3} s | {:.3} s ({:.3}-{:.3}) | {:.2} ms | {:.0} MiB | {:.3} s | {:.3} s | **{:.1}x** |",
            s.models,
            s.files,
            median(s.load.clone()),
            median(s.validate.clone()),
            median(s.render.clone()),
            median(s.write.clone()),
            process,
            s.process.iter().cloned().fold(f64::INFINITY, f64::min),
            s.process.iter().cloned().fold(0.0, f64::max),
            process / s.models as f64 * 1000.0,
            median(s.peak_mib.clone()),
            median(s.again.clone()),
            median(s.validate_process.clone()),
            process / median(s.validate_process.clone()),
        );
    }

    let bench_dir = root().join("target/bench");
    std::fs::create_dir_all(&bench_dir).unwrap();
    std::fs::write(bench_dir.join("generator.svg"), svg(&results)).unwrap();
    let json: Vec<serde_json::Value> = results
        .iter()
        .map(|s| {
            serde_json::json!({
                "models": s.models, "files": s.files,
                "load": s.load, "validate": s.validate, "render": s.render,
                "write": s.write,
                "process": s.process, "again": s.again, "peak_mib": s.peak_mib,
                "validate_process": s.validate_process,
            })
        })
        .collect();
    std::fs::write(
        bench_dir.join("generator.json"),
        serde_json::to_string_pretty(&json).unwrap(),
    )
    .unwrap();

    if env_number("BENCH_COMPILE", 1) == 1 {
        println!();
        println!("| models | compile the generated crate (dependencies built) |");
        println!("|---:|---:|");
        for models in [10, 100] {
            let times = compile_time(&binary, work.path(), models, rounds);
            let spread = (
                times.iter().cloned().fold(f64::INFINITY, f64::min),
                times.iter().cloned().fold(0.0, f64::max),
            );
            println!(
                "| {models} | {:.2} s ({:.2}-{:.2}) |",
                median(times.clone()),
                spread.0,
                spread.1
            );
        }
    }
}
