// {{ header }}
//! Compiles the PostgreSQL tests only where a server is named
//! (`{{ env_var }}`) or under CI, where they must run; elsewhere
//! `cargo test` shows them as ignored rather than passed.

fn main() {
    println!("cargo::rerun-if-env-changed={{ env_var }}");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    let server = std::env::var_os("{{ env_var }}").is_some_and(|url| !url.is_empty());
    if server || std::env::var_os("CI").is_some() {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}
