//! The notebook in local mode against REAL PySpark, in a real terminal (tmux): `livy-tui
//! --local` opens, its session starts, Tab completes `spark.ran` to `spark.range(`, PySpark,
//! SQL, `%table`, `%json` and `%matplot` cells show their results, Ctrl+C cancels a long
//! statement, `--kind spark` runs a Scala cell, and quitting leaves no Python driver or JVM
//! behind. Needs the pyspark that `.ci/test` installs; skips (saying so) without it.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::pyspark::{
    MARK_VAR, marked_processes, new_mark, quick_jvm_options, real_pyspark_python, wait_until_no_marked_processes,
};
use support::tmux::Pane;

/// How long anything Spark does may take to show (a start is ~10 s on a quiet machine).
const SPARK_WAIT: Duration = Duration::from_secs(60);

/// `text` quoted for sh.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Starts `livy-tui --local --python PYTHON ARGS` in a tmux pane with a clean environment,
/// every process it starts marked with `mark`, then its exit code. The directory holds its
/// state and cache directories; keep it as long as the pane.
fn start(python: &Path, mark: &str, args: &str, width: u16, height: u16) -> (Pane, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let unset: String = [
        "LIVY_URL",
        "LIVY_USER",
        "LIVY_PASSWORD",
        "LIVY_TOKEN",
        "LIVY_TUI_LOG",
        "NO_COLOR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "PYTHONPATH",
        "PYTHONHOME",
        "SPARK_HOME",
        "PYSPARK_PYTHON",
        "PYSPARK_DRIVER_PYTHON",
        "PYSPARK_SUBMIT_ARGS",
    ]
    .iter()
    .map(|var| format!("-u {var} "))
    .collect();
    let command = format!(
        "env {unset}TERM=xterm-256color LIVY_TUI_STATE_DIR={state} XDG_CACHE_HOME={cache} JAVA_TOOL_OPTIONS={jvm} {MARK_VAR}={mark} {bin} --local --python {python} --log-file {log} {args}; echo EXITED=$?; sleep 60",
        state = quoted(&dir.path().join("state").display().to_string()),
        cache = quoted(&dir.path().join("cache").display().to_string()),
        jvm = quoted(&quick_jvm_options()),
        bin = quoted(env!("CARGO_BIN_EXE_livy-tui")),
        python = quoted(&python.display().to_string()),
        log = quoted(&dir.path().join("livy-tui.log").display().to_string()),
    );
    let pane = Pane::start("local-e2e", dir.path(), &command, width, height, SPARK_WAIT);
    (pane, dir)
}

/// A new cell below the current one, in edit mode.
fn new_cell(tui: &Pane) {
    tui.keys(&["Escape", "b", "Enter"]);
}

/// The cells of a screen line inside a cell's frame: split at the grid's `│`, trimmed.
fn row(line: &str) -> Vec<&str> {
    line.trim_matches(|c: char| c == '┃' || c == '│' || c.is_whitespace())
        .split('│')
        .map(str::trim)
        .collect()
}

/// Whether a screen line shows exactly these cells.
fn shows_row(screen: &str, cells: &[&str]) -> bool {
    screen.lines().any(|line| row(line) == cells)
}

/// Half-block characters on the screen (an image drawn without an image protocol).
fn half_blocks(screen: &str) -> usize {
    screen.chars().filter(|c| matches!(c, '▀' | '▄')).count()
}

#[test]
fn the_local_notebook_runs_pyspark_sql_and_magics_cancels_and_quits_clean() {
    let Some(python) = real_pyspark_python() else {
        return;
    };
    let started = Instant::now();
    let mark = new_mark();
    let (tui, _dir) = start(&python, &mark, "--images halfblocks", 120, 40);

    // It opens at once, and its local session becomes idle.
    tui.wait_within("the notebook", Duration::from_secs(20), |s| s.contains("session 0"));
    let screen = tui.wait_for("● idle");
    assert!(screen.contains("session 0 pyspark"), "{screen}");
    let processes = marked_processes(&mark);
    assert!(
        processes.iter().any(|(_, c)| c.contains("local_driver")) && processes.iter().any(|(_, c)| c.contains("java")),
        "a driver and its JVM run: {processes:#?}"
    );
    eprintln!("idle after {:.1?}", started.elapsed());

    // PySpark: a Spark job, its code completed with Tab from the session's own names.
    tui.text("spark.ran");
    tui.keys(&["Tab"]);
    tui.wait_within("range( offered for spark.ran", Duration::from_secs(20), |s| {
        s.contains("│ range(")
    });
    tui.keys(&["Enter"]);
    tui.text("10).count()");
    tui.wait_for("spark.range(10).count()");
    tui.keys(&["C-e"]);
    tui.wait_within("10 from spark.range(10).count()", SPARK_WAIT, |s| shows_row(s, &["10"]));

    // SQL: a cell whose first line is %%sql, shown as a grid.
    new_cell(&tui);
    tui.lines("%%sql\nselect id, id*2 as twice from range(5)");
    tui.keys(&["C-e"]);
    let screen = tui.wait_within("the SQL grid", SPARK_WAIT, |s| shows_row(s, &["4", "8"]));
    assert!(shows_row(&screen, &["id", "twice"]), "{screen}");
    assert!(screen.contains("rows 1–5 of 5"), "{screen}");

    // %table: a grid of the rows.
    new_cell(&tui);
    tui.lines("rows = [{'name': 'ann', 'age': 31}, {'name': 'bob', 'age': 42}]\n%table rows");
    tui.keys(&["C-e"]);
    let screen = tui.wait_within("the %table grid", SPARK_WAIT, |s| shows_row(s, &["42", "bob"]));
    assert!(shows_row(&screen, &["age", "name"]), "{screen}");
    assert!(shows_row(&screen, &["31", "ann"]), "{screen}");

    // %json: a tree.
    new_cell(&tui);
    tui.lines("d = {'a': 1, 'b': [1, 2], 's': 'x'}\n%json d");
    tui.keys(&["C-e"]);
    let screen = tui.wait_for("s: \"x\"");
    assert!(screen.contains("▾ {") && screen.contains("a: 1"), "{screen}");
    assert!(screen.contains("▾ b: ["), "{screen}");

    // %matplot: the figure, drawn in coloured half blocks.
    new_cell(&tui);
    tui.lines(
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n\
         plt.figure(figsize=(2, 1.5), dpi=50)\nplt.plot([1, 2, 3], [4, 1, 9])\n%matplot plt",
    );
    tui.keys(&["C-e"]);
    let screen = tui.wait_within("a picture in half blocks", SPARK_WAIT, |s| half_blocks(s) > 200);
    assert!(screen.contains("image/png"), "{screen}");
    let painted = tui.coloured_screen().matches("48;2;").count();
    assert!(painted > 200, "{painted} runs painted with 24-bit colours:\n{screen}");

    // A long statement, cancelled with Ctrl+C; the session goes on.
    new_cell(&tui);
    tui.lines("import time; time.sleep(60)");
    tui.keys(&["C-e"]);
    // Running (the status bar shows its progress), not waiting or still being sent.
    tui.wait_within("cell 6 running", SPARK_WAIT, |s| {
        s.lines().any(|l| l.contains("▶ cell 6 ") && l.contains('%'))
    });
    std::thread::sleep(Duration::from_millis(500));
    let cancelled_at = Instant::now();
    tui.keys(&["C-c"]);
    // The cell may say "cancelled" (the statement's state) a poll before the run ends and the
    // status bar lets go of it: wait for both.
    tui.wait_within("the cancel", Duration::from_secs(10), |s| {
        (s.contains("cancelled") || s.contains("KeyboardInterrupt")) && !s.contains("▶ cell 6")
    });
    eprintln!("cancelled in {:.1?}", cancelled_at.elapsed());
    new_cell(&tui);
    tui.lines("1 + 1");
    tui.keys(&["C-e"]);
    tui.wait_within("2 from 1 + 1", Duration::from_secs(20), |s| shows_row(s, &["2"]));

    // Quit: the local session is deleted without a question (the unsaved notebook may ask).
    tui.keys(&["Escape", "C-q"]);
    let screen = tui.wait_within("unsaved changes or the exit", SPARK_WAIT, |s| {
        s.contains("unsaved changes") || s.contains("EXITED=")
    });
    if screen.contains("unsaved changes") {
        tui.keys(&["d"]);
    }
    let screen = tui.wait_for("EXITED=");
    assert!(screen.contains("EXITED=0"), "{screen}");
    assert!(!screen.contains("Delete it"), "local mode never asks: {screen}");
    let left = wait_until_no_marked_processes(&mark, Duration::from_secs(15));
    assert!(left.is_empty(), "processes outlived the notebook: {left:#?}");
    eprintln!("done after {:.1?}", started.elapsed());
}

/// `--kind spark`: a Scala session, whose interpreter boots with it, shows a Scala value in
/// Livy's words, and quits clean.
#[test]
fn the_local_notebook_runs_scala() {
    let Some(python) = real_pyspark_python() else {
        return;
    };
    let mark = new_mark();
    let (tui, _dir) = start(&python, &mark, "--kind spark", 100, 30);
    let screen = tui.wait_for("● idle");
    assert!(screen.contains("session 0 spark"), "{screen}");
    tui.text("1 + 1");
    tui.keys(&["C-e"]);
    tui.wait_within("res0 from 1 + 1", SPARK_WAIT, |s| s.contains("res0: Int = 2"));

    tui.keys(&["Escape", "C-q"]);
    let screen = tui.wait_within("unsaved changes or the exit", SPARK_WAIT, |s| {
        s.contains("unsaved changes") || s.contains("EXITED=")
    });
    if screen.contains("unsaved changes") {
        tui.keys(&["d"]);
    }
    let screen = tui.wait_for("EXITED=");
    assert!(screen.contains("EXITED=0"), "{screen}");
    let left = wait_until_no_marked_processes(&mark, Duration::from_secs(15));
    assert!(left.is_empty(), "processes outlived the notebook: {left:#?}");
}
