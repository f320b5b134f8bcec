//! The `vigie` command: everything happens in the library's `cli` module.

/// mimalloc: status, planning and intake allocate and free millions of small
/// values, where glibc's allocator took about a third of the time
/// (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    vigie::cli::main()
}
