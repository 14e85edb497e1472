//! `livy-tui sessions …`.

use super::args::SessionsCommand;
use super::failure::CliResult;
use super::follow::{LogSource, print_log};
use super::print::{listing, or_dash, pretty_json};
use crate::livy::{LivyClient, Session, SessionId};

/// Runs a `sessions` subcommand.
pub async fn run(client: LivyClient, command: SessionsCommand) -> CliResult {
    match command {
        SessionsCommand::List { paging, format } => {
            let page = client.list_sessions(Some(paging.from), Some(paging.size)).await?;
            if format.json {
                print!(
                    "{}",
                    pretty_json(&serde_json::to_value(&page.sessions).unwrap_or_default())
                );
            } else if page.sessions.is_empty() {
                eprintln!("no sessions on {}", client.base_url().as_str().trim_end_matches('/'));
            } else {
                let rows = page.sessions.iter().map(session_row).collect();
                print!(
                    "{}",
                    listing(&["id", "name", "kind", "state", "owner", "proxy user", "app id"], rows)
                );
                let total = page.total.unwrap_or(page.sessions.len() as u64);
                if total > page.sessions.len() as u64 {
                    eprintln!("({} of {total} sessions; see --from and --size)", page.sessions.len());
                }
            }
            Ok(0)
        }
        SessionsCommand::Show { id, format } => {
            let session = client.get_session(&SessionId::from(id.as_str())).await?;
            if format.json {
                print!("{}", pretty_json(&serde_json::to_value(&session).unwrap_or_default()));
            } else {
                print!(
                    "{}",
                    super::print::safe(&session_details(&session), super::print::Stream::Stdout)
                );
            }
            Ok(0)
        }
        SessionsCommand::Kill { id } => {
            client.delete_session(&SessionId::from(id.as_str())).await?;
            println!("session {id} deleted");
            Ok(0)
        }
        SessionsCommand::Log { id, log } => {
            let end = print_log(&client, &LogSource::Session(SessionId::from(id.as_str())), log).await?;
            if let Some(state) = end {
                eprintln!("session {id} is {state}");
            }
            Ok(0)
        }
    }
}

fn session_row(s: &Session) -> Vec<String> {
    vec![
        s.id.to_string(),
        or_dash(s.name.as_deref()),
        s.kind.to_string(),
        s.state.to_string(),
        or_dash(s.owner.as_deref()),
        or_dash(s.proxy_user.as_deref()),
        or_dash(s.app_id.as_deref()),
    ]
}

fn session_details(s: &Session) -> String {
    let mut out = String::new();
    let mut field = |k: &str, v: String| out.push_str(&format!("{k:<15} {v}\n"));
    field("id", s.id.to_string());
    field("name", or_dash(s.name.as_deref()));
    field("kind", s.kind.to_string());
    field("state", s.state.to_string());
    field("owner", or_dash(s.owner.as_deref()));
    field("proxy user", or_dash(s.proxy_user.as_deref()));
    field("app id", or_dash(s.app_id.as_deref()));
    field("spark ui", or_dash(s.app_info.spark_ui_url.as_deref()));
    field("driver log", or_dash(s.app_info.driver_log_url.as_deref()));
    if let Some(m) = &s.driver_memory {
        field("driver memory", m.clone());
    }
    if let Some(m) = &s.executor_memory {
        field("executor mem", m.clone());
    }
    if let Some(n) = s.num_executors {
        field("executors", n.to_string());
    }
    if let Some(q) = &s.queue {
        field("queue", q.clone());
    }
    for (k, v) in &s.conf {
        field(
            "conf",
            format!(
                "{k}={}",
                v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
            ),
        );
    }
    if !s.log.is_empty() {
        out.push_str("log (last lines):\n");
        for line in &s.log {
            out.push_str(&format!("  {}\n", line.trim_start_matches('\n')));
        }
    }
    out
}
