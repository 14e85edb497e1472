//! `%%configure` cells → the body that creates a Livy session, for `livy-tui run` and for
//! the notebook (at start and on "new session"), so both create the same session from the
//! same notebook. Settings use Livy's create-body names; later cells win, and settings
//! given on the command line win over the notebook's.

use super::model::{CellAction, Notebook};
use crate::livy::{CreateSession, SessionKind};
use serde_json::{Map, Value};

/// The settings Livy's create body takes, as `%%configure` spells them.
const LIVY_SETTINGS: &str = "kind, name, proxyUser, driverMemory, driverCores, executorMemory, executorCores, \
                             numExecutors, queue, jars, pyFiles, files, archives, conf, heartbeatTimeoutInSecond, \
                             ttl, idleTimeout";

/// What is wrong with one `%%configure` cell.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigureError {
    #[error("the %%configure cell is not valid JSON: {0}")]
    NotJson(String),
    #[error("the %%configure cell must hold a JSON object")]
    NotAnObject,
    #[error("%%configure: unknown setting {0:?}; Livy takes {LIVY_SETTINGS}")]
    UnknownSetting(String),
    #[error("%%configure: {key:?} must be {expected}, not {value}")]
    WrongType {
        key: String,
        expected: &'static str,
        value: String,
    },
}

/// One `%%configure` cell's settings (its JSON object), or what is wrong with it.
pub type CellSettings = Result<Map<String, Value>, ConfigureError>;

/// A `%%configure` cell that cannot be part of the create body, and where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cell {number}: {error}")]
pub struct ConfigureCellError {
    /// The cell's number, counted from 1 as a user counts.
    pub number: usize,
    pub error: ConfigureError,
}

/// The body that creates a session for the notebook: the profile's `defaults`, its
/// `%%configure` settings over them (later cells win), then `flags` (from the command line)
/// over both.
pub fn session_request(
    notebook: &Notebook,
    defaults: &CreateSession,
    flags: CreateSession,
) -> Result<CreateSession, ConfigureCellError> {
    let mut request = defaults.clone();
    for (index, settings) in configure_cells(notebook) {
        settings
            .and_then(|settings| apply_configure(&mut request, &settings))
            .map_err(|error| ConfigureCellError {
                number: index + 1,
                error,
            })?;
    }
    request.overlay(flags);
    Ok(request)
}

/// The `%%configure` cells that apply (by index), with their settings.
pub fn configure_cells(notebook: &Notebook) -> Vec<(usize, CellSettings)> {
    (0..notebook.cells.len())
        .filter_map(|i| match notebook.cell_action(i) {
            Some(CellAction::Configure { settings, .. }) => Some((i, settings)),
            _ => None,
        })
        .collect()
}

/// Puts one cell's settings into a request.
fn apply_configure(request: &mut CreateSession, settings: &Map<String, Value>) -> Result<(), ConfigureError> {
    let r = &mut request.resources;
    for (key, value) in settings {
        match key.as_str() {
            "kind" => request.kind = Some(SessionKind::parse(&text(key, value)?)),
            "name" => request.name = Some(text(key, value)?),
            "proxyUser" => r.proxy_user = Some(text(key, value)?),
            "driverMemory" => r.driver_memory = Some(text(key, value)?),
            "executorMemory" => r.executor_memory = Some(text(key, value)?),
            "queue" => r.queue = Some(text(key, value)?),
            "ttl" => request.ttl = Some(text(key, value)?),
            "idleTimeout" => request.idle_timeout = Some(text(key, value)?),
            "driverCores" => r.driver_cores = Some(count(key, value)?),
            "executorCores" => r.executor_cores = Some(count(key, value)?),
            "numExecutors" => r.num_executors = Some(count(key, value)?),
            "heartbeatTimeoutInSecond" => request.heartbeat_timeout_in_second = Some(count(key, value)?),
            "jars" => r.jars = list(key, value)?,
            "pyFiles" => r.py_files = list(key, value)?,
            "files" => r.files = list(key, value)?,
            "archives" => r.archives = list(key, value)?,
            "conf" => {
                let Value::Object(conf) = value else {
                    return Err(wrong_type(key, "an object of Spark settings", value));
                };
                for (k, v) in conf {
                    r.conf.insert(k.clone(), text(&format!("conf.{k}"), v)?);
                }
            }
            other => return Err(ConfigureError::UnknownSetting(other.to_string())),
        }
    }
    Ok(())
}

fn wrong_type(key: &str, expected: &'static str, value: &Value) -> ConfigureError {
    ConfigureError::WrongType {
        key: key.to_string(),
        expected,
        value: value.to_string(),
    }
}

/// A string setting; numbers and booleans are taken as their text, as Livy does.
fn text(key: &str, value: &Value) -> Result<String, ConfigureError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(wrong_type(key, "a string", value)),
    }
}

fn count(key: &str, value: &Value) -> Result<u32, ConfigureError> {
    let n = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| wrong_type(key, "a whole number", value))
}

fn list(key: &str, value: &Value) -> Result<Vec<String>, ConfigureError> {
    match value {
        Value::Array(items) => items.iter().map(|v| text(key, v)).collect(),
        Value::String(s) => Ok(vec![s.clone()]),
        _ => Err(wrong_type(key, "a list of paths", value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebook::NotebookCell;
    use serde_json::json;

    fn settings(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn configure_cell(body: &str) -> NotebookCell {
        let mut cell = NotebookCell::code(body);
        cell.magic = Some("%%configure -f".into());
        cell
    }

    #[test]
    fn configure_settings_become_the_create_body() {
        let mut r = CreateSession::default();
        apply_configure(
            &mut r,
            &settings(json!({"name": "etl", "executorMemory": "4G", "executorCores": 4, "numExecutors": "2",
                             "conf": {"spark.a": "1", "spark.b": 2, "spark.c": true}, "jars": ["a.jar"], "kind": "pyspark"})),
        )
        .unwrap();
        let body = serde_json::to_value(&r).unwrap();
        assert_eq!(
            body,
            json!({"name": "etl", "kind": "pyspark", "executorMemory": "4G", "executorCores": 4, "numExecutors": 2,
                   "conf": {"spark.a": "1", "spark.b": "2", "spark.c": "true"}, "jars": ["a.jar"]})
        );
        let e = apply_configure(&mut r, &settings(json!({"executorMemroy": "4G"}))).unwrap_err();
        assert_eq!(e, ConfigureError::UnknownSetting("executorMemroy".into()));
        assert!(e.to_string().contains("unknown setting \"executorMemroy\""), "{e}");
        assert!(apply_configure(&mut r, &settings(json!({"numExecutors": -1}))).is_err());
        let e = apply_configure(&mut r, &settings(json!({"conf": ["x"]}))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "%%configure: \"conf\" must be an object of Spark settings, not [\"x\"]"
        );
    }

    #[test]
    fn flags_win_over_configure() {
        let mut r = CreateSession::default();
        apply_configure(
            &mut r,
            &settings(json!({"driverMemory": "1g", "queue": "q", "conf": {"spark.a": "1", "spark.b": "1"}})),
        )
        .unwrap();
        let mut flags = CreateSession::default();
        flags.resources.driver_memory = Some("8g".into());
        flags.resources.conf.insert("spark.b".into(), "2".into());
        r.overlay(flags);
        assert_eq!(r.resources.driver_memory.as_deref(), Some("8g"));
        assert_eq!(r.resources.queue.as_deref(), Some("q"));
        assert_eq!(r.resources.conf["spark.a"], "1");
        assert_eq!(r.resources.conf["spark.b"], "2");
    }

    #[test]
    fn later_cells_win_and_a_bad_cell_is_named() {
        let mut nb = Notebook::new(Some(SessionKind::PySpark));
        nb.cells.push(configure_cell(r#"{"driverMemory": "1g", "queue": "a"}"#));
        nb.cells.push(NotebookCell::code("x = 1"));
        nb.cells.push(configure_cell(r#"{"queue": "b"}"#));
        let request = session_request(&nb, &CreateSession::default(), CreateSession::default()).unwrap();
        assert_eq!(request.resources.driver_memory.as_deref(), Some("1g"));
        assert_eq!(request.resources.queue.as_deref(), Some("b"));

        nb.cells.push(configure_cell("{oops"));
        let e = session_request(&nb, &CreateSession::default(), CreateSession::default()).unwrap_err();
        assert_eq!(e.number, 4);
        assert!(matches!(e.error, ConfigureError::NotJson(_)), "{e}");
        let text = e.to_string();
        assert!(
            text.starts_with("cell 4: the %%configure cell is not valid JSON: "),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");

        nb.cells[3].source = "[1]".into();
        let e = session_request(&nb, &CreateSession::default(), CreateSession::default()).unwrap_err();
        assert_eq!(e.to_string(), "cell 4: the %%configure cell must hold a JSON object");
    }

    #[test]
    fn an_ipython_notebook_has_no_configure_cells() {
        // sparkmagic's IPython magics know no %%configure: such a cell runs in Jupyter
        let mut nb = Notebook::new(None);
        nb.metadata = settings(json!({"kernelspec": {"name": "python3"}}));
        let mut spark = NotebookCell::code("x = 1");
        spark.magic = Some("%%spark".into());
        nb.cells.push(spark);
        nb.cells.push(configure_cell(r#"{"queue": "b"}"#));
        assert!(configure_cells(&nb).is_empty());
        assert_eq!(
            session_request(&nb, &CreateSession::default(), CreateSession::default()).unwrap(),
            CreateSession::default()
        );
    }
}
