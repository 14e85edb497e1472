//! `livy-tui batch …`.

use super::args::{BatchCommand, LogArgs, SubmitArgs};
use super::failure::{CliResult, EXIT_FAILURE, EXIT_INTERRUPTED, Failure};
use super::follow::{LogSource, print_log};
use super::print::{listing, or_dash, pretty_json};
use super::resources::{extra_fields, resources};
use crate::livy::{Batch, BatchId, CreateBatch, LivyClient, SessionState};
use crate::server::local::{LocalOptions, find_spark_submit, local_app_file};

/// Runs a `batch` subcommand.
pub async fn run(client: LivyClient, command: BatchCommand) -> CliResult {
    match command {
        BatchCommand::List { paging, format } => {
            let page = client.list_batches(Some(paging.from), Some(paging.size)).await?;
            if format.json {
                print!(
                    "{}",
                    pretty_json(&serde_json::to_value(&page.sessions).unwrap_or_default())
                );
            } else if page.sessions.is_empty() {
                eprintln!("no batches on {}", client.base_url().as_str().trim_end_matches('/'));
            } else {
                let rows = page.sessions.iter().map(batch_row).collect();
                print!(
                    "{}",
                    listing(&["id", "name", "state", "owner", "proxy user", "app id"], rows)
                );
                let total = page.total.unwrap_or(page.sessions.len() as u64);
                if total > page.sessions.len() as u64 {
                    eprintln!("({} of {total} batches; see --from and --size)", page.sessions.len());
                }
            }
            Ok(0)
        }
        BatchCommand::Submit(args) => submit(&client, *args).await,
        BatchCommand::Show { id, format } => {
            let batch = client.get_batch(&BatchId::from(id.as_str())).await?;
            if format.json {
                print!("{}", pretty_json(&serde_json::to_value(&batch).unwrap_or_default()));
            } else {
                print!(
                    "{}",
                    super::print::safe(&batch_details(&batch), super::print::Stream::Stdout)
                );
            }
            Ok(0)
        }
        BatchCommand::Log { id, log } => follow(&client, &BatchId::from(id.as_str()), log).await,
        BatchCommand::Kill { id } => {
            client.delete_batch(&BatchId::from(id.as_str())).await?;
            println!("batch {id} killed and deleted");
            Ok(0)
        }
    }
}

async fn submit(client: &LivyClient, args: SubmitArgs) -> CliResult {
    if args.local.local {
        check_spark_submit(&super::local::options(&args.local)).await?;
    }
    let mut request = args.defaults.clone();
    request.overlay(CreateBatch {
        file: args.file.clone(),
        class_name: args.class_name.clone(),
        args: args.args.clone(),
        name: args.name.clone(),
        resources: resources(&args.resources)?,
        extra: extra_fields(&args.resources)?,
    });
    if request.file.ends_with(".jar") && request.class_name.is_none() {
        tracing::info!("jar submitted without --class; relying on its manifest");
    }
    let batch = client.create_batch(&request).await?;
    if args.local.local {
        eprintln!("batch {} submitted ({})", batch.id, batch.state);
        return follow_until_interrupted(client, &batch.id).await;
    }
    if !args.follow {
        println!("{}", batch.id);
        eprintln!(
            "batch {} submitted ({}); follow it with 'livy-tui batch log {} -f'",
            batch.id, batch.state, batch.id
        );
        return Ok(0);
    }
    eprintln!("batch {} submitted ({})", batch.id, batch.state);
    follow(
        client,
        &batch.id,
        LogArgs {
            follow: true,
            lines: None,
        },
    )
    .await
}

/// `batch submit --local`: the file must be a .py or .jar here, said in one line before a
/// server starts. The server gets the file's absolute path, and the command follows the
/// batch to its end (the server stops with the command).
pub fn prepare_local(args: &mut SubmitArgs) -> Result<(), Failure> {
    let (path, _) = local_app_file(&args.file).map_err(|e| Failure::usage(e.to_string()))?;
    args.file = path.display().to_string();
    args.follow = true;
    Ok(())
}

/// After the local server's own check (Python, pyspark, Java): the pyspark must have
/// spark-submit too, said in one line rather than as a dead batch.
async fn check_spark_submit(options: &LocalOptions) -> Result<(), Failure> {
    find_spark_submit(&options.python, &options.env)
        .await
        .map(|_| ())
        .map_err(|e| Failure::usage(e.to_string()))
}

/// Follows a local batch to its end; Ctrl-C kills it (stopping the local server would too,
/// but saying so is clearer) and exits 130.
async fn follow_until_interrupted(client: &LivyClient, id: &BatchId) -> CliResult {
    let log = LogArgs {
        follow: true,
        lines: None,
    };
    tokio::select! {
        result = follow(client, id, log) => result,
        _ = tokio::signal::ctrl_c() => {
            let _ = client.delete_batch(id).await;
            Err(Failure {
                message: format!("interrupted: batch {id} killed"),
                code: EXIT_INTERRUPTED,
            })
        }
    }
}

/// Prints the log; when following, exits 1 if the batch did not succeed.
async fn follow(client: &LivyClient, id: &BatchId, log: LogArgs) -> CliResult {
    match print_log(client, &LogSource::Batch(id.clone()), log).await? {
        None => Ok(0),
        Some(SessionState::Success) => {
            eprintln!("batch {id} succeeded");
            Ok(0)
        }
        Some(state) => Err(Failure {
            message: format!("batch {id} ended {state}"),
            code: EXIT_FAILURE,
        }),
    }
}

fn batch_row(b: &Batch) -> Vec<String> {
    vec![
        b.id.to_string(),
        or_dash(b.name.as_deref()),
        b.state.to_string(),
        or_dash(b.owner.as_deref()),
        or_dash(b.proxy_user.as_deref()),
        or_dash(b.app_id.as_deref()),
    ]
}

fn batch_details(b: &Batch) -> String {
    let mut out = String::new();
    let mut field = |k: &str, v: String| out.push_str(&format!("{k:<11} {v}\n"));
    field("id", b.id.to_string());
    field("name", or_dash(b.name.as_deref()));
    field("state", b.state.to_string());
    field("owner", or_dash(b.owner.as_deref()));
    field("proxy user", or_dash(b.proxy_user.as_deref()));
    field("app id", or_dash(b.app_id.as_deref()));
    field("spark ui", or_dash(b.app_info.spark_ui_url.as_deref()));
    field("driver log", or_dash(b.app_info.driver_log_url.as_deref()));
    if !b.log.is_empty() {
        out.push_str("log (last lines):\n");
        for line in &b.log {
            out.push_str(&format!("  {}\n", line.trim_start_matches('\n')));
        }
    }
    out
}
