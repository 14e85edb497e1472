//! The fault suite (issue 15): every fault the test server can inject, against every front
//! end it applies to (`exec` and `run` through the real binary, the notebook through its app
//! and effect runner), a few seeded trials each that vary which request is hit and how hard.
//!
//! After every trial the same things must hold:
//! - no duplicate: each cell's code was taken by the server at most once, and exactly once
//!   when its result was delivered;
//! - no orphan: the sessions left on the server are those the user asked to keep (announced
//!   with "kept session N", or the notebook's own), plus someone else's that the test made;
//! - nothing lost: the result is there (stdout, the written notebook, the cell), or the run
//!   ends with one clear `livy-tui: …` line and exit code 1 (a clear message in the cell or
//!   status for the notebook), and cells before a failed one keep their results;
//! - no escape: the CLI's stdout and stderr (pipes here) hold no ESC, C1, BEL or other control
//!   byte but newline and tab; the notebook's drawn screen holds none at all;
//! - someone else's session (made by the test, e.g. under a reused id) is neither deleted nor
//!   sent our statements;
//! - the outcome is the one the fault allows: where the client can ride it out (a 503 within
//!   the retries, a lost answer, an outage within `--wait-for-server`) the result must come
//!   through; where it cannot (a 500, a restart) it must not pass someone else's result off
//!   as ours;
//! - the fault struck: a switch that stopped matching would otherwise pass for a client that
//!   copes.
//!
//! The figures per fault and front end are printed with `eprintln!` (see them with
//! `--nocapture`) and written to the file `LIVY_TUI_FAULT_REPORT` names, if set: tried;
//! survived (every invariant held); completed (the result came through); duplicates; orphans.
//! Any broken invariant fails the test.

mod cli;
mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use livy_tui::app::{App, CellOutput, Outcome, Phase, RunState};
use livy_tui::livy::{ClientConfig, RetryPolicy};
use livy_tui::notebook::JupyterOutput;
use livy_tui::theme::Theme;
use livy_tui::ui::{self, UiContext};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{HeadlessNotebook, Reply, TestLivy, TestLivyConfig};

/// Trials per fault and front end. Each has its own server, so they run side by side.
const TRIALS: u64 = 5;
/// Trials running at once: most of a trial is waiting (polls, backoffs, outages).
const WORKERS: usize = 8;
/// The CLI's per-request read timeout in the suite, and its retries: small, so that a server
/// that never answers costs seconds, not minutes.
const READ_TIMEOUT_SECS: &str = "1.5";
const RETRIES: &str = "2";
/// A 2×2 PNG.
const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// 500/502/503/504, 1–3 in a row, on a statement POST.
    Burst5xxStatement,
    /// The same on the session POST.
    Burst5xxSession,
    /// 503 with `Retry-After: 1` on a POST or a poll.
    RetryAfter503,
    /// The connection is cut before the server acts on a statement POST.
    CutBeforeStatement,
    /// … on the session POST.
    CutBeforeSession,
    /// The server makes the statement, then the connection is cut before the answer.
    DropAfterStatement,
    /// … the session.
    DropAfterSession,
    /// Livy restarts without recovery while a statement runs, and someone else's session
    /// and statement take the ids.
    RestartReusingIds,
    /// The same while the session starts, before any statement: the session's state alone
    /// cannot tell, its name does (every session the client makes has one of its own).
    RestartWhileStarting,
    /// The server is unreachable (connections refused) for 1–3 s while a statement runs.
    OutageWhileRunning,
    /// A request is never answered (before or after the server acted), or nothing is.
    NeverAnswers,
    /// Output with OSC, CSI, DCS, C1 and BEL in every place a mime type carries text.
    Hostile(Mime),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Mime {
    Text,
    Json,
    Table,
    Html,
    Markdown,
    Png,
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Front {
    Exec,
    Run,
    Tui,
}

impl Fault {
    fn all() -> Vec<Fault> {
        let mut all = vec![
            Fault::Burst5xxStatement,
            Fault::Burst5xxSession,
            Fault::RetryAfter503,
            Fault::CutBeforeStatement,
            Fault::CutBeforeSession,
            Fault::DropAfterStatement,
            Fault::DropAfterSession,
            Fault::RestartReusingIds,
            Fault::RestartWhileStarting,
            Fault::OutageWhileRunning,
            Fault::NeverAnswers,
        ];
        for mime in [
            Mime::Text,
            Mime::Json,
            Mime::Table,
            Mime::Html,
            Mime::Markdown,
            Mime::Png,
            Mime::Error,
        ] {
            all.push(Fault::Hostile(mime));
        }
        all
    }

    fn name(self) -> String {
        match self {
            Fault::Burst5xxStatement => "5xx burst, POST statement".into(),
            Fault::Burst5xxSession => "5xx burst, POST session".into(),
            Fault::RetryAfter503 => "503 + Retry-After".into(),
            Fault::CutBeforeStatement => "cut before acting, statement".into(),
            Fault::CutBeforeSession => "cut before acting, session".into(),
            Fault::DropAfterStatement => "dropped after acting, statement".into(),
            Fault::DropAfterSession => "dropped after acting, session".into(),
            Fault::RestartReusingIds => "restart reusing ids".into(),
            Fault::RestartWhileStarting => "restart reusing ids, starting".into(),
            Fault::OutageWhileRunning => "outage while running".into(),
            Fault::NeverAnswers => "never answers".into(),
            Fault::Hostile(mime) => format!("hostile {}", mime.name()),
        }
    }
}

impl Mime {
    fn name(self) -> &'static str {
        match self {
            Mime::Text => "text/plain",
            Mime::Json => "application/json",
            Mime::Table => "livy table",
            Mime::Html => "text/html",
            Mime::Markdown => "text/markdown",
            Mime::Png => "image/png",
            Mime::Error => "error",
        }
    }
}

impl Front {
    fn name(self) -> &'static str {
        match self {
            Front::Exec => "exec",
            Front::Run => "run",
            Front::Tui => "notebook",
        }
    }
}

/// splitmix64: the same trials every run.
struct Rng(u64);

impl Rng {
    fn new(fault: Fault, front: Front, trial: u64) -> Rng {
        let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
        for b in format!("{fault:?}/{front:?}/{trial}").bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// What a cell must produce.
#[derive(Clone, Debug)]
enum Expected {
    /// Plain text with this marker.
    Text(String),
    /// Hostile output of this type; `marker` is the readable text that must survive, `sent`
    /// the value sent where the type keeps data exact.
    Hostile { mime: Mime, marker: String, sent: Value },
}

#[derive(Clone, Debug)]
struct PlannedCell {
    code: String,
    reply: Reply,
    expected: Expected,
}

/// Something the test does to the server while the front end runs.
type During = Box<dyn FnOnce(&TestLivy, &Shared) + Send>;

/// What the side thread learnt, for the checks.
#[derive(Default)]
struct Shared {
    /// Statements taken by the server before the restart (POSTs acted on).
    acted_before_restart: AtomicUsize,
    /// Someone else's session the test made (after a restart).
    theirs: Mutex<Option<String>>,
    /// The side thread did what it was there for (a restart, an outage).
    struck: std::sync::atomic::AtomicBool,
}

struct Plan {
    cells: Vec<PlannedCell>,
    arm: Box<dyn Fn(&TestLivy) + Send + Sync>,
    during: Option<During>,
    /// Exec: --keep; run: --keep-session.
    keep: bool,
    /// Extra global flags for the CLI.
    flags: Vec<String>,
    /// The run must end within this.
    limit: Duration,
    /// Whether the result must be delivered (`Some(true)`), must not be (`Some(false)`: it
    /// is someone else's, or an error), or may be either so long as a failure is clear.
    must_complete: Option<bool>,
}

fn hostile_payload(rng: &mut Rng) -> String {
    let pieces = [
        "\u{1b}]0;NAME-TITLE\u{7}",
        "\u{1b}]52;c;ZXZpbA==\u{1b}\\",
        "\u{1b}[2J\u{1b}[H",
        "\u{1b}P1$r\u{1b}\\",
        "\u{9b}6n",
        "\u{9d}8;;http://x\u{9c}",
        "\u{1b}[31mred\u{1b}[0m",
        "\u{7}\u{8}\r",
        "\u{1b}]8;;file:///etc/passwd\u{1b}\\link\u{1b}]8;;\u{1b}\\",
    ];
    let mut out = String::new();
    let n = 3 + rng.below(4);
    for _ in 0..n {
        out.push_str(rng.pick(&pieces));
    }
    out
}

/// A cell with ordinary text output, running for `ms`.
fn text_cell(code: &str, marker: &str, ms: u64) -> PlannedCell {
    PlannedCell {
        code: code.into(),
        reply: Reply::text(marker).taking_ms(ms),
        expected: Expected::Text(marker.into()),
    }
}

fn hostile_cell(code: &str, mime: Mime, trial: u64, rng: &mut Rng) -> PlannedCell {
    // The readable part comes last: text before a `\r` is overwritten, as on a terminal
    // (progress bars), so it is not expected to survive.
    let marker = format!("evil{trial}x{}", rng.below(1000));
    let s = format!("{} {marker}-end", hostile_payload(rng));
    let object = |v: Value| v.as_object().unwrap().clone();
    let (reply, sent) = match mime {
        Mime::Text => (Reply::text(&s), json!(s)),
        Mime::Json => {
            let value = json!({"k": s, "list": [1, s]});
            (Reply::json(value.clone()), value)
        }
        Mime::Table => {
            let value = json!({"headers": [{"name": s, "type": "STRING_TYPE"}], "data": [[s]]});
            (Reply::table(value.clone()), value)
        }
        Mime::Html => (
            Reply::bundle(object(json!({"text/html": format!("<b>{s}</b>"), "text/plain": s}))),
            json!(s),
        ),
        Mime::Markdown => (
            Reply::bundle(object(json!({"text/markdown": format!("# {s}"), "text/plain": s}))),
            json!(s),
        ),
        Mime::Png => (
            Reply::bundle(object(json!({"image/png": PNG, "text/plain": s}))),
            json!(s),
        ),
        Mime::Error => (
            Reply::error(&format!("Err{}", hostile_payload(rng)), &s, &[&s, &format!("  at {s}")]),
            json!(s),
        ),
    };
    PlannedCell {
        code: code.into(),
        reply,
        expected: Expected::Hostile { mime, marker, sent },
    }
}

/// The cells of a trial: `run` gets three (so a fault can hit the first, second or third
/// statement), the others one.
fn cells(front: Front, ms: u64) -> Vec<PlannedCell> {
    let n = if front == Front::Run { 3 } else { 1 };
    (1..=n)
        .map(|i| text_cell(&format!("run_cell_{i}"), &format!("result-{i}"), ms))
        .collect()
}

fn statements_path(session: &str) -> String {
    format!("/sessions/{session}/statements")
}

/// Waits (up to 20 s) until the server has taken `n` statement POSTs.
fn until_statements_taken(livy: &TestLivy, n: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if statement_posts_acted(livy).len() >= n {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// Statement POSTs the server acted on, any session.
fn statement_posts_acted(livy: &TestLivy) -> Vec<support::RecordedRequest> {
    livy.acted_on("POST", "/sessions/")
        .into_iter()
        .filter(|r| r.path.ends_with("/statements"))
        .collect()
}

fn plan(fault: Fault, front: Front, trial: u64) -> Plan {
    let mut rng = Rng::new(fault, front, trial);
    let keep = rng.below(2) == 0;
    let mut plan = Plan {
        cells: cells(front, 30),
        arm: Box::new(|_| {}),
        during: None,
        keep,
        flags: Vec::new(),
        limit: Duration::from_secs(30),
        must_complete: None,
    };
    let n_cells = plan.cells.len() as u32;
    // Which statement is hit: any of `run`'s three.
    let nth = rng.below(u64::from(n_cells)) as u32;
    match fault {
        Fault::Burst5xxStatement | Fault::Burst5xxSession => {
            let status = [500u16, 502, 503, 504][(trial % 4) as usize];
            let n = 1 + rng.below(3) as u32;
            let on_statement = fault == Fault::Burst5xxStatement;
            plan.arm = Box::new(move |livy| {
                let body = json!({"msg": format!("gateway says {status}")});
                if on_statement {
                    livy.faults()
                        .after(nth)
                        .fail_next_on(n, "POST", &statements_path("0"), status, body);
                } else {
                    livy.faults()
                        .exact_path()
                        .fail_next_on(n, "POST", "/sessions", status, body);
                }
            });
            // A 503 (not processed) is retried; a 502/504 once after looking; a 500 not.
            plan.must_complete = match status {
                503 => Some(n <= 2),
                502 | 504 => Some(n == 1),
                _ => Some(false),
            };
        }
        Fault::RetryAfter503 => {
            let n = 1 + rng.below(2) as u32;
            let target = trial % 3;
            plan.arm = Box::new(move |livy| match target {
                0 => livy.faults().exact_path().busy_next_on(n, "POST", "/sessions", 1),
                1 => livy
                    .faults()
                    .after(nth)
                    .busy_next_on(n, "POST", &statements_path("0"), 1),
                _ => livy
                    .faults()
                    .after(nth)
                    .busy_next_on(n, "GET", &format!("{}/", statements_path("0")), 1),
            });
            plan.must_complete = Some(true);
        }
        Fault::CutBeforeStatement | Fault::DropAfterStatement => {
            let n = 1 + (trial % 2) as u32;
            let cut = fault == Fault::CutBeforeStatement;
            plan.arm = Box::new(move |livy| {
                let faults = livy.faults().after(nth);
                if cut {
                    faults.cut_next_on(n, "POST", &statements_path("0"));
                } else {
                    faults.drop_next_on(n, "POST", &statements_path("0"));
                }
            });
            // A lost answer is looked for and adopted (after) or sent once more (before):
            // two cuts in a row are one too many for the one resend.
            plan.must_complete = Some(!(cut && n == 2));
        }
        Fault::CutBeforeSession | Fault::DropAfterSession => {
            let cut = fault == Fault::CutBeforeSession;
            // Someone else's session of the same kind, made before, must not be taken.
            let other = trial.is_multiple_of(2);
            plan.arm = Box::new(move |livy| {
                if other {
                    livy.create_named_session("pyspark", Some("someone-else"));
                }
                let faults = livy.faults().exact_path();
                if cut {
                    faults.cut_next_on(1, "POST", "/sessions");
                } else {
                    faults.drop_next_on(1, "POST", "/sessions");
                }
            });
            // The pre-made session is the test's "theirs": it must survive.
            if other {
                plan.during = Some(Box::new(|_, shared| {
                    *shared.theirs.lock().unwrap() = Some("0".into());
                }));
            }
            plan.must_complete = Some(true);
        }
        Fault::RestartReusingIds => {
            // The statement hit runs long enough for the restart to land while it runs.
            plan.cells[nth as usize].reply = plan.cells[nth as usize].reply.clone().taking_ms(3000);
            // Mostly someone else takes the id, named or not; once nobody does.
            let they_come = trial % 4 != 3;
            let their_name = trial.is_multiple_of(2).then_some("someone-else");
            plan.during = Some(Box::new(move |livy, shared| {
                if !until_statements_taken(livy, nth as usize + 1) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
                shared
                    .acted_before_restart
                    .store(statement_posts_acted(livy).len(), Ordering::SeqCst);
                livy.restart_without_recovery();
                shared.struck.store(true, Ordering::SeqCst);
                if they_come {
                    let theirs = livy.create_named_session("pyspark", their_name);
                    *shared.theirs.lock().unwrap() = Some(theirs.clone());
                    // Their statement, once their session takes one (the checks say if it
                    // never does: someone deleted it).
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while Instant::now() < deadline {
                        if livy.session_state(&theirs).as_deref() == Some("idle") {
                            livy.submit_statement(&theirs, "their_code");
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            }));
            plan.must_complete = Some(false);
        }
        Fault::RestartWhileStarting => {
            let they_come = trial % 4 != 3;
            let their_name = trial.is_multiple_of(2).then_some("someone-else");
            // Starting takes long enough for the restart to land in it.
            plan.arm = Box::new(|livy| livy.set_start_delay_ms(1000));
            plan.during = Some(Box::new(move |livy, shared| {
                let deadline = Instant::now() + Duration::from_secs(20);
                while livy.acted_on("POST", "/sessions").iter().all(|r| r.path != "/sessions") {
                    if Instant::now() > deadline {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                std::thread::sleep(Duration::from_millis(200));
                livy.restart_without_recovery();
                livy.set_start_delay_ms(50);
                shared.struck.store(true, Ordering::SeqCst);
                if they_come {
                    let theirs = livy.create_named_session("pyspark", their_name);
                    *shared.theirs.lock().unwrap() = Some(theirs);
                }
            }));
            plan.must_complete = Some(false);
        }
        Fault::OutageWhileRunning => {
            let outage = Duration::from_millis(1000 + 500 * rng.below(5));
            // The statement outlasts the outage: it is an outage *while it runs*, and the
            // next cell's submit does not meet it (a refused submit is another fault).
            let runs = outage.as_millis() as u64 + 1500;
            plan.cells[nth as usize].reply = plan.cells[nth as usize].reply.clone().taking_ms(runs);
            plan.flags = vec!["--wait-for-server".into(), "30s".into()];
            plan.during = Some(Box::new(move |livy, shared| {
                if !until_statements_taken(livy, nth as usize + 1) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
                livy.faults().set_unreachable(true);
                shared.struck.store(true, Ordering::SeqCst);
                std::thread::sleep(outage);
                livy.faults().set_unreachable(false);
            }));
            plan.limit = Duration::from_secs(40);
            plan.must_complete = Some(true);
        }
        Fault::NeverAnswers => {
            let variant = if front == Front::Tui {
                // The notebook follows through trouble for as long as it lasts (the user can
                // stop it), so a silent server there is a wait, not an end: not a trial.
                trial % 4
            } else {
                trial % 5
            };
            plan.arm = Box::new(move |livy| {
                let faults = livy.faults().after(nth);
                match variant {
                    0 => faults.stall_next_on(1, "POST", &statements_path("0"), false),
                    1 => faults.stall_next_on(1, "POST", &statements_path("0"), true),
                    2 => faults.stall_next_on(1, "GET", &format!("{}/", statements_path("0")), false),
                    3 => livy.faults().exact_path().stall_next_on(1, "POST", "/sessions", true),
                    _ => livy.faults().set_latency_ms(3_600_000),
                }
            });
            plan.must_complete = Some(variant != 4);
            if variant == 4 {
                // Latency is no rule that fires: it strikes every request.
                plan.during = Some(Box::new(|_, shared| shared.struck.store(true, Ordering::SeqCst)));
            }
            // (1 + retries) tries of the read timeout, a lookup, a resend: bounded.
            plan.limit = Duration::from_secs(25);
        }
        Fault::Hostile(mime) => {
            let at = if front == Front::Run { 1 } else { 0 };
            plan.cells[at] = hostile_cell(&format!("hostile_{at}"), mime, trial, &mut rng);
            // A failed statement's error is its result, shown like any other.
            plan.must_complete = Some(true);
        }
    }
    plan
}

/// What one trial came to.
#[derive(Debug, Default)]
struct Verdict {
    completed: bool,
    duplicates: usize,
    orphans: usize,
    problems: Vec<String>,
    took: Duration,
}

/// A finished CLI run.
#[derive(Debug)]
struct CliRun {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_cli(livy: &TestLivy, plan: &Plan, args: &[String], limit: Duration) -> Result<CliRun, String> {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = cli::command_without_url();
    cmd.args([
        "--url",
        &livy.url(),
        "--retries",
        RETRIES,
        "--read-timeout",
        READ_TIMEOUT_SECS,
    ]);
    cmd.arg("--connect-timeout").arg("1");
    cmd.arg("--log-file").arg(log.path());
    cmd.args(&plan.flags);
    cmd.args(args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            return Err(format!(
                "did not end within {limit:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Ok(CliRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Control characters that act on a terminal: all C0 but newline and tab, DEL, and C1.
fn control_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| (c < ' ' && c != '\n' && c != '\t') || c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c))
        .collect()
}

/// The failure contract of the CLI: exit 1 and one `livy-tui: …` line, last, with no
/// Rust debugging in it.
fn clear_failure(run: &CliRun) -> Result<(), String> {
    if run.code != 1 {
        return Err(format!("exit code {} on failure", run.code));
    }
    let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let errors = lines.iter().filter(|l| l.starts_with("livy-tui: ")).count();
    let last_is_error = lines.last().is_some_and(|l| l.starts_with("livy-tui: "));
    // A failed statement prints its error and traceback instead (exec), which is its result.
    if errors != 1 || !last_is_error {
        return Err(format!("not one clear error line at the end: {:?}", run.stderr));
    }
    for bad in ["panicked", "RUST_BACKTRACE", "LivyError {", "Some(", "kind: "] {
        if run.stderr.contains(bad) {
            return Err(format!("{bad:?} on stderr: {:?}", run.stderr));
        }
    }
    Ok(())
}

/// Sessions on the server that the user did not ask to keep and that are not someone
/// else's: orphans. Waits a moment for deletes still under way to land.
fn orphans(livy: &TestLivy, kept: &[String], theirs: Option<&str>) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let left: Vec<String> = livy
            .server()
            .session_ids()
            .into_iter()
            .map(|id| id.to_string())
            .filter(|id| !kept.contains(id) && Some(id.as_str()) != theirs)
            .collect();
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// "kept session N" lines on stderr.
fn kept_sessions(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("kept session "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// How many times the server took each cell's code; duplicates are the excess.
fn takes(livy: &TestLivy, code: &str) -> usize {
    statement_posts_acted(livy)
        .iter()
        .filter(|r| {
            r.body_json()
                .and_then(|b| b["code"].as_str().map(str::to_string))
                .as_deref()
                == Some(code)
        })
        .count()
}

/// Checks that hold whatever the front end: duplicates, someone else's session untouched.
fn common_checks(livy: &TestLivy, plan: &Plan, shared: &Shared, delivered: &[bool], verdict: &mut Verdict) {
    for (cell, &got) in plan.cells.iter().zip(delivered) {
        let n = takes(livy, &cell.code);
        verdict.duplicates += n.saturating_sub(1);
        if n > 1 {
            verdict.problems.push(format!("{} taken {n} times", cell.code));
        }
        if got && n == 0 {
            verdict
                .problems
                .push(format!("{} delivered but never taken", cell.code));
        }
    }
    if let Some(theirs) = shared.theirs.lock().unwrap().clone() {
        if livy.session_state(&theirs).is_none_or(|s| s == "dead") {
            verdict
                .problems
                .push(format!("someone else's session {theirs} was deleted or killed"));
        }
        let before = shared.acted_before_restart.load(Ordering::SeqCst);
        let ours_in_theirs = statement_posts_acted(livy)
            .iter()
            .skip(before)
            .filter(|r| r.path == statements_path(&theirs))
            .filter(|r| plan.cells.iter().any(|c| r.body_text().contains(&c.code)))
            .count();
        if ours_in_theirs > 0 {
            verdict.problems.push(format!(
                "{ours_in_theirs} of our statements ran in someone else's session"
            ));
        }
    }
}

fn check_no_escapes(what: &str, text: &str, verdict: &mut Verdict) {
    let bad = control_chars(text);
    if !bad.is_empty() {
        verdict
            .problems
            .push(format!("{what}: control characters {bad:?} in {text:?}"));
    }
}

fn trial_exec(livy: &TestLivy, plan: &Plan, shared: &Shared) -> Verdict {
    let mut verdict = Verdict::default();
    let dir = tempfile::tempdir().unwrap();
    let cell = &plan.cells[0];
    let mut args: Vec<String> = vec!["exec".into(), "--kind".into(), "pyspark".into()];
    if plan.keep {
        args.push("--keep".into());
    }
    args.extend(["--output-dir".into(), dir.path().display().to_string()]);
    args.extend(["-c".into(), cell.code.clone()]);
    let run = match run_cli(livy, plan, &args, plan.limit) {
        Ok(run) => run,
        Err(e) => {
            verdict.problems.push(e);
            return verdict;
        }
    };
    check_no_escapes("stdout", &run.stdout, &mut verdict);
    check_no_escapes("stderr", &run.stderr, &mut verdict);
    let delivered = match &cell.expected {
        Expected::Text(marker) => run.code == 0 && run.stdout.trim() == marker,
        Expected::Hostile { mime, marker, sent } => match mime {
            Mime::Json => run.code == 0 && serde_json::from_str::<Value>(&run.stdout).ok().as_ref() == Some(sent),
            Mime::Png => {
                run.code == 0
                    && run
                        .stdout
                        .trim()
                        .strip_prefix("image saved to ")
                        .is_some_and(|p| Path::new(p).exists())
            }
            // The statement's error is its result: on stderr, exit 1.
            Mime::Error => run.code == 1 && run.stderr.contains(marker.as_str()),
            _ => run.code == 0 && run.stdout.contains(marker.as_str()),
        },
    };
    let failed_statement = matches!(cell.expected, Expected::Hostile { mime: Mime::Error, .. });
    verdict.completed = delivered;
    if !delivered && !failed_statement {
        if run.code == 0 {
            verdict.problems.push(format!("exit 0 without the result: {run:?}"));
        } else if let Err(e) = clear_failure(&run) {
            verdict.problems.push(e);
        }
    }
    judge_completion(plan, delivered, &run, &mut verdict);
    let kept = kept_sessions(&run.stderr);
    if !plan.keep && !kept.is_empty() {
        verdict.problems.push(format!("kept {kept:?} unasked"));
    }
    common_checks(livy, plan, shared, &[delivered], &mut verdict);
    let theirs = shared.theirs.lock().unwrap().clone();
    let left = orphans(livy, &kept, theirs.as_deref());
    verdict.orphans = left.len();
    if !left.is_empty() {
        verdict
            .problems
            .push(format!("orphan sessions {left:?}; stderr {:?}", run.stderr));
    }
    verdict
}

fn judge_completion(plan: &Plan, delivered: bool, run: &CliRun, verdict: &mut Verdict) {
    match plan.must_complete {
        Some(true) if !delivered => verdict
            .problems
            .push(format!("the result should have come through: {run:?}")),
        Some(false) if delivered => verdict
            .problems
            .push(format!("a result that should not have come through did: {run:?}")),
        _ => {}
    }
}

fn notebook_json(cells: &[PlannedCell]) -> Value {
    json!({
        "cells": cells.iter().map(|c| json!({
            "cell_type": "code",
            "execution_count": null,
            "metadata": {},
            "outputs": [],
            "source": [c.code],
        })).collect::<Vec<_>>(),
        "metadata": {"kernelspec": {"name": "pysparkkernel", "display_name": "PySpark", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    })
}

/// The cell's outputs hold what it was to produce.
fn run_cell_delivered(cell: &PlannedCell, outputs: &Value) -> bool {
    let Some(outputs) = outputs.as_array().filter(|o| !o.is_empty()) else {
        return false;
    };
    let text = serde_json::to_string(outputs).unwrap();
    match &cell.expected {
        Expected::Text(marker) => text.contains(marker.as_str()),
        Expected::Hostile { mime, marker, sent } => match mime {
            Mime::Json => outputs.iter().any(|o| &o["data"]["application/json"] == sent),
            Mime::Table => text.contains(marker.as_str()),
            Mime::Png => outputs.iter().any(|o| o["data"]["image/png"].as_str().is_some()),
            Mime::Error => outputs.iter().any(|o| &o["evalue"] == sent),
            _ => text.contains(marker.as_str()),
        },
    }
}

fn trial_run(livy: &TestLivy, plan: &Plan, shared: &Shared) -> Verdict {
    let mut verdict = Verdict::default();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("nb.ipynb");
    let output = dir.path().join("out.ipynb");
    std::fs::write(&input, notebook_json(&plan.cells).to_string()).unwrap();
    let mut args: Vec<String> = vec![
        "run".into(),
        input.display().to_string(),
        "-o".into(),
        output.display().to_string(),
        "--kind".into(),
        "pyspark".into(),
    ];
    if plan.keep {
        args.push("--keep-session".into());
    }
    let run = match run_cli(livy, plan, &args, plan.limit) {
        Ok(run) => run,
        Err(e) => {
            verdict.problems.push(e);
            return verdict;
        }
    };
    check_no_escapes("stdout", &run.stdout, &mut verdict);
    check_no_escapes("stderr", &run.stderr, &mut verdict);
    let written: Option<Value> = std::fs::read_to_string(&output)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let delivered: Vec<bool> = plan
        .cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            written
                .as_ref()
                .is_some_and(|nb| run_cell_delivered(cell, &nb["cells"][i]["outputs"]))
        })
        .collect();
    // A cell whose statement fails stops the run: the cells after it are not to run.
    let failing = plan
        .cells
        .iter()
        .position(|c| matches!(c.expected, Expected::Hostile { mime: Mime::Error, .. }));
    let due = failing.map_or(plan.cells.len(), |i| i + 1);
    let all = delivered[..due].iter().all(|&d| d);
    verdict.completed = all && (run.code == 0) == failing.is_none();
    if run.code == 0 && !all {
        verdict.problems.push(format!(
            "exit 0 with cells missing their results {delivered:?}: {run:?}"
        ));
    }
    if run.code != 0 {
        if let Err(e) = clear_failure(&run) {
            verdict.problems.push(e);
        }
        // Cells before the one that failed keep their results, in the written notebook.
        let failed_at = run
            .stderr
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("livy-tui: cell "))
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok());
        match failed_at {
            Some(n) => {
                if let Some(lost) = (0..n.saturating_sub(1)).find(|&i| !delivered[i]) {
                    verdict
                        .problems
                        .push(format!("cell {} lost its result when cell {n} failed", lost + 1));
                }
            }
            // Before any cell (the session): nothing ran, nothing to lose.
            None if delivered.iter().any(|&d| d) => verdict
                .problems
                .push(format!("a failure naming no cell after cells ran: {:?}", run.stderr)),
            None => {}
        }
    }
    judge_completion(plan, verdict.completed, &run, &mut verdict);
    let kept = kept_sessions(&run.stderr);
    if !plan.keep && !kept.is_empty() {
        verdict.problems.push(format!("kept {kept:?} unasked"));
    }
    common_checks(livy, plan, shared, &delivered, &mut verdict);
    let theirs = shared.theirs.lock().unwrap().clone();
    let left = orphans(livy, &kept, theirs.as_deref());
    verdict.orphans = left.len();
    if !left.is_empty() {
        verdict
            .problems
            .push(format!("orphan sessions {left:?}; stderr {:?}", run.stderr));
    }
    verdict
}

/// Draws the notebook as a terminal would show it; the screen's text.
fn draw(nb: &mut HeadlessNotebook) -> String {
    let ui = UiContext::new(Theme::builtin("dark").unwrap());
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut layout = None;
    terminal
        .draw(|frame| layout = Some(ui::draw(frame, &nb.app, &ui)))
        .unwrap();
    nb.update(livy_tui::app::AppEvent::Drawn(layout.unwrap()));
    let buffer = terminal.backend().buffer();
    let mut screen = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            screen.push_str(buffer[(x, y)].symbol());
        }
        screen.push('\n');
    }
    screen
}

/// The cell's run is over, one way or another, or the session could not be had.
fn settled(app: &App) -> bool {
    let cell = &app.notebook.cells[0];
    let over =
        matches!(cell.run, RunState::Finished { .. }) || matches!(cell.output.shown, Some(CellOutput::RequestError(_)));
    over || matches!(app.session.phase, Phase::Failed | Phase::Gone) && !cell.run.in_flight()
}

fn trial_tui(livy: &TestLivy, plan: &Plan, shared: &Shared) -> Verdict {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut verdict = Verdict::default();
        let mut config = ClientConfig::new(&livy.url()).unwrap();
        config.read_timeout = Duration::from_secs_f64(READ_TIMEOUT_SECS.parse().unwrap());
        config.connect_timeout = Duration::from_secs(1);
        config.retry = RetryPolicy {
            max_retries: RETRIES.parse().unwrap(),
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        let mut nb = HeadlessNotebook::start_with(config, None);
        let cell = &plan.cells[0];
        nb.type_text(&cell.code);
        nb.key(KeyCode::Char('e'), KeyModifiers::CONTROL);
        let ended = nb.run_until(plan.limit, settled).await;
        // A moment more, so that a late duplicate or a late report would be seen.
        nb.run_for(Duration::from_millis(300)).await;
        let screen = draw(&mut nb);
        check_no_escapes("screen", &screen.replace('\n', ""), &mut verdict);
        if !ended {
            verdict.problems.push(format!(
                "the cell never settled: {:?} / {:?}",
                nb.app.notebook.cells[0].run, nb.app.session.phase
            ));
        }
        let app = &nb.app;
        let c = &app.notebook.cells[0];
        let succeeded = matches!(
            c.run,
            RunState::Finished {
                outcome: Outcome::Ok,
                ..
            }
        );
        let delivered = match &cell.expected {
            Expected::Text(marker) => succeeded && screen.contains(marker.as_str()),
            Expected::Hostile { mime, marker, sent } => match mime {
                Mime::Png => succeeded && matches!(c.output.shown, Some(CellOutput::Image(_))),
                // A grid cell and a tree line are cut to fit: the data behind them must be whole.
                Mime::Table => {
                    succeeded
                        && matches!(&c.output.shown, Some(CellOutput::Table(t))
                            if t.table.rows.get(0).and_then(|r| r.get(0)).as_deref() == Some(&sent["data"][0][0]))
                }
                // The tree is there, and the value behind it (what a save writes) is exact.
                Mime::Json => {
                    succeeded
                        && matches!(c.output.shown, Some(CellOutput::Json(_)))
                        && c.output.jupyter.iter().any(|o| {
                            matches!(o, JupyterOutput::ExecuteResult { data, .. }
                                if data.value("application/json").as_ref() == Some(sent))
                        })
                }
                Mime::Error => {
                    matches!(c.output.shown, Some(CellOutput::Error { .. })) && screen.contains(marker.as_str())
                }
                _ => succeeded && screen.contains(marker.as_str()),
            },
        };
        verdict.completed = delivered;
        if !delivered {
            // A clear message: the cell's request error, or the session's failure, one line.
            let message = match &c.output.shown {
                Some(CellOutput::RequestError(m)) => Some(m.clone()),
                _ => app.session.failure.clone(),
            };
            match message {
                Some(m) if !m.trim().is_empty() && !m.contains('\n') && control_chars(&m).is_empty() => {}
                other => verdict
                    .problems
                    .push(format!("no clear message for a missing result: {other:?}; {:?}", c.run)),
            }
        }
        match plan.must_complete {
            Some(true) if !delivered => verdict
                .problems
                .push(format!("the result should have come through; screen:\n{screen}")),
            Some(false) if delivered && !matches!(cell.expected, Expected::Hostile { .. }) => verdict.problems.push(
                format!("a result that should not have come through did; screen:\n{screen}"),
            ),
            _ => {}
        }
        common_checks(livy, plan, shared, &[delivered], &mut verdict);
        // The notebook keeps its session (it is the user's until they quit); nothing else.
        let own = app
            .session
            .id
            .as_ref()
            .map(|id| id.to_string())
            .filter(|_| app.session.phase != Phase::Gone);
        let theirs = shared.theirs.lock().unwrap().clone();
        let left = orphans(livy, own.as_slice(), theirs.as_deref());
        verdict.orphans = left.len();
        if !left.is_empty() {
            verdict.problems.push(format!("orphan sessions {left:?}"));
        }
        verdict
    })
}

fn run_trial(fault: Fault, front: Front, trial: u64) -> Verdict {
    let started = Instant::now();
    let plan = plan(fault, front, trial);
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(50).statement_ms(20));
    for cell in &plan.cells {
        livy.script(&cell.code, cell.reply.clone());
    }
    (plan.arm)(&livy);
    let shared = Shared::default();
    let mut plan = plan;
    let during = plan.during.take();
    let mut verdict = std::thread::scope(|scope| {
        let side = during.map(|during| {
            let (livy, shared) = (&livy, &shared);
            scope.spawn(move || during(livy, shared))
        });
        let front_end = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match front {
            Front::Exec => trial_exec(&livy, &plan, &shared),
            Front::Run => trial_run(&livy, &plan, &shared),
            Front::Tui => trial_tui(&livy, &plan, &shared),
        }));
        let mut verdict = front_end.unwrap_or_else(|_| Verdict {
            problems: vec!["the trial panicked (see above)".into()],
            ..Verdict::default()
        });
        if side.is_some_and(|side| side.join().is_err()) {
            verdict
                .problems
                .push("the test's side thread panicked (see above)".into());
        }
        // A trial whose fault never struck proves nothing: a switch that stopped matching
        // must not pass for a client that copes.
        let struck = livy.faults().fired() > 0 || shared.struck.load(Ordering::SeqCst);
        if !matches!(fault, Fault::Hostile(_)) && !struck {
            verdict.problems.push("the fault never struck".into());
        }
        verdict
    });
    verdict.took = started.elapsed();
    verdict
}

#[derive(Default)]
struct Tally {
    tried: usize,
    survived: usize,
    completed: usize,
    duplicates: usize,
    orphans: usize,
    slowest: Duration,
}

#[test]
fn every_fault_against_every_front_end() {
    let started = Instant::now();
    let mut queue = VecDeque::new();
    for fault in Fault::all() {
        for front in [Front::Exec, Front::Run, Front::Tui] {
            for trial in 0..TRIALS {
                queue.push_back((fault, front, trial));
            }
        }
    }
    let queue = Mutex::new(queue);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                loop {
                    let Some((fault, front, trial)) = queue.lock().unwrap().pop_front() else {
                        return;
                    };
                    let verdict = run_trial(fault, front, trial);
                    results.lock().unwrap().push((fault, front, trial, verdict));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(f, fr, t, _)| (*f, *fr, *t));

    let mut tallies: BTreeMap<(Fault, Front), Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for (fault, front, trial, verdict) in &results {
        let tally = tallies.entry((*fault, *front)).or_default();
        tally.tried += 1;
        tally.survived += usize::from(verdict.problems.is_empty());
        tally.completed += usize::from(verdict.completed);
        tally.duplicates += verdict.duplicates;
        tally.orphans += verdict.orphans;
        tally.slowest = tally.slowest.max(verdict.took);
        for problem in &verdict.problems {
            failures.push(format!(
                "{} / {} / trial {trial}: {problem}",
                fault.name(),
                front.name()
            ));
        }
    }
    let report = report(&tallies, started.elapsed());
    eprintln!("{report}");
    if let Some(path) = std::env::var_os("LIVY_TUI_FAULT_REPORT") {
        std::fs::write(PathBuf::from(path), &report).expect("the report file is writable");
    }
    assert!(
        failures.is_empty(),
        "{} broken:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn report(tallies: &BTreeMap<(Fault, Front), Tally>, took: Duration) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<34} {:<9} {:>5} {:>8} {:>9} {:>4} {:>7} {:>8}\n",
        "fault", "front end", "tried", "survived", "completed", "dups", "orphans", "slowest"
    ));
    let (mut tried, mut survived, mut completed, mut dups, mut orphans) = (0, 0, 0, 0, 0);
    for ((fault, front), t) in tallies {
        out.push_str(&format!(
            "{:<34} {:<9} {:>5} {:>8} {:>9} {:>4} {:>7} {:>7.1}s\n",
            fault.name(),
            front.name(),
            t.tried,
            t.survived,
            t.completed,
            t.duplicates,
            t.orphans,
            t.slowest.as_secs_f64()
        ));
        tried += t.tried;
        survived += t.survived;
        completed += t.completed;
        dups += t.duplicates;
        orphans += t.orphans;
    }
    out.push_str(&format!(
        "{:<34} {:<9} {:>5} {:>8} {:>9} {:>4} {:>7} {:>7.1}s (suite)\n",
        "all",
        "",
        tried,
        survived,
        completed,
        dups,
        orphans,
        took.as_secs_f64()
    ));
    out
}
