//! The real binary in a real terminal (tmux), against the test Livy server: type code, run
//! it, read the screen, cancel, quit — and find the terminal restored.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::tmux::NotebookPane as Tmux;
use support::{Reply, TestLivy, TestLivyConfig};

#[test]
fn run_scala_and_sql_watch_the_log_cancel_and_quit_with_the_terminal_restored() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(800));
    let tui = Tmux::start(&livy, "--kind spark", 100, 30);
    tui.wait_for("starting");
    assert_eq!(
        tui.modes(),
        ("1".into(), "1".into()),
        "full screen with mouse while running"
    );

    // Typed at once into the first cell, run with a fallback key, queued until idle.
    tui.text("1 + 1");
    tui.keys(&["C-e"]);
    let screen = tui.wait_for("res0: Int = 2");
    assert!(screen.contains("● idle") || tui.wait_for("● idle").contains("● idle"));

    // A SQL cell in the same session.
    tui.keys(&["Escape", "b", "4", "Enter"]);
    tui.text("select 1 as a, 'x' as b");
    tui.keys(&["C-e"]);
    let screen = tui.wait_for("1 row ·");
    assert!(
        screen.lines().any(|l| l.contains("1 │ x")),
        "a grid with the row:\n{screen}"
    );
    let posts = livy.requests_to("POST", "/sessions/0/statements");
    assert_eq!(posts[1].body_json().unwrap()["kind"], "sql");

    // The log pane fills.
    tui.keys(&["Escape", "l"]);
    tui.wait_for("session log");
    tui.wait_for("DAGScheduler");

    // A long statement, cancelled with Ctrl+C (which never quits).
    tui.keys(&["b", "1", "Enter"]);
    tui.text("Thread.sleep(60000)");
    tui.keys(&["C-e"]);
    tui.wait_for("▶ cell 3");
    tui.keys(&["C-c"]);
    tui.wait_for("cancelled");
    assert_eq!(livy.requests_to("POST", "/sessions/0/statements/2/cancel").len(), 1);

    // Quit: the untitled notebook has unsaved work (say discard), then asked whether to
    // delete the session this notebook created; yes.
    tui.keys(&["C-q"]);
    tui.wait_for("untitled has unsaved changes");
    tui.keys(&["d"]);
    tui.wait_for("Delete it");
    tui.keys(&["y"]);
    let screen = tui.wait_for("EXITED=0");
    assert!(screen.contains("session 0 deleted"), "{screen}");
    assert!(
        !screen.contains("┏") && !screen.contains("╭"),
        "the notebook is gone from the screen:\n{screen}"
    );
    assert_eq!(
        tui.modes(),
        ("0".into(), "0".into()),
        "alternate screen and mouse reporting are off again"
    );
    assert_eq!(livy.session_state("0"), None, "the session was deleted");
}

#[test]
fn a_dead_session_is_shown_with_its_reason_and_one_key_starts_a_new_one() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200));
    let tui = Tmux::start(&livy, "--kind pyspark", 100, 30);
    tui.wait_for("● idle");
    livy.kill_session("0");
    tui.wait_for("● dead");
    tui.keys(&["Escape", "C-n"]);
    tui.wait_for("session 1");
    tui.keys(&["Enter"]);
    tui.text("1 + 1");
    tui.keys(&["C-e"]);
    tui.wait_until("the result in the new session", |s| {
        s.contains("│2 ") || s.contains("┃2 ")
    });
    tui.keys(&["C-q"]);
    tui.wait_for("unsaved changes");
    tui.keys(&["d"]);
    tui.wait_for("Delete it");
    tui.keys(&["n"]);
    tui.wait_for("EXITED=0");
    assert_eq!(
        livy.session_state("1").as_deref(),
        Some("idle"),
        "kept when the user said no"
    );
}

#[test]
fn attaching_never_deletes_and_sigterm_restores_the_terminal() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let id = livy.create_idle_session_blocking("spark");
    let tui = Tmux::start(&livy, &format!("--session {id}"), 80, 24);
    tui.wait_for("● idle");
    // The pane runs a shell whose child is livy-tui.
    let shell = tui.tmux(&["display", "-p", "-t", "0", "#{pane_pid}"]);
    let pid = Command::new("pgrep")
        .args(["-P", shell.trim(), "livy-tui"])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&pid.stdout)
        .split_whitespace()
        .next()
        .expect("the livy-tui process")
        .to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    tui.wait_for("EXITED=0");
    assert_eq!(tui.modes(), ("0".into(), "0".into()));
    assert_eq!(
        livy.session_state(&id).as_deref(),
        Some("idle"),
        "an attached session is never deleted unasked"
    );
    assert!(livy.requests_to("DELETE", "/sessions").is_empty());
}

#[test]
fn the_notebook_refuses_to_start_without_a_terminal() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default());
    let out = Command::new(env!("CARGO_BIN_EXE_livy-tui"))
        .args(["--url", &livy.url(), "--log-file", "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("livy-tui exec"));
    assert!(livy.requests().is_empty(), "no session is created for nothing");
}

#[test]
fn a_network_outage_while_a_statement_runs_is_ridden_out() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200));
    let tui = Tmux::start(&livy, "--kind spark --retries 1", 100, 30);
    tui.wait_for("● idle");
    tui.text("Thread.sleep(4000)");
    tui.keys(&["C-e"]);
    tui.wait_for("▶ cell 1");
    // Every statement poll fails for a while (more than the client's retries).
    livy.faults().fail_next_on(
        12,
        "GET",
        "/sessions/0/statements/0",
        503,
        serde_json::json!("Service Unavailable"),
    );
    tui.wait_for("⚠");
    tui.wait_for("✓");
    let screen = tui.screen();
    assert!(!screen.contains("could not run"), "the cell did not fail:\n{screen}");
}

#[test]
fn no_color_means_no_colour_and_an_old_server_is_named_not_failed_silently() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().version("0.4.1-incubating").start_ms(200));
    let tui = Tmux::start_with_env(&livy, "NO_COLOR=1", "--kind spark", 100, 30);
    tui.wait_for("● idle");
    tui.text("1 + 1");
    tui.keys(&["C-r"]);
    tui.wait_for("res0: Int = 2");
    let coloured = tui.coloured_screen();
    // Modifiers (bold, dim, reverse) and resets to the default colours (39, 49) are fine.
    let colours: Vec<&str> = coloured
        .split("\u{1b}[")
        .skip(1)
        .filter_map(|seq| seq.split_once('m').map(|(params, _)| params))
        .flat_map(|params| params.split(';'))
        .filter(|p| matches!(p.parse::<u16>(), Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)))
        .collect();
    assert!(
        colours.is_empty(),
        "colour codes {colours:?} with NO_COLOR:\n{coloured:?}"
    );
    // A SQL cell in a Scala session needs a per-statement kind, which 0.4 lacks: said on the cell.
    tui.keys(&["Escape", "4", "Enter"]);
    tui.text("select 1");
    tui.keys(&["C-e"]);
    tui.wait_for("needs Livy 0.5");
}

#[test]
fn a_wide_table_is_a_grid_that_scrolls_sideways() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200));
    let tui = Tmux::start(&livy, "--kind pyspark", 80, 24);
    tui.wait_for("● idle");
    let headers: Vec<_> = (0..20)
        .map(|i| serde_json::json!({"name": format!("column_{i:02}"), "type": "INT_TYPE"}))
        .collect();
    let rows: Vec<Vec<u32>> = (0..50).map(|r| (0..20).map(|c| r * 100 + c).collect()).collect();
    livy.script(
        "wide()",
        support::Reply::raw(serde_json::json!({"status": "ok", "execution_count": 0, "data": {
            "application/vnd.livy.table.v1+json": {"headers": headers, "data": rows},
            "text/plain": "a table"}})),
    );
    tui.text("wide()");
    tui.keys(&["C-e"]);
    let screen = tui.wait_for("of 50");
    assert!(
        screen.contains("column_00") && screen.contains("columns 1–"),
        "{screen}"
    );
    assert!(screen.contains("m: 1 more"), "the text/plain view is offered: {screen}");
    tui.keys(&["Escape"]);
    tui.keys(&["Right"; 10]);
    let screen = tui.wait_until("column_10 shown", |s| s.contains("column_10"));
    assert!(!screen.contains("column_00"), "scrolled sideways:\n{screen}");
    tui.keys(&["PageDown", "PageDown"]);
    tui.wait_for("rows 15–29");
    // The selected cell: copied alone, and shown whole in the inspector.
    tui.keys(&["Y"]);
    tui.wait_for("copied row 29");
    assert_eq!(tui.tmux(&["show-buffer"]), "2810");
    tui.keys(&["Space"]);
    tui.wait_for("row 29 · column_10 (INT_TYPE)");
    tui.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    // Copy as TSV through the terminal (OSC 52), and save as CSV.
    tui.keys(&["y"]);
    tui.wait_for("copied");
    let buffer = tui.tmux(&["show-buffer"]);
    assert!(buffer.starts_with("column_00\tcolumn_01\t"), "{buffer:?}");
    assert_eq!(buffer.lines().count(), 51);
    tui.keys(&["e"]);
    tui.wait_for("saved 50 rows");
    let csv = std::fs::read_to_string(tui.dir.path().join("livy-cell1-run0.csv")).unwrap();
    assert!(csv.starts_with("column_00,column_01,"));
    tui.keys(&["m"]);
    tui.wait_for("a table");
}

#[test]
fn a_matplotlib_image_shows_in_half_blocks_and_saves() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200));
    let tui = Tmux::start(&livy, "--kind pyspark --images halfblocks", 100, 40);
    tui.wait_for("● idle");
    tui.text("%fake fixture pyspark-matplot-magic");
    tui.keys(&["C-e"]);
    // The plot arrives as cells painted with 24-bit background colours.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let painted = tui.coloured_screen().matches("48;2;").count();
        if painted > 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no picture after 20 s ({painted} painted runs):\n{}",
            tui.screen()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    tui.keys(&["Escape", "e"]);
    tui.wait_for("saved the image");
    let png = std::fs::read(tui.dir.path().join("livy-cell1-image.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
}

#[test]
fn a_notebook_file_is_saved_reopened_with_its_outputs_and_recovered_after_kill_9() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200));
    let tui = Tmux::start(&livy, "--kind pyspark --delete-on-quit never report.ipynb", 100, 30);
    tui.wait_for("● idle");
    tui.wait_for("new notebook report.ipynb");
    tui.text("print('first result')");
    tui.keys(&["C-e"]);
    tui.wait_for("✓");
    tui.keys(&["C-s"]);
    tui.wait_for("saved report.ipynb");
    let path = tui.dir.path().join("report.ipynb");
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["nbformat"], 4);
    assert_eq!(
        saved["metadata"]["kernelspec"]["name"], "pysparkkernel",
        "sparkmagic opens it"
    );
    assert_eq!(saved["cells"][0]["source"][0], "print('first result')");
    assert_eq!(saved["cells"][0]["outputs"][0]["output_type"], "execute_result");
    assert!(saved["metadata"]["livy_tui"]["binding"]["session_id"].is_string());

    // Quit and reopen: the output is back, and the live session is offered.
    tui.keys(&["Escape", "C-q"]);
    tui.wait_for("EXITED=0");
    tui.restart("--kind pyspark --delete-on-quit never report.ipynb");
    let screen = tui.wait_for("attach to it");
    assert!(screen.contains("first result"), "the saved output shows: {screen}");
    tui.keys(&["a"]);
    tui.wait_for("● idle");

    // Type without saving, give autosave its pause, then die without a chance to save.
    tui.keys(&["b", "Enter"]);
    tui.text("typed but never saved");
    tui.wait_for("report.ipynb [+]");
    std::thread::sleep(Duration::from_secs(3));
    tui.kill_9();
    tui.wait_for("EXITED=137");
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(!on_disk.contains("typed but never saved"), "nothing was saved");

    tui.restart("--kind pyspark --delete-on-quit never report.ipynb");
    tui.wait_for("attach to it");
    tui.keys(&["a"]);
    tui.wait_for("Recover them?");
    tui.keys(&["r"]);
    // A capture can land mid-frame: wait for the whole frame after the recovery.
    tui.wait_until("the recovered cell, unsaved", |s| {
        s.contains("typed but never saved") && s.contains("report.ipynb [+]") && !s.contains("Recover them?")
    });
    tui.keys(&["C-s"]);
    tui.wait_for("saved report.ipynb");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("typed but never saved")
    );
    assert!(
        tui.dir.path().join("report.ipynb~").exists(),
        "the previous version is kept as a backup"
    );
    // Quitting clean asks nothing about the file.
    tui.keys(&["Escape", "C-q"]);
    tui.wait_for("EXITED=0");
}

#[test]
fn a_sparkmagic_notebook_from_jupyter_opens_runs_its_sql_and_saves_back() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200));
    let tui = Tmux::start(&livy, "--delete-on-quit never nb.ipynb", 120, 40);
    // the pane's directory exists once tmux started; the app reads the file at start-up, so
    // copy first and restart
    let path = tui.dir.path().join("nb.ipynb");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/notebooks/sparkmagic/Pyspark-Kernel.ipynb"),
        &path,
    )
    .unwrap();
    tui.restart("--delete-on-quit never nb.ipynb");
    let screen = tui.wait_for("● idle");
    assert!(screen.contains("python"), "the PySpark kernel's language: {screen}");
    // %%configure -f {"name": …, "executorMemory": "4G", …} shaped the new session
    let creates = livy.requests_to("POST", "/sessions");
    let create = creates
        .iter()
        .rev()
        .find(|r| r.path == "/sessions")
        .expect("a session was created");
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["executorMemory"], "4G", "{body}");
    assert_eq!(body["name"], "remotesparkmagics-sample", "{body}");
    assert_eq!(body["kind"], "pyspark");

    // Go to the first %%sql cell and run it: sent as SQL, without its magic line.
    livy.clear_requests();
    tui.keys(&["/"]);
    tui.text("SELECT 1, 2, 3");
    tui.keys(&["Enter"]);
    tui.wait_for("match 1 of");
    tui.keys(&["r"]);
    tui.wait_until("the statement ran", |_| {
        !livy.requests_to("POST", "/sessions/").is_empty()
    });
    let sent = livy.requests_to("POST", "/sessions/");
    let statement: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(statement["code"], "SELECT 1, 2, 3");
    assert_eq!(statement["kind"], "sql");
    tui.wait_for("nb.ipynb [+]");

    tui.keys(&["C-s"]);
    tui.wait_for("saved nb.ipynb");
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        saved["metadata"]["kernelspec"]["name"], "pysparkkernel",
        "Jupyter opens it with sparkmagic"
    );
    let sources: Vec<String> = saved["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| match &c["source"] {
            serde_json::Value::Array(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
            other => other.as_str().unwrap_or_default().to_string(),
        })
        .collect();
    assert!(
        sources.iter().any(|s| s.starts_with("%%sql -o query1\nSELECT 1, 2, 3")),
        "{sources:?}"
    );
    assert!(sources.iter().any(|s| s.starts_with("%%configure -f")), "{sources:?}");
    assert!(sources.iter().any(|s| s == "%%info"), "{sources:?}");
    let reloaded = livy_tui::notebook::load(&path).expect("it loads back");
    assert_eq!(reloaded.cells.len(), saved["cells"].as_array().unwrap().len());
}

#[test]
fn without_keep_alive_the_idle_timeout_deletes_the_session_and_ctrl_n_reruns_what_ran() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200).session_timeout_ms(1500));
    let tui = Tmux::start(&livy, "--kind spark --keepalive off", 110, 30);
    tui.wait_for("● idle");
    tui.text("val x = 41");
    tui.keys(&["C-e"]);
    tui.wait_for("x: Int = 41");
    // Nobody keeps it alive: Livy's rule deletes it, and the notebook says so.
    let screen = tui.wait_for("session 0 was deleted");
    assert!(screen.contains("keep-alive was off"), "{screen}");
    assert!(screen.contains("● gone"), "{screen}");
    tui.keys(&["Escape", "C-n"]);
    tui.wait_for("Re-run the 1 cells");
    tui.keys(&["y"]);
    tui.wait_for("re-ran 1 cells");
    let posts = livy.requests_to("POST", "/sessions/1/statements");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].body_json().unwrap()["code"], "val x = 41");
    assert!(livy.requests_to("POST", "/sessions/0/connect").is_empty());
    tui.quit_discarding_and_deleting();
}

#[test]
fn keep_alive_shows_on_the_status_line_and_a_bad_interval_is_one_line() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200));
    let tui = Tmux::start(&livy, "--kind spark --keepalive 2s", 110, 30);
    let screen = tui.wait_for("EXITED=2");
    assert!(
        screen.contains("--keepalive: \"2s\" is more often than needed: at least 30s"),
        "{screen}"
    );
    assert!(livy.requests().is_empty(), "nothing was sent");
    tui.restart("--kind spark --keepalive 1m");
    tui.wait_for("● idle");
    tui.wait_for("kept alive · active just now");
    tui.keys(&["C-q"]);
    tui.wait_for("Delete it");
    tui.keys(&["y"]);
    tui.wait_for("EXITED=0");
}

/// The recovery copies in the pane's state directory, as one text.
fn recovery_copies(tui: &Tmux) -> String {
    let dir = tui.dir.path().join("state").join("recovery");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return String::new();
    };
    entries
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect()
}

fn wait_for_file(what: &str, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Saves `file` with a `slow_job()` cell, runs it, and kills the app with `kill -9` once the
/// recovery copy records the running statement (as soon as the server has taken it).
fn kill_9_while_slow_job_runs(livy: &TestLivy, args: &str, file: &str) -> Tmux {
    let tui = Tmux::start(livy, args, 100, 30);
    tui.wait_for("● idle");
    tui.text("slow_job()");
    tui.keys(&["C-s"]);
    tui.wait_for(&format!("saved {file}"));
    tui.keys(&["C-e"]);
    tui.wait_until("the statement running", |s| {
        s.contains("▶ cell 1 ") && !s.contains("sending")
    });
    wait_for_file("the running statement in the recovery copy", || {
        recovery_copies(&tui).contains(r#""running":{"session":"0","statement":"0"}"#)
    });
    tui.kill_9();
    tui.wait_for("EXITED=137");
    tui
}

#[test]
fn a_statement_left_running_by_kill_9_or_a_hangup_is_followed_into_its_cell_on_reopen() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200));
    livy.script("slow_job()", Reply::text("slow job done").taking_ms(5000));
    livy.script("second_job()", Reply::text("second job done").taking_ms(3000));
    let args = "--kind pyspark --delete-on-quit never resume.ipynb";
    let tui = kill_9_while_slow_job_runs(&livy, args, "resume.ipynb");

    // Reopen: the session is attached without a question, the unsaved run is recovered, and
    // the statement's result lands in its cell.
    tui.restart(args);
    let screen = tui.wait_for("Recover them?");
    assert!(!screen.contains("attach to it"), "no question: it attaches\n{screen}");
    tui.keys(&["r"]);
    let screen = tui.wait_for("slow job done");
    assert!(
        screen.find("slow_job()") < screen.find("slow job done"),
        "under its cell:\n{screen}"
    );
    assert_eq!(livy.requests_to("POST", "/sessions/0/statements").len(), 1, "sent once");
    let creates = || {
        livy.requests_to("POST", "/sessions")
            .iter()
            .filter(|r| r.path == "/sessions")
            .count()
    };
    assert_eq!(creates(), 1, "no new session");

    // A second cell runs and is saved while it runs; the terminal hangs up; the statement
    // ends before the notebook is opened again: its output is fetched at once.
    tui.keys(&["Escape", "b", "Enter"]);
    tui.text("second_job()");
    tui.keys(&["C-e"]);
    tui.wait_until("the second statement running", |s| {
        s.contains("▶ cell 2 ") && !s.contains("sending")
    });
    wait_for_file("the second statement in the recovery copy", || {
        recovery_copies(&tui).contains(r#""statement":"1""#)
    });
    tui.keys(&["C-s"]);
    tui.wait_for("saved resume.ipynb");
    let saved = std::fs::read_to_string(tui.dir.path().join("resume.ipynb")).unwrap();
    assert!(saved.contains(r#""running""#), "the file records the running statement");
    tui.hang_up();
    tui.wait_for("EXITED=0");
    assert!(
        livy.requests_to("POST", "/sessions/0/statements/1/cancel").is_empty(),
        "a hang-up cancels nothing"
    );
    assert!(
        livy.requests_to("DELETE", "/sessions").is_empty(),
        "nor deletes the session"
    );
    std::thread::sleep(Duration::from_secs(4));
    tui.restart(args);
    let screen = tui.wait_for("second job done");
    assert!(!screen.contains("attach to it"), "{screen}");
    assert!(
        screen.find("second_job()") < screen.find("second job done"),
        "under its cell:\n{screen}"
    );
    assert!(screen.contains("slow job done"), "{screen}");
    assert_eq!(
        livy.requests_to("POST", "/sessions/0/statements").len(),
        2,
        "each sent once"
    );
    assert_eq!(creates(), 1, "still no new session");
    tui.keys(&["Escape", "C-q"]);
    tui.wait_for("unsaved changes");
    tui.keys(&["d"]);
    tui.wait_for("EXITED=0");
}

#[test]
fn a_statement_left_running_on_a_session_gone_meanwhile_says_its_result_is_lost() {
    let livy = TestLivy::start_blocking(TestLivyConfig::default().start_ms(200));
    livy.script("slow_job()", Reply::text("slow job done").taking_ms(20_000));
    let args = "--kind pyspark --delete-on-quit never lost.ipynb";
    let tui = kill_9_while_slow_job_runs(&livy, args, "lost.ipynb");
    livy.kill_session("0");
    assert_eq!(livy.requests_to("POST", "/sessions/0/statements").len(), 1);
    livy.clear_requests();

    tui.restart(args);
    tui.wait_for("Recover them?");
    tui.keys(&["r"]);
    let screen = tui.wait_for("its session 0 is gone: the result is lost");
    assert!(!screen.contains("▶ cell 1"), "nothing spins:\n{screen}");
    assert!(
        livy.requests_to("POST", "/sessions/0/statements").is_empty(),
        "nothing sent again"
    );
    assert!(
        livy.requests_to("GET", "/sessions/0/statements/0").is_empty(),
        "a gone session's statement is not asked for after the reopen"
    );
}
