//! Printing a session's or batch's log, and following it until the end.

use super::args::LogArgs;
use super::failure::Failure;
pub use crate::livy::log_tail::LogSource;
use crate::livy::{LivyClient, SessionState, log_tail::LogTail};
use crate::session::PollInterval;
use std::io::Write;
use std::time::Duration;

/// Prints the log; with `--follow`, keeps printing new lines until the session or batch
/// ends, and returns its final state.
pub async fn print_log(
    client: &LivyClient,
    source: &LogSource,
    args: LogArgs,
) -> std::result::Result<Option<SessionState>, Failure> {
    let mut tail = LogTail::new();
    let first = source.window(client).await?;
    let delta = tail.update(first.log);
    let skip = args.lines.map_or(0, |n| delta.lines.len().saturating_sub(n));
    write_lines(&delta.lines[skip..])?;
    if !args.follow {
        return Ok(None);
    }
    let mut poll = PollInterval::new(Duration::from_millis(500), Duration::from_secs(3));
    loop {
        // Deleting is the usual way a session ends, and finished ones expire: a 404 while
        // following means "gone", and what was printed stands.
        let state = match source.state(client).await {
            Ok(state) => state,
            Err(e) if e.is_not_found() => return Ok(Some(SessionState::Unknown("deleted".into()))),
            Err(e) => return Err(e.into()),
        };
        let page = match source.window(client).await {
            Ok(page) => page,
            Err(e) if e.is_not_found() => return Ok(Some(SessionState::Unknown("deleted".into()))),
            Err(e) => return Err(e.into()),
        };
        let delta = tail.update(page.log);
        if delta.gap {
            eprintln!("[livy-tui: the server dropped log lines before they could be read]");
        }
        if delta.lines.is_empty() {
            if state.is_finished() {
                return Ok(Some(state));
            }
        } else {
            poll.reset();
            write_lines(&delta.lines)?;
        }
        tokio::time::sleep(poll.next_delay()).await;
    }
}

fn write_lines(lines: &[String]) -> std::result::Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    for line in lines {
        // Livy marks its streams with "\nstderr: "; keep that readable as one line.
        let line = line.strip_prefix('\n').unwrap_or(line);
        let line = super::print::safe(line, super::print::Stream::Stdout);
        if let Err(e) = writeln!(out, "{line}") {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(Failure::failed(format!("cannot write the log: {e}")));
        }
    }
    let _ = out.flush();
    Ok(())
}
