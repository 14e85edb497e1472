//! The commands: flags (`args.rs`), the notebook's start-up (`notebook.rs`), and the headless
//! `exec`, `run`, `export`, `sessions`, `batch`, `serve`, `local-setup`. May use every
//! module; prints to stdout/stderr only what `output::sanitize` made safe.

pub mod args;
pub mod batch;
pub mod connection;
pub mod exec;
pub mod export;
pub mod failure;
pub mod follow;
pub mod livy_session;
pub mod local;
pub mod local_setup;
pub mod notebook;
pub mod print;
pub mod profiles;
pub mod progress;
pub mod resources;
pub mod run;
pub mod serve;
pub mod sessions;

use args::{BatchCommand, KindArg, LocalArgs};
pub use args::{Cli, Command};
pub use failure::{CliResult, Failure};

/// Runs a parsed command line.
pub async fn run(mut cli: Cli) -> CliResult {
    print::set_raw(cli.raw);
    if let Some(patience) = cli.wait_for_server {
        livy_session::set_server_trouble_patience(patience);
    }
    let top_local = cli.notebook.local.clone();
    let local_flags = match &mut cli.command {
        None => Some(&mut cli.notebook.local),
        Some(Command::Exec(args)) => Some(&mut args.local),
        Some(Command::Run(args)) => Some(&mut args.local),
        Some(Command::Batch(BatchCommand::Submit(args))) => Some(&mut args.local),
        Some(_) => None,
    };
    let local = match local_flags {
        Some(flags) => {
            *flags = flags.or(&top_local);
            flags.clone()
        }
        None if top_local.local => {
            return Err(Failure::usage(
                "--local goes with the notebook, run, exec or batch submit (a local server lives only as long as the command)",
            ));
        }
        None => LocalArgs::default(),
    };
    if local.python.is_some() && !local.local {
        return Err(Failure::usage("--python only applies with --local"));
    }
    if !local.local {
        return run_command(cli).await;
    }
    check_local_flags(&cli)?;
    if let Some(Command::Batch(BatchCommand::Submit(args))) = &mut cli.command {
        batch::prepare_local(args)?;
    }
    let server = local::start(&local).await?;
    cli.connection.local_url = Some(server.url());
    let result = run_command(cli).await;
    server.stop(local::STOP_GRACE).await;
    result
}

async fn run_command(mut cli: Cli) -> CliResult {
    let talks_to_a_server = matches!(
        cli.command,
        None | Some(Command::Exec(_) | Command::Run(_) | Command::Sessions(_) | Command::Batch(_))
    );
    if !talks_to_a_server {
        return match cli.command {
            Some(Command::Serve(args)) => serve::run(args).await,
            Some(Command::LocalSetup(args)) => local_setup::run(args).await,
            Some(Command::Export(args)) => export::run(&args),
            Some(Command::Profiles(command)) => profiles::run(&cli.connection, command),
            _ => unreachable!("every command that talks to no server is above"),
        };
    }
    // The config file is read here, once, for all that follows.
    let connection = connection::Connection::resolve(&cli.connection)?;
    with_profile_defaults(&mut cli, &connection);
    check_the_api_has_sessions(&cli, &connection)?;
    warn_about_fields_the_gateway_replaces(&cli, &connection);
    let default_kind = connection.config.default_kind.clone();
    match cli.command {
        None => notebook::run(&connection, cli.notebook).await,
        Some(Command::Exec(args)) => exec::run(client(&connection)?, *args, default_kind).await,
        // It checks its input before any credentials are read.
        Some(Command::Run(args)) => run::run(&connection, *args).await,
        Some(Command::Sessions(command)) => sessions::run(client(&connection)?, command).await,
        Some(Command::Batch(command)) => batch::run(client(&connection)?, command).await,
        Some(_) => unreachable!("commands that talk to no server returned above"),
    }
}

/// Gives the commands that create a session or a batch the profile's defaults for it.
fn with_profile_defaults(cli: &mut Cli, connection: &connection::Connection) {
    let Some(profile) = connection.profile.clone() else {
        return;
    };
    match &mut cli.command {
        None => {
            cli.notebook.new_session.defaults = profile.session;
            cli.notebook.batch_defaults = profile.batch;
        }
        Some(Command::Exec(args)) => args.new_session.defaults = profile.session,
        Some(Command::Run(args)) => args.new_session.defaults = profile.session,
        Some(Command::Batch(BatchCommand::Submit(args))) => args.defaults = profile.batch,
        Some(_) => {}
    }
}

/// Knox runs sessions and batches as the signed-in user, whatever `proxyUser` says: a
/// headless command says so rather than let the user believe it applied.
fn warn_about_fields_the_gateway_replaces(cli: &Cli, connection: &connection::Connection) {
    let proxy_user = match &cli.command {
        Some(Command::Exec(args)) => {
            args.new_session.resources.proxy_user.is_some() || args.new_session.defaults.resources.proxy_user.is_some()
        }
        Some(Command::Run(args)) => {
            args.new_session.resources.proxy_user.is_some() || args.new_session.defaults.resources.proxy_user.is_some()
        }
        Some(Command::Batch(BatchCommand::Submit(args))) => {
            args.resources.proxy_user.is_some() || args.defaults.resources.proxy_user.is_some()
        }
        _ => false,
    };
    if proxy_user
        && cli.connection.local_url.is_none()
        && connection.settings.flavor_or_detected() == crate::livy::Flavor::Knox
    {
        eprintln!("warning: Knox runs it as the user you signed in as; the proxy user is ignored");
    }
}

/// DLI's Livy-shaped API has batches only: say so before trying to make a session.
fn check_the_api_has_sessions(cli: &Cli, connection: &connection::Connection) -> Result<(), Failure> {
    let needs_sessions = matches!(
        cli.command,
        None | Some(Command::Exec(_) | Command::Run(_) | Command::Sessions(_))
    );
    if !needs_sessions || cli.connection.local_url.is_some() {
        return Ok(());
    }
    let flavor = connection.settings.flavor_or_detected();
    if flavor.has_sessions() {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "{}'s API has batch jobs only, no interactive sessions: use 'livy-tui batch submit' (the notebook, exec, run and sessions need sessions)",
        flavor.title()
    )))
}

/// Flags that cannot work against a server that lives only as long as this command.
fn check_local_flags(cli: &Cli) -> Result<(), Failure> {
    let (session, keep, kind) = match &cli.command {
        None => (cli.notebook.session.is_some(), None, cli.notebook.kind),
        Some(Command::Exec(args)) => (args.session.is_some(), args.keep.then_some("--keep"), args.kind),
        Some(Command::Run(args)) => (
            args.session.is_some(),
            args.keep_session.then_some("--keep-session"),
            args.kind,
        ),
        Some(_) => (false, None, None),
    };
    if session {
        return Err(Failure::usage(
            "--session cannot be used with --local: the local server starts empty and stops with the command",
        ));
    }
    if let Some(flag) = keep {
        return Err(Failure::usage(format!(
            "{flag} cannot be used with --local: local sessions stop with the command"
        )));
    }
    if kind == Some(KindArg::Sparkr) {
        return Err(Failure::usage(
            "--kind sparkr (R) is not available with --local, which runs pyspark, spark (Scala) and sql: use one of those",
        ));
    }
    Ok(())
}

/// The client for a command that talks to the server.
fn client(connection: &connection::Connection) -> Result<crate::livy::LivyClient, Failure> {
    let client = connection::client(connection)?;
    tracing::info!(url = %client.base_url(), "livy-tui starting");
    Ok(client)
}
