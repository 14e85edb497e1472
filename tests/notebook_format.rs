//! The notebook file layer: .ipynb and percent-script round trips (real sparkmagic notebooks,
//! a hand-written one with every output type), nbformat schema validity, sparkmagic magics,
//! credentials.

use livy_tui::livy::{OutputStatus, SessionKind, StatementOutput};
use livy_tui::notebook::{
    CellAction, CellType, Format, JupyterOutput, Magic, Notebook, NotebookCell, ScriptLanguage, SessionBinding,
    SkipReason,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn sparkmagic_fixtures() -> Vec<(String, String)> {
    let dir = fixture_dir().join("notebooks/sparkmagic");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "the four sparkmagic example notebooks");
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

fn handwritten() -> String {
    std::fs::read_to_string(fixture_dir().join("notebooks/handwritten/livy-outputs.ipynb")).unwrap()
}

/// Validates against the nbformat 4 schema of the notebook's minor version (vendored from the
/// `nbformat` Python package, 5.11.1; BSD licence in tests/fixtures/nbformat/LICENSE).
fn schema_errors(notebook_json: &str) -> Vec<String> {
    let instance: Value = serde_json::from_str(notebook_json).unwrap();
    let minor = instance["nbformat_minor"].as_i64().unwrap();
    let name = if minor >= 5 {
        "nbformat.v4.schema.json".to_string()
    } else {
        format!("nbformat.v4.{minor}.schema.json")
    };
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("nbformat").join(name)).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Real sparkmagic notebooks

#[test]
fn sparkmagic_notebooks_round_trip_byte_for_byte() {
    for (name, text) in sparkmagic_fixtures() {
        let nb = Notebook::from_ipynb_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let saved = nb.to_ipynb_string();
        let again = Notebook::from_ipynb_str(&saved).unwrap();
        assert_eq!(nb, again, "{name}: load → save → load changed the model");
        let original: Value = serde_json::from_str(&text).unwrap();
        let written: Value = serde_json::from_str(&saved).unwrap();
        assert_eq!(original, written, "{name}: the saved JSON differs from the original");
        // Jupyter wrote these files; writing like nbformat gives the very same bytes. Except:
        // in Pyspark-Kernel.ipynb five outputs have `execution_count` after `output_type` (an
        // edit by hand); keys are written sorted, as nbformat does.
        if name != "Pyspark-Kernel.ipynb" {
            assert!(saved == text, "{name}: the saved bytes differ from Jupyter's");
        }
    }
}

#[test]
fn sparkmagic_notebooks_validate_against_their_schema_after_saving() {
    for (name, text) in sparkmagic_fixtures() {
        let saved = Notebook::from_ipynb_str(&text).unwrap().to_ipynb_string();
        let errors = schema_errors(&saved);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

fn fixture(name: &str) -> Notebook {
    let text = sparkmagic_fixtures().into_iter().find(|(n, _)| n == name).unwrap().1;
    Notebook::from_ipynb_str(&text).unwrap()
}

fn cell_starting<'a>(nb: &'a Notebook, magic: &str) -> (usize, &'a NotebookCell) {
    nb.cells
        .iter()
        .enumerate()
        .find(|(_, c)| c.magic.as_deref().is_some_and(|m| m.starts_with(magic)))
        .unwrap_or_else(|| panic!("no cell with {magic}"))
}

fn spark_numbers_cell(nb: &Notebook) -> usize {
    nb.cells
        .iter()
        .position(|c| c.magic.as_deref() == Some("%%spark") && c.source.starts_with("numbers"))
        .unwrap()
}

#[test]
fn pyspark_kernel_magics_are_understood() {
    let nb = fixture("Pyspark-Kernel.ipynb");
    assert_eq!(nb.default_kind, Some(SessionKind::PySpark));
    assert!(nb.is_sparkmagic_kernel());
    assert!(!nb.uses_spark_magic());

    let (i, sql) = cell_starting(&nb, "%%sql -o query1");
    assert_eq!(sql.kind, Some(SessionKind::Sql));
    assert_eq!(sql.source, "SELECT 1, 2, 3");
    assert_eq!(
        nb.cell_action(i),
        Some(CellAction::Run {
            kind: Some(SessionKind::Sql),
            code: "SELECT 1, 2, 3"
        })
    );
    let (_, sql2) = cell_starting(&nb, "%%sql -q -m sample");
    assert_eq!(
        sql2.magic.as_deref(),
        Some("%%sql -q -m sample -r 0.1 -n 500 -o query2 ")
    );

    let (i, configure) = cell_starting(&nb, "%%configure");
    assert_eq!(configure.magic_kind(), Some(Magic::Configure { force: true }));
    assert!(matches!(
        nb.cell_action(i),
        Some(CellAction::Configure { force: true, .. })
    ));
    let settings = nb.session_settings().unwrap();
    assert_eq!(settings["executorMemory"], "4G");
    assert_eq!(settings["executorCores"], 4);
    assert_eq!(settings["name"], "remotesparkmagics-sample");

    for magic in ["%%help", "%%info", "%%local", "%%logs", "%%send_to_spark"] {
        let (i, cell) = cell_starting(&nb, magic);
        assert!(cell.is_inert(), "{magic}");
        assert!(
            matches!(nb.cell_action(i), Some(CellAction::Skip(SkipReason::Magic(_)))),
            "{magic}"
        );
    }
    let (i, pretty) = cell_starting(&nb, "%%pretty");
    assert_eq!(pretty.magic_kind(), Some(Magic::Pretty));
    assert!(matches!(nb.cell_action(i), Some(CellAction::Run { .. })));

    // `%matplot plt` is a line magic Livy's own REPL runs: plain code, with an image output.
    let matplot = nb.cells.iter().find(|c| c.source == "%matplot plt").unwrap();
    assert_eq!(matplot.magic, None);
    let out = matplot.statement_output().unwrap();
    assert!(out.data["image/png"].as_str().unwrap().starts_with("iVBOR"));

    // The stderr stream of the %%sql cell is kept as a stream.
    assert!(
        sql.outputs
            .iter()
            .any(|o| matches!(o, JupyterOutput::Stream { name, .. } if name == "stderr"))
    );
}

#[test]
fn spark_kernel_notebook_defaults_to_scala() {
    let nb = fixture("Spark-Kernel.ipynb");
    assert_eq!(nb.default_kind, Some(SessionKind::Spark));
    let (_, local) = cell_starting(&nb, "%%local");
    assert_eq!(local.magic.as_deref(), Some("%%local  "));
    assert!(local.is_inert());
    let last = nb.cells.last().unwrap();
    assert_eq!(last.source, "");
    assert_eq!(
        nb.cell_action(nb.cells.len() - 1),
        Some(CellAction::Skip(SkipReason::Empty))
    );
}

#[test]
fn ipython_kernel_notebook_runs_only_spark_magic_cells() {
    let nb = fixture("Magics-in-IPython-Kernel.ipynb");
    assert_eq!(nb.default_kind, None);
    assert!(nb.uses_spark_magic());
    let (i, sql) = cell_starting(&nb, "%%spark -c sql -o df_people");
    assert_eq!(sql.kind, Some(SessionKind::Sql));
    assert_eq!(sql.source, "SELECT * FROM people");
    assert!(matches!(
        nb.cell_action(i),
        Some(CellAction::Run {
            kind: Some(SessionKind::Sql),
            ..
        })
    ));
    let i = spark_numbers_cell(&nb);
    assert!(matches!(nb.cell_action(i), Some(CellAction::Run { kind: None, .. })));
    let head = nb.cells.iter().position(|c| c.source == "df_people.head()").unwrap();
    assert_eq!(nb.cell_action(head), Some(CellAction::Skip(SkipReason::Local)));
    let load_ext = nb
        .cells
        .iter()
        .position(|c| c.source == "%load_ext sparkmagic.magics")
        .unwrap();
    assert_eq!(nb.cell_action(load_ext), Some(CellAction::Skip(SkipReason::Local)));
}

#[test]
fn send_local_data_keeps_unicode_and_widget_outputs() {
    let nb = fixture("Send-local-data-to-Spark.ipynb");
    assert_eq!(nb.nbformat_minor, 2);
    assert!(nb.cells.iter().all(|c| c.id.is_none()), "no ids before nbformat 4.5");
    let local = nb.cells.iter().find(|c| c.source.contains("ሴ")).unwrap();
    assert_eq!(local.magic.as_deref(), Some("%%local"));
    let widgets = nb
        .cells
        .iter()
        .flat_map(|c| &c.outputs)
        .filter(|o| matches!(o, JupyterOutput::DisplayData { data, .. } if data.contains_key("application/vnd.jupyter.widget-view+json")))
        .count();
    assert!(widgets > 0);
}

// ---------------------------------------------------------------------------------------------
// A hand-written notebook with every output type

#[test]
fn handwritten_notebook_with_images_errors_and_tables_round_trips() {
    let text = handwritten();
    let nb = Notebook::from_ipynb_str(&text).unwrap();
    let saved = nb.to_ipynb_string();
    assert_eq!(saved, text, "written like nbformat: the same bytes");
    assert_eq!(Notebook::from_ipynb_str(&saved).unwrap(), nb);

    assert_eq!(nb.default_kind, Some(SessionKind::PySpark));
    let binding = nb.binding.as_ref().unwrap();
    assert_eq!(binding.session_id, "42");
    assert_eq!(binding.session_name.as_deref(), Some("etl"));
    assert_eq!(
        nb.metadata["livy_tui"],
        json!({"future_setting": true}),
        "unknown keys of ours are kept"
    );
    assert_eq!(nb.extra["x_top_level"], "kept");

    let params = &nb.cells[1];
    assert!(params.has_tag("parameters"));
    assert_eq!(params.timing.duration(), Some(Duration::from_millis(1500)));
    assert_eq!(
        params.metadata["execution"],
        json!({"iopub.status.busy": "2024-05-01T11:59:59.900000Z"})
    );

    let table = &nb.cells[2];
    assert_eq!(table.kind, Some(SessionKind::Sql));
    assert_eq!(table.magic, None);
    let out = table.statement_output().unwrap();
    assert_eq!(out.status, OutputStatus::Ok);
    assert_eq!(out.execution_count, Some(2));
    assert!(out.data["application/vnd.livy.table.v1+json"].is_object());
    assert!(out.data["application/json"].is_object());
    assert!(out.text().unwrap().starts_with("+---+-----+\n|id |name |\n"));

    let plot = nb.cells[3].statement_output().unwrap();
    let png = plot.data["image/png"].as_str().unwrap();
    assert!(
        png.contains('\n') && png.ends_with("==\n"),
        "base64 kept as-is, newlines included"
    );
    assert_eq!(plot.text(), Some("plotting 2 rows\n<Figure size 4x3 with 1 Axes>"));
    let JupyterOutput::DisplayData { metadata, .. } = &nb.cells[3].outputs[1] else {
        panic!("display data")
    };
    assert_eq!(metadata["image/png"]["width"], 4);

    let boom = nb.cells[4].statement_output().unwrap();
    let err = boom.error().unwrap();
    assert_eq!(err.ename, "NameError");
    assert_eq!(err.traceback.len(), 3);

    assert_eq!(nb.cells[5].kind, Some(SessionKind::Spark));
    assert_eq!(nb.cells[6].cell_type, CellType::Raw);
    assert_eq!(nb.cells[6].metadata["format"], "text/x-rst");
    assert_eq!(
        nb.cells[0].extra["attachments"]["chart.png"]["image/png"]
            .as_str()
            .unwrap()
            .len(),
        102
    );
    assert_eq!(nb.cells[7].cell_type, CellType::Other("future_cell".into()));
    assert_eq!(nb.cells[7].extra["payload"], json!({"anything": [1, 2, 3]}));
    assert!(nb.cells[8].outputs.iter().all(|o| matches!(o, JupyterOutput::Other(_))));
    // Outputs kept verbatim still render.
    assert_eq!(nb.cells[8].statement_output().unwrap().text(), Some("ok"));

    // Without the deliberately unknown cell type and outputs, it is a valid nbformat 4.5 file.
    let mut valid = nb.clone();
    valid.extra.clear();
    valid
        .cells
        .retain(|c| !matches!(c.id.as_deref(), Some("fut" | "odd-output")));
    let errors = schema_errors(&valid.to_ipynb_string());
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn statement_outputs_saved_and_re_rendered() {
    let ok: StatementOutput = serde_json::from_value(json!({
        "status": "ok", "execution_count": 7,
        "data": {"text/plain": "a\nb", "image/png": "iVBORw0K\nGgo=",
                 "application/vnd.livy.table.v1+json": {"headers": [{"name": "x", "type": "INT_TYPE"}], "data": [[1]]}}
    }))
    .unwrap();
    let err: StatementOutput = serde_json::from_value(json!({
        "status": "error", "execution_count": 8, "ename": "AnalysisException",
        "evalue": "Table or view not found: t", "traceback": ["at org.apache.spark...\n"]
    }))
    .unwrap();
    let mut nb = Notebook::new(Some(SessionKind::PySpark));
    let mut a = NotebookCell::code("spark.range(1)");
    a.set_statement_output(&ok);
    let mut b = NotebookCell::code_with_kind("SELECT * FROM t", SessionKind::Sql);
    b.set_statement_output(&err);
    b.timing
        .start(SystemTime::UNIX_EPOCH + Duration::from_secs(1_714_564_800));
    b.timing
        .finish(SystemTime::UNIX_EPOCH + Duration::from_secs(1_714_564_802));
    nb.cells = vec![a, b];
    let text = nb.to_ipynb_string();
    assert!(schema_errors(&text).is_empty(), "{:#?}", schema_errors(&text));
    let back = Notebook::from_ipynb_str(&text).unwrap();
    assert_eq!(back, nb);
    assert_eq!(back.cells[0].statement_output().unwrap(), ok);
    assert_eq!(back.cells[0].execution_count, Some(7));
    assert_eq!(back.cells[1].statement_output().unwrap().error(), err.error());
    assert_eq!(back.cells[1].timing.duration(), Some(Duration::from_secs(2)));
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json["cells"][1]["metadata"]["execution"]["shell.execute_reply"],
        "2024-05-01T12:00:02.000000Z"
    );
    assert_eq!(
        json["cells"][0]["outputs"][0]["data"]["text/plain"],
        json!(["a\n", "b"])
    );
    assert_eq!(json["cells"][0]["outputs"][0]["data"]["image/png"], "iVBORw0K\nGgo=");
}

// ---------------------------------------------------------------------------------------------
// Writing: sparkmagic compatibility, ids, kinds, credentials, errors

#[test]
fn new_notebooks_are_valid_sparkmagic_notebooks() {
    let mut nb = Notebook::new(Some(SessionKind::PySpark));
    nb.cells.push(NotebookCell::markdown("# Title"));
    nb.cells.push(NotebookCell::code("df = spark.range(10)"));
    nb.cells
        .push(NotebookCell::code_with_kind("SELECT 1", SessionKind::Sql));
    let mut with_options = NotebookCell::code_with_kind("SELECT 2", SessionKind::Sql);
    with_options.magic = Some("%%sql -o df -q -n 100".into());
    nb.cells.push(with_options);
    nb.cells
        .push(NotebookCell::code_with_kind("val x = 1", SessionKind::Spark));
    let mut conf = NotebookCell::code("{\"driverMemory\": \"2G\"}");
    conf.magic = Some("%%configure -f".into());
    nb.cells.push(conf);
    let text = nb.to_ipynb_string();
    assert!(text.ends_with("}\n") && text.starts_with("{\n \"cells\": [\n  {\n"));
    assert!(schema_errors(&text).is_empty(), "{:#?}", schema_errors(&text));
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["metadata"]["kernelspec"]["name"], "pysparkkernel");
    assert_eq!(
        json["metadata"].get("livy_tui"),
        None,
        "the kernel says the default kind"
    );
    assert_eq!(
        json["cells"][2]["source"],
        json!(["%%sql\n", "SELECT 1"]),
        "sparkmagic runs it as SQL"
    );
    assert_eq!(json["cells"][2]["metadata"], json!({}));
    assert_eq!(
        json["cells"][3]["source"],
        json!(["%%sql -o df -q -n 100\n", "SELECT 2"])
    );
    assert_eq!(json["cells"][4]["metadata"]["livy_tui"]["kind"], "spark");
    assert_eq!(
        json["cells"][5]["source"],
        json!(["%%configure -f\n", "{\"driverMemory\": \"2G\"}"])
    );
    for cell in json["cells"].as_array().unwrap() {
        let id = cell["id"].as_str().unwrap();
        assert!(
            (8..=12).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }
    let back = Notebook::from_ipynb_str(&text).unwrap();
    assert_eq!(back, nb);
    assert_eq!(back.session_settings().unwrap()["driverMemory"], "2G");
}

#[test]
fn missing_ids_are_added_only_from_nbformat_4_5() {
    let v45 = r#"{"cells":[{"cell_type":"code","execution_count":null,"metadata":{},"outputs":[],"source":"1"},
                           {"cell_type":"markdown","metadata":{},"source":"x"}],
                  "metadata":{},"nbformat":4,"nbformat_minor":5}"#;
    let nb = Notebook::from_ipynb_str(v45).unwrap();
    assert!(nb.cells.iter().all(|c| c.id.is_some()));
    assert_ne!(nb.cells[0].id, nb.cells[1].id);
    let text = nb.to_ipynb_string();
    assert_eq!(
        Notebook::from_ipynb_str(&text).unwrap(),
        nb,
        "ids are stable once given"
    );
    assert!(schema_errors(&text).is_empty());

    let v44 = v45.replace("\"nbformat_minor\":5", "\"nbformat_minor\":4");
    let nb = Notebook::from_ipynb_str(&v44).unwrap();
    let mut nb2 = nb.clone();
    nb2.cells.push(NotebookCell::code("new"));
    let text = nb2.to_ipynb_string();
    assert!(!text.contains("\"id\""), "4.4 has no cell ids");
    assert!(schema_errors(&text).is_empty(), "{:#?}", schema_errors(&text));
}

#[test]
fn bindings_never_store_credentials() {
    let mut nb = Notebook::new(Some(SessionKind::PySpark));
    let mut binding = SessionBinding::new(
        "https://alice:hunter2@knox.example.com:8443/gateway/livy?token=abc",
        "17",
    );
    binding.kind = Some(SessionKind::PySpark);
    nb.binding = Some(binding);
    let text = nb.to_ipynb_string();
    assert!(
        !text.contains("hunter2") && !text.contains("alice") && !text.contains("token"),
        "{text}"
    );
    let back = Notebook::from_ipynb_str(&text).unwrap();
    assert_eq!(
        back.binding.as_ref().unwrap().server,
        "https://knox.example.com:8443/gateway/livy"
    );
    assert_eq!(back, nb);
    // Set by hand, or found in a file: stripped on write and on read.
    nb.binding.as_mut().unwrap().server = "http://bob:pw@h:8998".into();
    assert!(!nb.to_ipynb_string().contains("pw"));
    let planted = text.replace("https://knox", "https://eve:secret@knox");
    let read = Notebook::from_ipynb_str(&planted).unwrap();
    assert!(!read.binding.unwrap().server.contains("secret"));
}

#[test]
fn explicit_default_kind_and_kinds_differing_from_magics_survive() {
    let mut nb = Notebook::new(None);
    nb.default_kind = Some(SessionKind::Sql);
    let mut odd = NotebookCell::code("SELECT 1");
    odd.magic = Some("%%sql".into());
    odd.kind = None; // the magic says sql but the cell follows the default
    nb.cells.push(odd);
    let mut spark = NotebookCell::code("x");
    spark.magic = Some("%%spark -c sql".into());
    spark.kind = Some(SessionKind::PySpark);
    nb.cells.push(spark);
    let back = Notebook::from_ipynb_str(&nb.to_ipynb_string()).unwrap();
    assert_eq!(back, nb);
    // In a sparkmagic notebook a bare %%sql magic reads as a SQL cell; one set by hand stays.
    let mut nb = Notebook::new(Some(SessionKind::Spark));
    let mut sql = NotebookCell::code_with_kind("SELECT 1", SessionKind::Sql);
    sql.magic = Some("%%sql".into());
    nb.cells.push(sql);
    assert_eq!(Notebook::from_ipynb_str(&nb.to_ipynb_string()).unwrap(), nb);
    nb.default_kind = None;
    assert_eq!(Notebook::from_ipynb_str(&nb.to_ipynb_string()).unwrap(), nb);
}

#[test]
fn bad_input_gives_one_line_errors() {
    let cases: &[(&str, &str)] = &[
        ("", "the text is not a notebook: the file is empty"),
        ("[1, 2]", "expected a JSON object with \"cells\""),
        ("{\"a\": 1}", "expected a JSON object with \"cells\" and \"nbformat\""),
        (
            "{\"cells\": [], \"nbformat\": 4,\n  \"metadata\": {}",
            "the JSON ends early",
        ),
        ("{\"cells\": [}", "invalid JSON: expected value at line 1 column 12"),
        (
            "{\"cells\": [], \"nbformat\": 3, \"nbformat_minor\": 0}",
            "is nbformat 3.0; only nbformat 4",
        ),
        (
            "{\"cells\": {}, \"nbformat\": 4, \"nbformat_minor\": 0}",
            "\"cells\" must be a list",
        ),
        (
            "{\"cells\": [{\"cell_type\": \"code\", \"source\": 5}], \"nbformat\": 4, \"nbformat_minor\": 0}",
            "cell 1: \"source\" must be a string or a list of strings",
        ),
        (
            "{\"cells\": [7], \"nbformat\": 4, \"nbformat_minor\": 0}",
            "cell 1: a cell must be a JSON object",
        ),
        (
            "{\"cells\": [{\"source\": \"\"}], \"nbformat\": 4, \"nbformat_minor\": 0}",
            "cell 1: \"cell_type\" is missing",
        ),
    ];
    for (input, expected) in cases {
        let e = Notebook::from_ipynb_str(input).unwrap_err().to_string();
        assert!(e.contains(expected), "{input:?}: {e}");
        assert!(!e.contains('\n'), "{e}");
    }
    let e = Notebook::from_ipynb_str("{\"cells\": [}")
        .unwrap_err()
        .with_path(Path::new("notebook.ipynb"));
    assert_eq!(
        e.to_string(),
        "notebook.ipynb is not a notebook: invalid JSON: expected value at line 1 column 12"
    );
}

// Percent scripts

#[test]
fn scripts_by_extension_and_conversion_from_ipynb() {
    let nb = fixture("Pyspark-Kernel.ipynb");
    let script = nb.to_script();
    assert!(script.starts_with("# %% [markdown]\n# # Features available with the new kernels\n"));
    assert!(script.contains("# %%\n%%sql -o query1\nSELECT 1, 2, 3\n"));
    assert!(script.contains("# %% collapsed=true\n%%sql -q -m sample"));
    let back = Notebook::from_script(&script, ScriptLanguage::Python);
    assert_eq!(back.cells.len(), nb.cells.len());
    for (a, b) in nb.cells.iter().zip(&back.cells) {
        assert_eq!(a.source, b.source);
        assert_eq!(a.magic, b.magic);
        assert_eq!(nb.effective_kind(a), back.effective_kind(b));
    }
    assert_eq!(back.session_settings(), nb.session_settings());

    let scala = fixture("Spark-Kernel.ipynb").to_script();
    assert!(scala.starts_with("// %% [markdown]\n// # Features"));
    let sql = Notebook::from_script("-- %% tags=[\"parameters\"]\nSELECT '${day}'\n", ScriptLanguage::Sql);
    assert!(sql.cells[0].has_tag("parameters"));
    assert_eq!(sql.effective_kind(&sql.cells[0]), Some(SessionKind::Sql));
}

// ---------------------------------------------------------------------------------------------

#[test]
fn format_from_path_is_case_insensitive() {
    assert_eq!(Format::from_path(Path::new("A.IPYNB")).unwrap(), Format::Ipynb);
    assert_eq!(
        Format::from_path(Path::new("job.SQL")).unwrap(),
        Format::Script(ScriptLanguage::Sql)
    );
}
