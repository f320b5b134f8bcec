//! The `vigie` command: everything happens in the library's `cli` module.

fn main() -> std::process::ExitCode {
    vigie::cli::main()
}
