fn main() -> std::process::ExitCode {
    ordersync::cli::main()
}
