//! The headless commands: `exec`, `sessions`, `batch`.

pub mod args;
pub mod batch;
pub mod connection;
pub mod exec;
pub mod failure;
pub mod follow;
pub mod notebook;
pub mod print;
pub mod progress;
pub mod resources;
pub mod sessions;

pub use args::{Cli, Command};
pub use failure::{CliResult, Failure};

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> CliResult {
    let Some(command) = cli.command else {
        return notebook::run(&cli.connection, cli.notebook).await;
    };
    let client = connection::client(&cli.connection)?;
    tracing::info!(url = %client.base_url(), "livy-tui starting");
    match command {
        Command::Exec(args) => exec::run(client, *args).await,
        Command::Sessions(command) => sessions::run(client, command).await,
        Command::Batch(command) => batch::run(client, command).await,
    }
}
