//! Running the real `livy-tui` binary in tests.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A finished run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The failure contract: one line on stderr, no panic, no Rust debug dump.
    pub fn assert_one_clear_error_line(&self) {
        assert_ne!(self.code, 0, "{self:?}");
        // Progress lines ("session 0 starting … 1.2s") may come first on a pipe.
        let lines: Vec<_> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.contains(" … "))
            .collect();
        assert_eq!(lines.len(), 1, "expected one error line, got {:?}", self.stderr);
        assert!(lines[0].starts_with("livy-tui: "), "{:?}", self.stderr);
        for bad in ["panicked", "RUST_BACKTRACE", "LivyError {", "kind: ", "Some("] {
            assert!(!self.stderr.contains(bad), "{bad:?} in {:?}", self.stderr);
        }
    }
}

/// The binary with a clean environment: the URL given, no credentials from the developer's
/// shell, and a log file in a temp dir.
pub fn command(url: &str) -> Command {
    let mut cmd = command_without_log_file(url);
    let log = std::env::temp_dir().join(format!("livy-tui-test-{}.log", std::process::id()));
    cmd.arg("--log-file").arg(log);
    cmd
}

/// As `command`, leaving the log file to the caller.
pub fn command_without_log_file(url: &str) -> Command {
    let mut cmd = command_without_url();
    cmd.arg("--url").arg(url).arg("--retries").arg("1");
    cmd
}

/// The binary with a clean environment and no URL: the developer's config file, profile,
/// credentials and proxies do not leak in (XDG_CONFIG_HOME points at an empty directory).
pub fn command_without_url() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_livy-tui"));
    for var in [
        "LIVY_PROFILE",
        "LIVY_AUTH",
        "LIVY_URL",
        "LIVY_USER",
        "LIVY_PASSWORD",
        "LIVY_TOKEN",
        "LIVY_TUI_LOG",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("XDG_CONFIG_HOME", empty_config_home());
    cmd.stdin(Stdio::null());
    cmd
}

/// An empty directory standing in for the user's config home.
fn empty_config_home() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("livy-tui-test-config-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Runs to completion (stdin empty).
pub fn run(url: &str, args: &[&str]) -> Run {
    Run::from(command(url).args(args).output().expect("the binary runs"))
}

/// Runs with `input` on stdin.
pub fn run_with_stdin(url: &str, args: &[&str], input: &str) -> Run {
    let mut child = command(url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    Run::from(child.wait_with_output().unwrap())
}

/// Starts without waiting.
pub fn spawn(url: &str, args: &[&str]) -> Child {
    command(url)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a spawned run to end, failing the test after `limit`.
pub fn finish(mut child: Child, limit: Duration) -> Run {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "livy-tui did not exit within {limit:?}: {:?}",
                Run::from(child.wait_with_output().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Run::from(child.wait_with_output().unwrap())
}

/// Sends SIGINT, as Ctrl-C in a terminal does.
pub fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Polls `check` until it holds, failing after `limit`.
pub fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
