//! The headless commands: `exec`, `run`, `export`, `sessions`, `batch`.

pub mod args;
pub mod batch;
pub mod connection;
pub mod exec;
pub mod export;
pub mod failure;
pub mod follow;
pub mod livy_session;
pub mod notebook;
pub mod print;
pub mod progress;
pub mod resources;
pub mod run;
pub mod sessions;

pub use args::{Cli, Command};
pub use failure::{CliResult, Failure};

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> CliResult {
    let Some(command) = cli.command else {
        return notebook::run(&cli.connection, cli.notebook).await;
    };
    match command {
        Command::Exec(args) => exec::run(client(&cli.connection)?, *args).await,
        // These check their input before any credentials are read (export needs none).
        Command::Run(args) => run::run(&cli.connection, *args).await,
        Command::Export(args) => export::run(&args),
        Command::Sessions(command) => sessions::run(client(&cli.connection)?, command).await,
        Command::Batch(command) => batch::run(client(&cli.connection)?, command).await,
    }
}

/// The client for a command that talks to the server.
fn client(args: &args::ConnectionArgs) -> Result<crate::livy::LivyClient, Failure> {
    let client = connection::client(args)?;
    tracing::info!(url = %client.base_url(), "livy-tui starting");
    Ok(client)
}
