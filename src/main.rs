//! The `kdrill` binary: parse the command line, dispatch, map the outcome to an exit code.

use kdrill::cli::{Cli, Command};
use kdrill::commands::{self, exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    // `kdrill ...`, or `kubectl kdrill ...` through a link named kubectl-kdrill
    let cli = kdrill::cli::parse_args();
    let code = match &cli.command {
        Command::Lint(a) => commands::lint(a),
        Command::List(a) => commands::list(a),
        Command::Review(a) => commands::review(a),
        Command::Snapshots(a) => commands::snapshots(a),
        Command::Explain { topic } => commands::explain(topic.as_deref()),
        Command::Import(a) => commands::import(a),
        Command::Migrate(a) => commands::migrate(a),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "kdrill",
                &mut std::io::stdout(),
            );
            exit::OK
        }
        Command::Man { dir } => commands::man(dir),
        Command::Schema => {
            print!("{}", kdrill::schema::scenario_schema());
            exit::OK
        }
        Command::Run(_) | Command::Clean(_) | Command::Report(_) => {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return ExitCode::from(exit::USAGE);
                }
            };
            rt.block_on(async {
                match &cli.command {
                    Command::Run(a) => commands::run(a).await,
                    Command::Clean(a) => commands::clean(a).await,
                    Command::Report(a) => commands::report(a).await,
                    _ => exit::USAGE,
                }
            })
        }
    };
    ExitCode::from(code)
}
