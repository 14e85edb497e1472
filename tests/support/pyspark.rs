//! Real PySpark for the local-mode tests: which Python has it (or why a test skips), and the
//! processes a test started, found by a mark in their environment.

use std::path::{Path, PathBuf};

/// The Python of a real PySpark install (`.ci/test` sets it).
pub const PYTHON_VAR: &str = "LIVY_TUI_PYSPARK_PYTHON";
/// `1` makes a missing PySpark a failure instead of a skip (`.ci/test` sets it).
pub const REQUIRE_VAR: &str = "LIVY_TUI_REQUIRE_PYSPARK";
/// Set on every command a test starts; the Python driver and its JVM inherit it.
pub const MARK_VAR: &str = "LIVY_TUI_TEST_MARK";

/// The Python to run real PySpark with: `$LIVY_TUI_PYSPARK_PYTHON`, else the venv `.ci/test`
/// makes in `target/pyspark-venv`. `None` (after a "skipped" line on stderr) when neither is
/// there; a panic instead when `LIVY_TUI_REQUIRE_PYSPARK=1`.
pub fn real_pyspark_python() -> Option<PathBuf> {
    let found = pyspark_python_candidate();
    if found.is_none() {
        skip_or_fail("no real pyspark (see .ci/test)");
    }
    found
}

/// Where a PySpark Python would be (`$LIVY_TUI_PYSPARK_PYTHON`, else `target/pyspark-venv`),
/// without checking what it can import and without skipping.
pub fn pyspark_python_candidate() -> Option<PathBuf> {
    if let Some(python) = std::env::var_os(PYTHON_VAR).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(python));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyspark-venv/bin/python");
    venv.exists().then_some(venv)
}

/// A test cannot run here because `missing`: it fails when `LIVY_TUI_REQUIRE_PYSPARK=1` (CI
/// must not pass by skipping), else it says "skipped" where an ordinary run shows it.
pub fn skip_or_fail(missing: &str) {
    let test = std::thread::current().name().unwrap_or("this test").to_string();
    if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") {
        panic!(
            "{test}: {missing}, and {REQUIRE_VAR}=1 requires it: run .ci/test, which installs it into target/pyspark-venv"
        );
    }
    // Straight to the stderr handle: the test harness captures `eprintln!`, and a skip has to
    // be seen in an ordinary run.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped: {missing}: {test}");
}

/// `JAVA_TOOL_OPTIONS` for the JVMs of a test: the caller's, plus the quick JIT only. A
/// session lives seconds, and the optimising compiler cost more CPU than all the rest of it
/// (measured: 34 s of CPU for `exec --local -c 'spark.range(10).count()'`, 13 s without it).
pub fn quick_jvm_options() -> String {
    let quick = "-XX:TieredStopAtLevel=1";
    match std::env::var("JAVA_TOOL_OPTIONS") {
        Ok(theirs) if !theirs.trim().is_empty() => format!("{theirs} {quick}"),
        _ => quick.to_string(),
    }
}

/// A mark no other test (or test run) uses.
pub fn new_mark() -> String {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{}-{n}-{nanos}", std::process::id())
}

/// The live processes (zombies do not count) whose environment holds `MARK_VAR=mark`, as
/// (pid, command line).
pub fn marked_processes(mark: &str) -> Vec<(u32, String)> {
    let wanted = format!("{MARK_VAR}={mark}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if !environ.split(|b| *b == 0).any(|var| var == wanted.as_bytes()) {
            continue;
        }
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let state = stat.rsplit(')').next().unwrap_or("").trim_start();
        if stat.is_empty() || state.starts_with('Z') || state.starts_with('X') {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        found.push((pid, cmdline.trim_end().to_string()));
    }
    found
}

/// Waits up to `limit` for every process marked `mark` to be gone; the ones left, if any.
pub fn wait_until_no_marked_processes(mark: &str, limit: std::time::Duration) -> Vec<(u32, String)> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let left = marked_processes(mark);
        if left.is_empty() || std::time::Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
