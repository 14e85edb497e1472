//! Properties of what turns server data into something shown, on arbitrary input: mime
//! bundles of any shape (strings full of escape material, HTML entities that decode to
//! controls, mime names that are themselves hostile), tables, the JSON tree, and notebook
//! files of arbitrary bytes. Nothing may panic, and nothing that reaches a terminal may carry
//! a control sequence other than SGR: not the command line's printed result, not the
//! notebook's drawn screen. (`sanitize_properties.rs` covers the sanitizer itself and the
//! renderer on one fixed bundle shape; `notebook_format.rs` covers notebook round trips.)

use livy_tui::app::{
    App, CellOutput, DeleteOnQuit, Keymap, Outcome, PreparedOutput, RunState, SessionEvent, SessionStart, Settings,
};
use livy_tui::cli::print::{self, Printed};
use livy_tui::livy::{CreateSession, Session, SessionId, SessionKind, SessionState, Statement, StatementOutput};
use livy_tui::notebook::{self, Notebook, ScriptLanguage};
use livy_tui::output::json_tree::{JsonTree, JsonTreeState};
use livy_tui::output::{Table, available_mimes, render, render_as, table_text};
use livy_tui::theme::Theme;
use livy_tui::ui::{self, UiContext};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Map, Value, json};
use std::time::Instant;

/// A 2×2 PNG.
const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==";

const MIMES: &[&str] = &[
    "text/plain",
    "application/json",
    "application/vnd.livy.table.v1+json",
    "text/html",
    "text/markdown",
    "image/png",
];

/// Text with escape material in every form a server could send it: raw (ESC, CSI, OSC, DCS,
/// C1, BEL, CR, DEL), as HTML entities that decode to controls, and as markup around it.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\u{1b}".to_string()),
        Just("\u{1b}[".to_string()),
        Just("\u{1b}]0;TITLE\u{7}".to_string()),
        Just("\u{1b}]52;c;ZXZpbA==\u{1b}\\".to_string()),
        Just("\u{1b}P1$r\u{1b}\\".to_string()),
        Just("\u{1b}[2J\u{1b}[H".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\u{9b}6n".to_string()),
        Just("\u{9d}8;;x\u{9c}".to_string()),
        Just("\u{7}".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just("\t".to_string()),
        Just("\u{7f}".to_string()),
        Just("\u{0}".to_string()),
        Just("&#27;]0;T&#7;".to_string()),
        Just("&#x1b;[2J".to_string()),
        Just("&#155;6n".to_string()),
        Just("<b>".to_string()),
        Just("</b>".to_string()),
        Just("<table><tr><td>".to_string()),
        Just("<a href=\"\u{1b}]8;;x\u{7}\">".to_string()),
        Just("# ".to_string()),
        Just("| a | b |\n|---|---|\n".to_string()),
        Just("+---+\n|a  |\n+---+\n".to_string()),
        "[a-z ]{0,6}",
        "[漢字☃é]{0,2}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(pieces, 0..16).prop_map(|v| v.concat())
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        hostile_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(vec![
                "headers", "data", "name", "type", "schema", "fields", "struct", "k"
            ])
            .prop_map(str::to_string),
            hostile_text(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..5).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A Livy table, a SQL result, an image: the shapes the renderers look for, with arbitrary
/// content; or anything at all.
fn arb_mime_value(mime: &'static str) -> BoxedStrategy<Value> {
    let table = (
        prop::collection::vec((hostile_text(), hostile_text()), 0..4),
        prop::collection::vec(prop::collection::vec(arb_json(), 0..4), 0..4),
    )
        .prop_map(|(headers, data)| {
            json!({
                "headers": headers.into_iter().map(|(n, t)| json!({"name": n, "type": t})).collect::<Vec<_>>(),
                "data": data,
            })
        });
    let sql = (
        prop::collection::vec((hostile_text(), arb_json()), 0..4),
        prop::collection::vec(prop::collection::vec(arb_json(), 0..4), 0..4),
    )
        .prop_map(|(fields, data)| {
            json!({
                "schema": {"type": "struct", "fields": fields.into_iter()
                    .map(|(n, t)| json!({"name": n, "type": t, "nullable": true, "metadata": {}}))
                    .collect::<Vec<_>>()},
                "data": data,
            })
        });
    match mime {
        "application/vnd.livy.table.v1+json" => prop_oneof![3 => table, 1 => arb_json()].boxed(),
        "application/json" => prop_oneof![2 => sql, 2 => arb_json()].boxed(),
        "image/png" => prop_oneof![
            Just(Value::from(PNG)),
            prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| {
                use base64::Engine;
                Value::from(base64::engine::general_purpose::STANDARD.encode(b))
            }),
            arb_json(),
        ]
        .boxed(),
        _ => prop_oneof![3 => hostile_text().prop_map(Value::from), 1 => arb_json()].boxed(),
    }
}

/// A mime bundle: some of the known types, and sometimes (`odd_names`) one with a hostile
/// name.
fn arb_bundle(odd_names: bool) -> impl Strategy<Value = Map<String, Value>> {
    let known = MIMES
        .iter()
        .map(|&m| proptest::option::weighted(0.5, arb_mime_value(m)));
    let known: Vec<_> = known.collect();
    let odd = if odd_names {
        proptest::option::weighted(0.2, (hostile_text(), arb_json())).boxed()
    } else {
        Just(None).boxed()
    };
    (known, odd).prop_map(|(values, odd)| {
        let mut data: Map<String, Value> = MIMES
            .iter()
            .zip(values)
            .filter_map(|(m, v)| v.map(|v| (m.to_string(), v)))
            .collect();
        if let Some((name, value)) = odd {
            data.insert(name, value);
        }
        data
    })
}

/// A statement's `output` object: a result, or an error with arbitrary fields.
fn arb_output() -> impl Strategy<Value = Value> {
    arb_output_with(true)
}

fn arb_output_with(odd_names: bool) -> impl Strategy<Value = Value> {
    let ok = arb_bundle(odd_names).prop_map(|data| json!({"status": "ok", "execution_count": 0, "data": data}));
    let error = (hostile_text(), hostile_text(), prop::collection::vec(hostile_text(), 0..4))
        .prop_map(|(ename, evalue, tb)| json!({"status": "error", "execution_count": 0, "ename": ename, "evalue": evalue, "traceback": tb}));
    // Any status, and any data at all (whose keys are then mime names too) when names may be odd.
    let data = if odd_names {
        arb_json().boxed()
    } else {
        arb_bundle(false).prop_map(Value::Object).boxed()
    };
    let odd = (arb_json(), data).prop_map(|(status, data)| json!({"status": status, "data": data}));
    prop_oneof![6 => ok, 2 => error, 1 => odd]
}

/// Every ESC starts an SGR sequence (`ESC [ digits;: m`); no other control but `\n`, `\t`.
fn assert_terminal_safe(what: &str, out: &str) -> Result<(), TestCaseError> {
    let chars: Vec<char> = out.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\u{1b}' {
            prop_assert_eq!(
                chars.get(i + 1),
                Some(&'['),
                "{}: ESC not starting SGR in {:?}",
                what,
                out
            );
            let mut j = i + 2;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ';' || chars[j] == ':') {
                j += 1;
            }
            prop_assert_eq!(chars.get(j), Some(&'m'), "{}: ESC [ not ending in m in {:?}", what, out);
            i = j + 1;
            continue;
        }
        let control = (c as u32) < 0x20 && c != '\n' && c != '\t';
        prop_assert!(
            !control && !('\u{7f}'..='\u{9f}').contains(&c),
            "{}: control {:?} in {:?}",
            what,
            c,
            out
        );
        i += 1;
    }
    Ok(())
}

/// No control character at all (what a drawn cell or a one-line label may hold).
fn assert_no_controls(what: &str, out: &str) -> Result<(), TestCaseError> {
    let bad: Vec<char> = out
        .chars()
        .filter(|&c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c))
        .collect();
    prop_assert!(bad.is_empty(), "{}: controls {:?} in {:?}", what, bad, out);
    Ok(())
}

fn statement(output: &Value) -> Option<Statement> {
    serde_json::from_value(json!({
        "id": 3, "code": "x", "state": "available", "output": output, "progress": 1.0
    }))
    .ok()
}

/// The notebook with one cell showing `shown`, drawn; the screen's text.
fn draw_cell(shown: CellOutput) -> String {
    let settings = Settings {
        server: "http://livy:8998".into(),
        default_kind: SessionKind::PySpark,
        create: CreateSession {
            kind: Some(SessionKind::PySpark),
            ..Default::default()
        },
        defaults: Default::default(),
        delete_on_quit: DeleteOnQuit::Never,
        keepalive: Default::default(),
    };
    let now = Instant::now();
    let (mut app, _) = App::new(
        settings.clone(),
        SessionStart::Create(Box::new(settings.create)),
        Keymap::default(),
        now,
    );
    let session = Session {
        id: SessionId::from("0"),
        kind: SessionKind::PySpark,
        state: SessionState::Idle,
        ..Default::default()
    };
    app.update(livy_tui::app::AppEvent::Session(
        1,
        SessionEvent::Ready {
            session: Box::new(session),
            created: true,
        },
    ));
    let cell = &mut app.notebook.cells[0];
    cell.output.shown = Some(shown);
    cell.run = RunState::Finished {
        duration: None,
        outcome: Outcome::Ok,
    };
    app.notebook.editing = false;
    let ui = UiContext::new(Theme::builtin("dark").unwrap());
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|frame| drop(ui::draw(frame, &app, &ui))).unwrap();
    let buffer = terminal.backend().buffer();
    let mut screen = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            screen.push_str(buffer[(x, y)].symbol());
        }
    }
    screen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Any output renders without a panic, and every type offered for it renders.
    #[test]
    fn any_bundle_renders(output in arb_output()) {
        let Ok(output) = serde_json::from_value::<StatementOutput>(output) else {
            return Ok(());
        };
        let _ = render(&output);
        for mime in available_mimes(&output) {
            prop_assert!(render_as(&output, mime).is_some(), "{} is offered but does not render", mime);
        }
    }

    /// What `exec` prints for any output is safe for the terminal it goes to: stdout (text,
    /// tables with their notes, JSON), the error on stderr, and the notice on stderr.
    #[test]
    fn the_command_line_prints_nothing_that_acts_on_a_terminal(output in arb_output_with(false)) {
        let Some(statement) = statement(&output) else {
            return Ok(());
        };
        let dir = tempfile::tempdir().unwrap();
        match print::statement_result(&statement, "0", dir.path()) {
            Ok(printed @ (Printed::Stdout(_) | Printed::Table(_) | Printed::Json(_))) => {
                let mut out = Vec::new();
                printed.write_to(&mut out).unwrap();
                assert_terminal_safe("stdout", &String::from_utf8(out).unwrap())?
            }
            Ok(Printed::Error(e)) => assert_terminal_safe("stderr", &print::error_text(&e))?,
            Ok(Printed::Notice(text)) => assert_terminal_safe("notice", &text)?,
            Ok(Printed::Image(path)) => prop_assert!(path.exists()),
            Err(e) => prop_assert!(false, "cannot save: {}", e),
        }
    }

    /// Tables from any JSON: no panic, and their text form (what `exec` prints) is plain.
    #[test]
    fn tables_from_any_json(livy in arb_mime_value("application/vnd.livy.table.v1+json"),
                            sql in arb_mime_value("application/json")) {
        for table in [Table::from_livy_table(&livy), Table::from_sql_result(&sql)].into_iter().flatten() {
            assert_terminal_safe("table", &table_text(&table))?;
        }
    }

    /// The JSON tree of any value: no panic, a consistent shape, and every key, scalar and
    /// label drawable as it is.
    #[test]
    fn the_json_tree_of_any_value(value in arb_json()) {
        let tree = JsonTree::new(&value);
        let count = tree.node_count();
        prop_assert!(count >= 1);
        for node in 0..count {
            if let Some(parent) = tree.parent(node) {
                prop_assert!(parent < node && node < tree.subtree_end(parent));
            }
            prop_assert!(tree.subtree_end(node) > node && tree.subtree_end(node) <= count);
            assert_no_controls("key", tree.key(node).unwrap_or_default())?;
            assert_no_controls("text", tree.text(node))?;
            assert_no_controls("label", &tree.label(node))?;
            assert_no_controls("preview", &tree.preview(node, false))?;
            let _ = tree.path(node);
            let _ = tree.pointer(node);
        }
        let state = JsonTreeState::new(&tree);
        let _ = state.rows(&tree, 0, count);
    }

    /// Notebook files of arbitrary bytes, in every format: no panic, and a one-line error.
    #[test]
    fn notebook_files_of_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300),
                                   text in hostile_text()) {
        let dir = tempfile::tempdir().unwrap();
        for name in ["nb.ipynb", "nb.py", "nb.sql", "nb.scala", "nb.r"] {
            for content in [bytes.as_slice(), text.as_bytes()] {
                let path = dir.path().join(name);
                std::fs::write(&path, content).unwrap();
                if let Err(e) = notebook::load(&path) {
                    prop_assert!(!e.to_string().contains('\n'), "{}", e);
                }
            }
        }
        let lossy = String::from_utf8_lossy(&bytes);
        let _ = Notebook::from_ipynb_str(&lossy);
        for lang in [ScriptLanguage::Python, ScriptLanguage::Scala, ScriptLanguage::R, ScriptLanguage::Sql] {
            let nb = Notebook::from_script(&text, lang);
            let _ = nb.to_script();
            let _ = Notebook::from_script(&lossy, lang).to_ipynb_string();
        }
    }
}

proptest! {
    // Drawing a whole screen per case is the slow one.
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The notebook shows any output, as each type it offers, with no control character on
    /// the screen.
    #[test]
    fn the_notebook_draws_nothing_that_acts_on_a_terminal(output in arb_output()) {
        let Ok(output) = serde_json::from_value::<StatementOutput>(output) else {
            return Ok(());
        };
        let mut choices: Vec<Option<&str>> = vec![None];
        choices.extend(available_mimes(&output).into_iter().map(Some));
        for mime in choices {
            let prepared = PreparedOutput::prepare(&output, mime);
            let screen = draw_cell(prepared.output);
            assert_no_controls(&format!("screen ({mime:?})"), &screen)?;
        }
    }
}

/// `exec` names the types it does not show in a notice on stderr; the names are the
/// server's (this leaked).
#[test]
fn a_hostile_mime_name_in_the_notice() {
    let statement = statement(&json!({"status": "ok", "data": {"x/\u{1b}]0;TITLE\u{7}": 1}})).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let Ok(Printed::Notice(text)) = print::statement_result(&statement, "0", dir.path()) else {
        panic!("not a notice")
    };
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

/// A SQL result that comes with `text/plain` shows that text as the table's notes, under
/// the table `exec` prints (this leaked).
#[test]
fn a_hostile_note_under_a_table() {
    let statement = statement(&json!({"status": "ok", "data": {
        "application/json": {"schema": {"type": "struct", "fields": []}, "data": []},
        "text/plain": "\u{1b}]0;TITLE\u{7}"}}))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let Ok(printed @ Printed::Table(_)) = print::statement_result(&statement, "0", dir.path()) else {
        panic!("not a table")
    };
    let mut out = Vec::new();
    printed.write_to(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("note: "), "the note is written: {text:?}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
}

/// The drawing the property above checks shows the cell's output at all (else it would check
/// an empty screen).
#[test]
fn the_drawn_cell_shows_its_output() {
    let output: StatementOutput =
        serde_json::from_value(json!({"status": "ok", "data": {"text/plain": "drawn-marker \u{1b}]0;T\u{7}"}}))
            .unwrap();
    let screen = draw_cell(PreparedOutput::prepare(&output, None).output);
    assert!(screen.contains("drawn-marker"), "{screen}");
}
