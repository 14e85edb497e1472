//! Whole screens drawn with ratatui's TestBackend and compared with insta snapshots: the
//! notebook starting, idle with outputs, busy with progress, a failure with its traceback,
//! a dead session, the log pane, the help overlay — at 80×24, and one at 200×50.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use livy_tui::app::panes::{PaneReport, PaneRow, Seen};
use livy_tui::app::{
    App, AppEvent, CellId, DeleteOnQuit, Keymap, Overlay, SessionEvent, SessionStart, Settings, StatementEvent,
};
use livy_tui::livy::{CreateSession, LogDelta, Session, SessionId, SessionKind, SessionState, Statement};
use livy_tui::theme::Theme;
use livy_tui::ui::{self, UiContext};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::time::{Duration, Instant};

struct Scene {
    app: App,
    t0: Instant,
}

impl Scene {
    fn new() -> Scene {
        let settings = Settings {
            server: "http://edge-livy:8998".into(),
            default_kind: SessionKind::Spark,
            create: CreateSession {
                kind: Some(SessionKind::Spark),
                ..Default::default()
            },
            defaults: Default::default(),
            delete_on_quit: DeleteOnQuit::Ask,
            keepalive: Default::default(),
        };
        let t0 = Instant::now();
        let (app, _) = App::new(
            settings.clone(),
            SessionStart::Create(Box::new(settings.create)),
            Keymap::default(),
            t0,
        );
        Scene { app, t0 }
    }

    fn at(&mut self, secs: f64) -> &mut Self {
        self.app.now = self.t0 + Duration::from_secs_f64(secs);
        self
    }

    fn session(&mut self, state: SessionState) -> &mut Self {
        let session = Session {
            id: SessionId::from("42"),
            name: Some("etl-dev".into()),
            kind: SessionKind::Spark,
            state,
            app_id: Some("application_1763700000000_0042".into()),
            owner: Some("ann".into()),
            log: vec![
                "\nstderr: ".into(),
                "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space".into(),
            ],
            ..Default::default()
        };
        let event = if self.app.session.id.is_none() {
            SessionEvent::Ready {
                session: Box::new(session),
                created: true,
            }
        } else {
            SessionEvent::Updated(Box::new(session))
        };
        self.app.update(AppEvent::Session(1, event));
        self
    }

    fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) -> &mut Self {
        self.app.update(AppEvent::Key(KeyEvent::new(code, modifiers)));
        self
    }

    fn type_text(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
            self.key(code, KeyModifiers::NONE);
        }
        self
    }

    /// Adds a cell that already ran with this output.
    fn ran(&mut self, kind: SessionKind, code: &str, output: serde_json::Value) -> &mut Self {
        let id = self.app.notebook.push_cell(kind, code);
        self.app.notebook.focus = self.app.notebook.cells.len() - 1;
        self.app.notebook.editing = false;
        let effects = self.app.run_command(livy_tui::app::Command::RunCell);
        assert_eq!(effects.len(), 1, "{effects:?}");
        let n = self.app.notebook.cells.len() as u64 - 1;
        self.report(id, json!({"id": n, "code": code, "state": "running", "output": null, "progress": 0.0, "started": 0, "completed": 0}), false);
        self.report(id, json!({"id": n, "code": code, "state": "available", "output": output, "progress": 1.0, "started": 1000, "completed": 1000 + 380 * (n + 1)}), true);
        self
    }

    fn report(&mut self, cell: CellId, statement: serde_json::Value, finished: bool) {
        let statement: Statement = serde_json::from_value(statement).unwrap();
        let event = if finished {
            StatementEvent::Finished(statement)
        } else if self
            .app
            .notebook
            .cells
            .iter()
            .find(|c| c.id == cell)
            .unwrap()
            .output
            .execution_count
            .is_none()
        {
            StatementEvent::Submitted(statement)
        } else {
            StatementEvent::Progress(statement)
        };
        self.app.update(AppEvent::Statement(1, cell, Box::new(event)));
    }

    /// Draws a frame and hands its layout back to the app, as the event loop does.
    fn draw(&mut self, width: u16, height: u16) -> String {
        let ui = UiContext::new(Theme::builtin("dark").unwrap());
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let mut layout = None;
        terminal
            .draw(|frame| layout = Some(ui::draw(frame, &self.app, &ui)))
            .unwrap();
        self.app.update(AppEvent::Drawn(layout.unwrap()));
        terminal.backend().to_string()
    }
}

fn text(s: &str) -> serde_json::Value {
    json!({"status": "ok", "execution_count": 0, "data": {"text/plain": s}})
}

fn sql_result() -> serde_json::Value {
    json!({"status": "ok", "data": {"application/json": {
        "schema": {"type": "struct", "fields": [
            {"name": "id", "type": "long", "nullable": false, "metadata": {}},
            {"name": "twice", "type": "long", "nullable": false, "metadata": {}}]},
        "data": [[0, 0], [1, 2], [2, 4]]}}})
}

#[test]
fn starting() {
    let mut s = Scene::new();
    s.type_text("spark.range(10).count()")
        .at(1.0)
        .session(SessionState::Starting)
        .at(12.4);
    s.key(KeyCode::Char('e'), KeyModifiers::CONTROL);
    insta::assert_snapshot!(s.draw(80, 24));
}

/// The status line says keep-alive is on and when the session last did something; it warns
/// before keep-alive stops, and says when the server has none.
#[test]
fn keep_alive_on_the_status_line() {
    let status_line = |s: &mut Scene| {
        let screen = s.draw(140, 24);
        screen.lines().last().unwrap_or_default().to_string()
    };
    let mut s = Scene::new();
    s.session(SessionState::Idle).at(3.0 * 60.0 + 5.0);
    assert!(
        status_line(&mut s).contains("│ kept alive · active 3 min ago │"),
        "{}",
        status_line(&mut s)
    );
    s.at(8.0 * 3600.0 - 6.0 * 60.0);
    let line = status_line(&mut s);
    assert!(
        line.contains("kept alive for 6 more min — press a key to keep it"),
        "{line}"
    );
    s.at(8.0 * 3600.0);
    assert!(status_line(&mut s).contains("keep-alive stopped: press a key"));
    s.app.update(AppEvent::Session(
        1,
        SessionEvent::KeepAliveUnavailable("this server has no POST /connect".into()),
    ));
    s.key(KeyCode::Esc, KeyModifiers::NONE);
    assert!(status_line(&mut s).contains("keep-alive unavailable ·"));
}

#[test]
fn idle_with_outputs() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.app.notebook.cells.clear();
    s.ran(
        SessionKind::Spark,
        "val xs = (1 to 5).toList\nxs.sum",
        text("xs: List[Int] = List(1, 2, 3, 4, 5)\nres1: Int = 15\n"),
    );
    s.ran(SessionKind::Sql, "select id, id*2 as twice from range(3)", sql_result());
    s.ran(SessionKind::PySpark, "print(\"héllo ☃ 漢字\")", text("héllo ☃ 漢字"));
    s.app.notebook.focus = 1;
    insta::assert_snapshot!(s.draw(80, 24));
}

/// The badge names the language a magic picks, and says when a magic keeps the cell off Livy.
#[test]
fn magic_cells_show_what_they_run_as() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.app.notebook.cells.clear();
    for code in [
        "%%scalaspark\nval a = 1",
        "%%rspark\nb <- 1",
        "%%local\nx = 1",
        "%%csharp\nvar c = 1;",
    ] {
        s.app.notebook.push_cell(SessionKind::PySpark, code);
    }
    s.app.notebook.editing = false;
    let screen = s.draw(80, 24);
    let badges: Vec<&str> = ["scala", "r", "jupyter only", "not supported here"]
        .into_iter()
        .filter(|b| screen.contains(&format!(" {b} ")))
        .collect();
    assert_eq!(badges, ["scala", "r", "jupyter only", "not supported here"], "{screen}");
    // Running the unknown one says why on the status line, and queues nothing.
    s.app.notebook.focus = 3;
    let effects = s.app.run_command(livy_tui::app::Command::RunCell);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(s.draw(80, 24).contains("%%csharp is not supported here"));
}

#[test]
fn idle_with_outputs_wide() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.app.notebook.cells.clear();
    s.ran(SessionKind::Spark, "1 + 1", text("res0: Int = 2\n"));
    s.ran(SessionKind::Sql, "select id, id*2 as twice from range(3)", sql_result());
    s.app.log.visible = true;
    s.app.update(AppEvent::Log(
        1,
        LogDelta {
            lines: vec![
                "stdout: ".into(),
                "\nstderr: ".into(),
                "26/11/21 19:02:53 INFO SparkContext: Running Spark version 3.5.1".into(),
            ],
            gap: false,
        },
    ));
    insta::assert_snapshot!(s.draw(200, 50));
}

#[test]
fn busy_with_progress() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.app.notebook.cells.clear();
    s.ran(SessionKind::Spark, "1 + 1", text("res0: Int = 2\n"));
    let id = s.app.notebook.push_cell(
        SessionKind::Spark,
        "sc.parallelize(1 to 20, 20).map { i => Thread.sleep(1500); i }.sum",
    );
    s.app.notebook.focus = 1;
    s.app.notebook.editing = false;
    s.app.run_command(livy_tui::app::Command::RunCell);
    s.report(id, json!({"id": 1, "code": "x", "state": "running", "output": null, "progress": 0.0, "started": 0, "completed": 0}), false);
    s.session(SessionState::Busy).at(3.2);
    s.report(id, json!({"id": 1, "code": "x", "state": "running", "output": null, "progress": 0.45, "started": 0, "completed": 0}), false);
    s.app.notebook.push_cell(SessionKind::Spark, "df.count()");
    s.app.notebook.focus = 2;
    s.app.run_command(livy_tui::app::Command::RunCell);
    insta::assert_snapshot!(s.draw(80, 24));
}

fn failed_scene() -> Scene {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.app.notebook.cells.clear();
    s.ran(
        SessionKind::PySpark,
        "def f():\n    raise ValueError('bad value')\n\nf()",
        json!({"status": "error", "ename": "ValueError", "evalue": "bad value", "traceback": [
            "Traceback (most recent call last):\n", "  File \"<stdin>\", line 4, in <module>\n",
            "  File \"<stdin>\", line 2, in f\n", "ValueError: bad value\n"]}),
    );
    s
}

#[test]
fn error_with_folded_traceback() {
    insta::assert_snapshot!(failed_scene().draw(80, 24));
}

#[test]
fn error_with_unfolded_traceback() {
    let mut s = failed_scene();
    s.key(KeyCode::Char('o'), KeyModifiers::NONE);
    insta::assert_snapshot!(s.draw(80, 24));
}

#[test]
fn dead_session() {
    let mut s = Scene::new();
    s.session(SessionState::Idle)
        .type_text("1 + 1")
        .at(30.0)
        .session(SessionState::Dead);
    s.key(KeyCode::Esc, KeyModifiers::NONE);
    insta::assert_snapshot!(s.draw(80, 24));
}

#[test]
fn log_pane_open() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    let lines: Vec<String> = (1..=40)
        .map(|i| format!("26/11/21 19:02:{i:02} INFO DAGScheduler: Job {i} finished"))
        .collect();
    s.app.update(AppEvent::Log(1, LogDelta { lines, gap: false }));
    s.key(KeyCode::Esc, KeyModifiers::NONE)
        .key(KeyCode::Char('l'), KeyModifiers::NONE);
    insta::assert_snapshot!(s.draw(80, 24));
}

#[test]
fn help_overlay() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.key(KeyCode::F(1), KeyModifiers::NONE);
    insta::assert_snapshot!(s.draw(100, 50));
}

#[test]
fn quit_prompt() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.key(KeyCode::Char('q'), KeyModifiers::CONTROL);
    insta::assert_snapshot!(s.draw(80, 24));
}

#[test]
fn help_overlay_scrolled_on_a_small_terminal() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.key(KeyCode::F(1), KeyModifiers::NONE)
        .key(KeyCode::PageDown, KeyModifiers::NONE);
    insta::assert_snapshot!(s.draw(80, 24));
}

#[test]
fn tiny_and_odd_terminal_sizes_never_panic() {
    let mut scenes = vec![failed_scene()];
    let mut busy = Scene::new();
    busy.session(SessionState::Busy);
    busy.app.log.visible = true;
    busy.app.update(AppEvent::Log(
        1,
        LogDelta {
            lines: vec!["x".repeat(500)],
            gap: true,
        },
    ));
    scenes.push(busy);
    let mut help = Scene::new();
    help.key(KeyCode::F(1), KeyModifiers::NONE);
    scenes.push(help);
    let mut quit = Scene::new();
    quit.session(SessionState::Idle)
        .key(KeyCode::Char('q'), KeyModifiers::CONTROL);
    scenes.push(quit);
    for scene in &mut scenes {
        for (w, h) in [
            (1, 1),
            (2, 2),
            (5, 3),
            (10, 4),
            (20, 5),
            (33, 7),
            (80, 3),
            (3, 80),
            (250, 70),
        ] {
            let screen = scene.draw(w, h);
            assert!(!screen.is_empty());
        }
    }
}

#[test]
fn json_tree_in_a_cell() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.app.notebook.cells.clear();
    s.ran(
        SessionKind::PySpark,
        "d = {'a': 1, 'b': [1, 2, {'c': None}], 's': 'x', 'f': 1.5, 't': True}\n%json d",
        json!({"status": "ok", "data": {"application/json": {"a": 1, "b": [1, 2, {"c": null}], "s": "x", "f": 1.5, "t": true}, "text/plain": "{...}"}}),
    );
    insta::assert_snapshot!(s.draw(80, 24));
}

#[test]
fn markdown_and_html_outputs() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.app.notebook.cells.clear();
    s.ran(
        SessionKind::PySpark,
        "show_report()",
        json!({"status": "ok", "data": {"text/markdown": "# Nightly load\n\n* **3** tables refreshed\n* `orders` is *late*", "text/plain": "<md>"}}),
    );
    s.ran(
        SessionKind::PySpark,
        "html_report()",
        json!({"status": "ok", "data": {"text/html": "<p>Rows by day, see <a href=\"https://x.example/d\">dashboard</a>:</p><table><tr><th>day</th><th>rows</th></tr><tr><td>mon</td><td>12</td></tr></table>", "text/plain": "<html>"}}),
    );
    insta::assert_snapshot!(s.draw(80, 30));
    insta::assert_snapshot!("markdown_and_html_outputs_200", s.draw(200, 30));
}

/// A 12-column table whose cursor went to the last column: the grid scrolled just enough.
fn wide_table_scene() -> Scene {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.app.notebook.cells.clear();
    let headers: Vec<_> = (0..12)
        .map(|i| json!({"name": format!("column_{i}"), "type": "STRING_TYPE"}))
        .collect();
    let rows: Vec<_> = (0..30)
        .map(|r| {
            (0..12)
                .map(|c| {
                    json!(if c == 11 && r == 2 {
                        format!(
                            "a long value that the grid cuts, row {r}: {}",
                            "and more words ".repeat(40)
                        )
                    } else {
                        format!("r{r}c{c}")
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    s.ran(
        SessionKind::PySpark,
        "%table wide",
        json!({"status": "ok", "data": {"application/vnd.livy.table.v1+json": {"headers": headers, "data": rows}}}),
    );
    s
}

#[test]
fn table_cursor_scrolls_the_grid_to_its_column() {
    let mut s = wide_table_scene();
    for _ in 0..11 {
        s.key(KeyCode::Right, KeyModifiers::NONE);
    }
    s.key(KeyCode::Char(']'), KeyModifiers::NONE);
    s.key(KeyCode::Char(']'), KeyModifiers::NONE);
    insta::assert_snapshot!(s.draw(80, 24));
    // back to the left: the view follows without jumping back to the start
    for _ in 0..4 {
        s.key(KeyCode::Left, KeyModifiers::NONE);
    }
    insta::assert_snapshot!("table_cursor_back_left", s.draw(80, 24));
}

#[test]
fn cell_inspector_shows_a_long_value_whole() {
    let mut s = wide_table_scene();
    for _ in 0..11 {
        s.key(KeyCode::Right, KeyModifiers::NONE);
    }
    s.key(KeyCode::Char(']'), KeyModifiers::NONE);
    s.key(KeyCode::Char(']'), KeyModifiers::NONE);
    s.key(KeyCode::Char(' '), KeyModifiers::NONE);
    s.draw(80, 24);
    insta::assert_snapshot!(s.draw(80, 24));
    s.key(KeyCode::End, KeyModifiers::NONE);
    insta::assert_snapshot!("cell_inspector_end", s.draw(80, 12));
}

#[test]
fn image_in_a_cell_with_half_blocks_and_with_images_off() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.app.notebook.cells.clear();
    let fixture = support_fixture("pyspark-matplot-magic");
    s.ran(
        SessionKind::PySpark,
        "%matplot plt",
        fixture["livy_statement_output"].clone(),
    );
    // Images off (no picker): a line saying so.
    insta::assert_snapshot!("image_off", s.draw(80, 24));
    // Half blocks: works in any terminal, tmux and plain ssh included.
    let ui = UiContext::new(Theme::builtin("dark").unwrap());
    let _ = ui.images.set(livy_tui::ui::images::make_picker(
        livy_tui::ui::images::ImageMode::Halfblocks,
    ));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| {
            ui::draw(frame, &s.app, &ui);
        })
        .unwrap();
    let buffer = terminal.backend().buffer();
    // The plot: many cells painted with RGB colours (half blocks; same-colour cells are spaces).
    let painted: Vec<_> = buffer
        .content()
        .iter()
        .filter(|c| matches!(c.bg, ratatui::style::Color::Rgb(..)))
        .collect();
    assert!(
        painted.len() > 500,
        "the picture is drawn: {} painted cells",
        painted.len()
    );
    let colours: std::collections::HashSet<_> = painted.iter().map(|c| (c.fg, c.bg)).collect();
    assert!(
        colours.len() > 3,
        "a picture, not a blank block: {} colour pairs",
        colours.len()
    );
    assert!(
        painted.iter().any(|c| c.symbol() == "▀"),
        "half blocks carry two pixels per cell"
    );
}

fn support_fixture(name: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/livy/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_running_statement_shows_the_session_busy_before_the_next_session_poll() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    let id = s.app.notebook.push_cell(SessionKind::Spark, "Thread.sleep(10000)");
    s.app.notebook.focus = s.app.notebook.cells.len() - 1;
    s.app.notebook.editing = false;
    s.app.run_command(livy_tui::app::Command::RunCell);
    assert!(s.draw(100, 20).contains("● busy"), "submitted, the session is busy");
    s.report(
        id,
        json!({"id": 0, "code": "x", "state": "running", "output": null, "progress": 0.1}),
        false,
    );
    assert!(s.draw(100, 20).contains("● busy"));
    s.report(
        id,
        json!({"id": 0, "code": "x", "state": "available", "output": text("ok"), "progress": 1.0}),
        true,
    );
    let screen = s.draw(100, 20);
    assert!(screen.contains("● idle") && !screen.contains("● busy"), "{screen}");
}

/// A Scala cell being edited with the completion popup under `spark.ra`.
fn completing_scene(candidates: &[&str]) -> Scene {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    s.type_text("val df = spark.ra");
    s.key(KeyCode::Tab, KeyModifiers::NONE);
    let seq = s.app.completion.requests();
    let result = Ok(candidates.iter().map(|c| c.to_string()).collect());
    s.app.update(AppEvent::Completions { seq, result });
    assert!(s.app.completion_popup().is_some());
    s
}

#[test]
fn completion_popup_under_the_name() {
    let mut s = completing_scene(&["range", "rangePartitioned", "rand"]);
    s.key(KeyCode::Down, KeyModifiers::NONE);
    insta::assert_snapshot!(s.draw(80, 24));
}

#[test]
fn completion_popup_scrolls_and_fits_any_screen() {
    let many: Vec<String> = (0..30).map(|i| format!("ra{i:02}_{}", "x".repeat(i))).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let mut s = completing_scene(&many);
    for _ in 0..12 {
        s.key(KeyCode::Down, KeyModifiers::NONE);
    }
    let screen = s.draw(80, 24);
    assert!(screen.contains("13/30"), "where the selection is among them:\n{screen}");
    assert!(screen.contains("ra12_"), "the selected one is in view:\n{screen}");
    for (w, h) in [
        (1, 1),
        (2, 2),
        (5, 3),
        (10, 4),
        (20, 5),
        (33, 7),
        (80, 3),
        (3, 80),
        (250, 70),
        (30, 12),
    ] {
        assert!(!s.draw(w, h).is_empty());
        assert!(s.app.completion_popup().is_some(), "drawing leaves the popup alone");
    }
}

/// Sessions as the sessions pane lists them: seen `secs` after the start, or there at the
/// first listing.
fn pane_rows(s: &Scene, rows: &[(&str, &str, &str, SessionState, Option<f64>)]) -> Vec<PaneRow> {
    rows.iter()
        .map(|(id, name, kind, state, seen_at)| {
            let session = Session {
                id: SessionId::from(*id),
                name: (!name.is_empty()).then(|| name.to_string()),
                kind: SessionKind::parse(kind),
                state: state.clone(),
                owner: Some("ann".into()),
                proxy_user: (*id == "43").then(|| "etl-bot".to_string()),
                app_id: (*state != SessionState::Starting).then(|| format!("application_1763700000000_00{id}")),
                ..Default::default()
            };
            let seen = Seen {
                since: s.t0 + Duration::from_secs_f64(seen_at.unwrap_or(0.0)),
                already_there: seen_at.is_none(),
            };
            PaneRow::session(&session, seen)
        })
        .collect()
}

/// Opens a pane with a key and gives it a listing.
fn open_pane(s: &mut Scene, key: char, rows: Vec<PaneRow>) {
    s.key(KeyCode::Esc, KeyModifiers::NONE);
    s.key(KeyCode::Char(key), KeyModifiers::NONE);
    let Some(Overlay::Pane(pane)) = s.app.overlay() else {
        panic!("a pane")
    };
    let watch = pane.watch;
    s.app.update(AppEvent::Pane(PaneReport::Listed {
        watch,
        rows,
        total: None,
    }));
}

#[test]
fn sessions_pane_with_its_kill_question_and_its_form() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    let rows = pane_rows(
        &s,
        &[
            ("40", "nightly", "sql", SessionState::Dead, None),
            ("42", "etl-dev", "spark", SessionState::Idle, None),
            ("43", "", "pyspark", SessionState::Starting, Some(80.0)),
        ],
    );
    open_pane(&mut s, 'S', rows);
    s.at(95.0).key(KeyCode::Char('j'), KeyModifiers::NONE);
    insta::assert_snapshot!("sessions_pane", s.draw(80, 24));
    s.key(KeyCode::Char('x'), KeyModifiers::NONE);
    insta::assert_snapshot!("sessions_pane_kill_question", s.draw(80, 24));
    s.key(KeyCode::Esc, KeyModifiers::NONE)
        .key(KeyCode::Char('n'), KeyModifiers::NONE)
        .key(KeyCode::Tab, KeyModifiers::NONE)
        .type_text("adhoc")
        .key(KeyCode::Down, KeyModifiers::NONE)
        .key(KeyCode::Down, KeyModifiers::NONE)
        .key(KeyCode::Down, KeyModifiers::NONE)
        .type_text("two")
        .key(KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!("sessions_pane_form", s.draw(80, 24));
    for (width, height) in [(1, 1), (2, 2), (12, 4), (30, 6), (300, 3)] {
        s.draw(width, height);
        s.key(KeyCode::Esc, KeyModifiers::NONE).draw(width, height);
        s.key(KeyCode::Char('x'), KeyModifiers::NONE).draw(width, height);
        s.key(KeyCode::Char('n'), KeyModifiers::NONE)
            .key(KeyCode::Char('l'), KeyModifiers::NONE)
            .draw(width, height);
        s.key(KeyCode::Esc, KeyModifiers::NONE)
            .key(KeyCode::Char('n'), KeyModifiers::NONE);
    }
}

#[test]
fn batches_pane_following_a_log() {
    let mut s = Scene::new();
    s.session(SessionState::Idle);
    let batch: livy_tui::livy::Batch = serde_json::from_value(
        json!({"id": 5, "name": "nightly", "state": "running", "appId": "application_1763700000000_0105"}),
    )
    .unwrap();
    let seen = Seen {
        since: s.t0,
        already_there: false,
    };
    open_pane(&mut s, 'B', vec![PaneRow::batch(&batch, seen)]);
    s.at(30.0);
    insta::assert_snapshot!("batches_pane", s.draw(80, 12));
    s.key(KeyCode::Enter, KeyModifiers::NONE);
    let Some(Overlay::Pane(pane)) = s.app.overlay() else {
        panic!("a pane")
    };
    let watch = pane.watch;
    let lines = [
        "stdout: ",
        "25/11/21 10:00:01 WARN NativeCodeLoader: Unable to load native-hadoop library",
        "\u{1b}[32mhello from python batch\u{1b}[0m \u{1b}]0;title\u{7}",
        "\nstderr: ",
    ];
    s.app.update(AppEvent::Pane(PaneReport::Log {
        watch,
        delta: LogDelta {
            lines: lines.map(String::from).to_vec(),
            gap: false,
        },
    }));
    insta::assert_snapshot!("batches_pane_log", s.draw(80, 12));
}

/// What the server names the session, its errors and retries reach the status bar as plain
/// text: no escape sequence, and no leftover of one.
#[test]
fn server_text_in_the_status_bar_is_plain() {
    let hostile = "evil\u{1b}]0;NAME-TITLE\u{7}\u{1b}[2J";
    let mut s = Scene::new();
    let session = Session {
        id: SessionId::from("42"),
        name: Some(hostile.into()),
        kind: SessionKind::Spark,
        state: SessionState::Idle,
        app_id: Some(hostile.into()),
        owner: Some(hostile.into()),
        ..Default::default()
    };
    s.app.update(AppEvent::Session(
        1,
        SessionEvent::Ready {
            session: Box::new(session),
            created: true,
        },
    ));
    s.app.update(AppEvent::Retrying(format!(
        "GET /sessions/42: {hostile}; retrying in 2s"
    )));
    s.app.complain(format!("could not run: {hostile}"));
    let screen = s.draw(120, 24);
    assert!(screen.contains("evil"), "{screen}");
    for fragment in ["\u{1b}", "]0;", "NAME-TITLE", "[2J"] {
        assert!(!screen.contains(fragment), "{fragment:?} in\n{screen}");
    }
}
