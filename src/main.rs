// glibc's malloc was a third of the daemon's CPU under load (perf: sled copies a tree
// node on every write, serde allocates per field). jemalloc's thread caches make that
// cheap while keeping RSS as low as glibc's (mimalloc was as fast but held ~2x the
// memory). Numbers in BENCHMARKS.md.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    ordersync::cli::main()
}
