//! `tuberry`: the engine without a window (see [`tuberry::cli`]).

fn main() -> std::process::ExitCode {
    tuberry::cli::main(std::env::args_os())
}
