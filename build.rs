//! Marks the PostgreSQL-only tests ignored where no server is named, so a
//! run without one shows them as ignored rather than passed. With `CI` set
//! they always run, and fail without a server (tests/common/mod.rs).

fn main() {
    println!("cargo::rerun-if-env-changed=PIPELINE_DB_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    let server =
        std::env::var_os("PIPELINE_DB_TEST_POSTGRES_URL").is_some_and(|url| !url.is_empty());
    if server || std::env::var_os("CI").is_some() {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
