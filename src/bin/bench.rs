//! `bench`: see `ordersync::bench` and scripts/bench.sh.

fn main() -> std::process::ExitCode {
    ordersync::bench::cli::main()
}
