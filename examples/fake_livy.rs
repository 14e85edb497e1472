//! A fake Livy server for manual and tmux testing: the `TestLivy` harness as a process.
//!
//! ```text
//! cargo run --example fake_livy -- --port 8998 [--version 0.7.1-incubating] [--csrf]
//!     [--basic user:pass] [--start-ms 2000] [--statement-ms 300] [--batch-ms 1000,5000]
//!     [--max-seconds 3600]
//! ```
//!
//! It prints `listening on http://127.0.0.1:PORT` and stops on Ctrl-C, SIGTERM or after
//! `--max-seconds`, so a forgotten one never lingers.

use std::io::Write;
use std::time::Duration;

use livy_tui::testing::{TestLivy, TestLivyConfig};

const USAGE: &str = "usage: fake_livy [--port N] [--version V] [--csrf] [--basic USER:PASS] \
[--start-ms MS] [--statement-ms MS] [--batch-ms STARTING,RUNNING] [--max-seconds S]";

struct Options {
    config: TestLivyConfig,
    max_seconds: u64,
}

fn parse(args: &[String]) -> Result<Options, String> {
    // Human-paced defaults: states are visible in a terminal for a moment.
    let mut config = TestLivyConfig::default()
        .port(8998)
        .start_ms(2000)
        .statement_ms(300)
        .batch_ms(1000, 5000);
    config.cancel_timeout = Duration::from_secs(5);
    let mut max_seconds = 3600;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number =
            |name: &str, text: String| text.parse::<u64>().map_err(|_| format!("{name}: not a number: {text}"));
        match flag {
            "--port" => {
                let port = number(flag, value(flag)?)?;
                config.port = u16::try_from(port).map_err(|_| format!("--port: out of range: {port}"))?;
            }
            "--version" => config.version = value(flag)?,
            "--csrf" => config.csrf = true,
            "--basic" => {
                let text = value(flag)?;
                let (user, password) = text.split_once(':').ok_or("--basic wants USER:PASS")?;
                config.basic_auth = Some((user.to_string(), password.to_string()));
            }
            "--start-ms" => config.start_delay = Duration::from_millis(number(flag, value(flag)?)?),
            "--statement-ms" => config.statement_duration = Duration::from_millis(number(flag, value(flag)?)?),
            "--batch-ms" => {
                let text = value(flag)?;
                let (starting, running) = text.split_once(',').ok_or("--batch-ms wants STARTING,RUNNING")?;
                config.batch_start = Duration::from_millis(number(flag, starting.to_string())?);
                config.batch_run = Duration::from_millis(number(flag, running.to_string())?);
            }
            "--max-seconds" => max_seconds = number(flag, value(flag)?)?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Options { config, max_seconds })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("fake_livy: {message}");
            }
            eprintln!("{USAGE}");
            std::process::exit(if message.is_empty() { 0 } else { 2 });
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let reason = runtime.block_on(async {
        // Signal handlers go in before the address is printed: a script that reads the
        // line and then interrupts us must not find the default (die at once) handler.
        let stop = stop_signal();
        let livy = TestLivy::start_blocking(options.config);
        println!("listening on {}", livy.url());
        let _ = std::io::stdout().flush();
        let reason = tokio::select! {
            reason = stop => reason,
            _ = tokio::time::sleep(Duration::from_secs(options.max_seconds)) => "--max-seconds reached",
        };
        drop(livy);
        reason
    });
    eprintln!("fake_livy: {reason}, stopping");
}

/// Installs the Ctrl-C and SIGTERM handlers now; the future resolves on either.
fn stop_signal() -> impl std::future::Future<Output = &'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).expect("SIGINT handler");
        let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler");
        async move {
            tokio::select! {
                _ = interrupt.recv() => "interrupted",
                _ = terminate.recv() => "terminated",
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
            "interrupted"
        }
    }
}
