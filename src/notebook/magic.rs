//! sparkmagic compatibility: the kernels of sparkmagic notebooks name their Livy kind, and a
//! code cell may start with a cell magic (`%%sql -o df`, `%%configure -f`, `%%local`, …).
//!
//! The magic line is split off the cell's source and kept verbatim, so the runner sees plain
//! code while Jupyter with sparkmagic still runs the saved file the same way.

use crate::livy::SessionKind;
use serde_json::{Map, Value, json};

/// What a cell magic means to this program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Magic {
    /// `%%sql [-o df] [-q] [-n 100] …` in a sparkmagic kernel: the body is Spark SQL.
    Sql,
    /// `%%spark [-s session] [-c sql] …` in an IPython kernel: the body runs on Livy, as SQL
    /// with `-c sql`.
    Spark { sql: bool },
    /// `%%configure [-f]`: the body is a JSON object of session settings.
    Configure { force: bool },
    /// `%%pretty`: the body runs on Livy (sparkmagic only changes how it is shown).
    Pretty,
    /// A language magic of EMR Studio (`%%pyspark`, `%%scalaspark`, `%%rspark`) or of
    /// Synapse and Fabric (`%%pyspark`, `%%sparkr`): the body runs on Livy in that language.
    Language(SessionKind),
    /// A magic that runs in Jupyter, not on Livy: sparkmagic's `%%info`, `%%logs`, `%%local`,
    /// `%%cleanup`, `%%delete`, `%%help`, `%%send_to_spark`, and IPython's own (`%%bash`,
    /// `%%html`, `%%time`, …). Skipped, kept, written back unchanged.
    ClientSide(String),
    /// A magic this program does not know (`%%csharp`, a vendor's own): not run — sending
    /// it to Spark as code would only fail there — kept and written back unchanged.
    Unknown(String),
}

/// Cell magics that run in Jupyter: sparkmagic's, and IPython's built-in ones.
const CLIENT_SIDE: [&str; 27] = [
    "info",
    "logs",
    "local",
    "cleanup",
    "delete",
    "help",
    "send_to_spark",
    "matplot",
    "bash",
    "sh",
    "script",
    "python",
    "python3",
    "html",
    "javascript",
    "js",
    "latex",
    "markdown",
    "svg",
    "perl",
    "ruby",
    "capture",
    "time",
    "timeit",
    "writefile",
    "file",
    "debug",
];

impl Magic {
    /// Reads a magic line (`%%name args…`); `None` if the line is not a cell magic.
    pub fn parse(line: &str) -> Option<Magic> {
        let rest = line.strip_prefix("%%")?;
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return None;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (name, args) = rest.split_at(end);
        let args: Vec<&str> = args.split_whitespace().collect();
        Some(match name {
            "sql" => Self::Sql,
            "spark" => Self::Spark {
                sql: context_is_sql(&args),
            },
            "configure" => Self::Configure {
                force: args.iter().any(|a| matches!(*a, "-f" | "--force")),
            },
            "pretty" => Self::Pretty,
            "pyspark" => Self::Language(SessionKind::PySpark),
            "scalaspark" => Self::Language(SessionKind::Spark),
            "rspark" | "sparkr" => Self::Language(SessionKind::SparkR),
            other if CLIENT_SIDE.contains(&other) => Self::ClientSide(other.to_string()),
            other => Self::Unknown(other.to_string()),
        })
    }

    /// The kind the magic sets for its cell, if it sets one.
    pub fn implied_kind(&self) -> Option<SessionKind> {
        match self {
            Self::Sql | Self::Spark { sql: true } => Some(SessionKind::Sql),
            Self::Language(kind) => Some(kind.clone()),
            _ => None,
        }
    }

    /// The cell is not run on Livy.
    pub fn is_inert(&self) -> bool {
        matches!(self, Self::ClientSide(_) | Self::Unknown(_))
    }
}

fn context_is_sql(args: &[&str]) -> bool {
    args.iter().enumerate().any(|(i, a)| match *a {
        "-c" | "--context" => args.get(i + 1).is_some_and(|v| v.eq_ignore_ascii_case("sql")),
        other => other
            .strip_prefix("-c=")
            .or_else(|| other.strip_prefix("--context="))
            .is_some_and(|v| v.eq_ignore_ascii_case("sql")),
    })
}

/// Splits a code cell's text into its magic line (without the line break) and the rest.
/// Only a first line starting exactly with `%%` and a name is a magic, as in sparkmagic.
pub fn split_magic(text: &str) -> (Option<&str>, &str) {
    let line_end = text.find('\n').unwrap_or(text.len());
    let line = &text[..line_end];
    if Magic::parse(line).is_none() {
        return (None, text);
    }
    (Some(line), text.get(line_end + 1..).unwrap_or(""))
}

/// Joins a magic line and a body back into a cell's text.
pub fn join_magic(magic: Option<&str>, source: &str) -> String {
    match magic {
        Some(m) if source.is_empty() => m.to_string(),
        Some(m) => format!("{m}\n{source}"),
        None => source.to_string(),
    }
}

/// The sparkmagic kernels, by kernelspec name.
fn sparkmagic_kernel_kind(name: &str) -> Option<SessionKind> {
    match name.to_ascii_lowercase().as_str() {
        "pysparkkernel" | "pyspark3kernel" => Some(SessionKind::PySpark),
        "sparkkernel" => Some(SessionKind::Spark),
        "sparkrkernel" => Some(SessionKind::SparkR),
        // EMR's names for the same kernels.
        "spark_magic_pyspark" => Some(SessionKind::PySpark),
        "spark_magic_scala" | "spark_magic_spark" => Some(SessionKind::Spark),
        "spark_magic_r" | "spark_magic_sparkr" => Some(SessionKind::SparkR),
        _ => None,
    }
}

/// Synapse's and Fabric's kernels by name (`synapse_pyspark`, `synapse_spark`, …).
fn synapse_kernel_kind(name: &str) -> Option<SessionKind> {
    match name.to_ascii_lowercase().strip_prefix("synapse_")? {
        "pyspark" => Some(SessionKind::PySpark),
        "spark" | "scala" => Some(SessionKind::Spark),
        "sparkr" => Some(SessionKind::SparkR),
        "sql" | "sparksql" => Some(SessionKind::Sql),
        _ => None,
    }
}

fn kernelspec_name(metadata: &Map<String, Value>) -> Option<&str> {
    metadata.get("kernelspec")?.get("name")?.as_str()
}

/// The notebook was written by a sparkmagic kernel (PySpark, Spark or SparkR), where every
/// plain code cell runs on Livy and `%%sql` means Spark SQL.
pub fn is_sparkmagic_kernel(metadata: &Map<String, Value>) -> bool {
    kernelspec_name(metadata).and_then(sparkmagic_kernel_kind).is_some()
}

/// A Synapse or Fabric notebook (`synapse_pyspark`, …), where `%%spark` means Scala.
pub fn is_synapse_kernel(metadata: &Map<String, Value>) -> bool {
    kernelspec_name(metadata).is_some_and(|n| n.to_ascii_lowercase().starts_with("synapse_"))
}

/// The Livy kind a notebook's kernel implies: the sparkmagic kernelspec name, else
/// `language_info.name` (`pyspark`, `scala`, `sparkR`).
pub fn kernel_kind(metadata: &Map<String, Value>) -> Option<SessionKind> {
    if let Some(kind) = kernelspec_name(metadata).and_then(sparkmagic_kernel_kind) {
        return Some(kind);
    }
    if let Some(kind) = kernelspec_name(metadata).and_then(synapse_kernel_kind) {
        return Some(kind);
    }
    let lang = metadata.get("language_info")?.get("name")?.as_str()?;
    match lang.to_ascii_lowercase().as_str() {
        "pyspark" | "pyspark3" => Some(SessionKind::PySpark),
        "scala" => Some(SessionKind::Spark),
        "sparkr" => Some(SessionKind::SparkR),
        _ => None,
    }
}

/// The `kernelspec` and `language_info` sparkmagic writes for a kind, so Jupyter with
/// sparkmagic opens a notebook made here with the right kernel. `None` for kinds without a
/// sparkmagic kernel (SQL).
pub fn sparkmagic_metadata(kind: &SessionKind) -> Option<Map<String, Value>> {
    let (name, display, language, info) = match kind {
        SessionKind::PySpark => (
            "pysparkkernel",
            "PySpark",
            "python",
            json!({"codemirror_mode": {"name": "python", "version": 3}, "file_extension": ".py",
                   "mimetype": "text/x-python", "name": "pyspark", "pygments_lexer": "python3"}),
        ),
        SessionKind::Spark => (
            "sparkkernel",
            "Spark",
            "scala",
            json!({"codemirror_mode": "text/x-scala", "file_extension": ".sc", "mimetype": "text/x-scala",
                   "name": "scala", "pygments_lexer": "scala"}),
        ),
        SessionKind::SparkR => (
            "sparkrkernel",
            "SparkR",
            "r",
            json!({"codemirror_mode": "text/x-rsrc", "file_extension": ".r", "mimetype": "text/x-rsrc",
                   "name": "sparkR", "pygments_lexer": "r"}),
        ),
        _ => return None,
    };
    let mut metadata = Map::new();
    metadata.insert(
        "kernelspec".into(),
        json!({"display_name": display, "language": language, "name": name}),
    );
    metadata.insert("language_info".into(), info);
    Some(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magics_are_recognised_with_their_options() {
        assert_eq!(Magic::parse("%%sql -o df -q -n 100"), Some(Magic::Sql));
        assert_eq!(Magic::parse("%%spark -c sql -o x"), Some(Magic::Spark { sql: true }));
        assert_eq!(Magic::parse("%%spark --context=sql"), Some(Magic::Spark { sql: true }));
        assert_eq!(Magic::parse("%%spark -s my_spark"), Some(Magic::Spark { sql: false }));
        assert_eq!(Magic::parse("%%configure -f "), Some(Magic::Configure { force: true }));
        assert_eq!(Magic::parse("%%configure"), Some(Magic::Configure { force: false }));
        assert_eq!(Magic::parse("%%local  "), Some(Magic::ClientSide("local".into())));
        assert_eq!(Magic::parse("%%bash"), Some(Magic::ClientSide("bash".into())));
        assert_eq!(Magic::parse("%%csharp"), Some(Magic::Unknown("csharp".into())));
        assert_eq!(Magic::parse("%%scalaspark"), Some(Magic::Language(SessionKind::Spark)));
        assert_eq!(Magic::parse("%%rspark"), Some(Magic::Language(SessionKind::SparkR)));
        assert_eq!(Magic::parse("%%sparkr"), Some(Magic::Language(SessionKind::SparkR)));
        assert_eq!(
            Magic::parse("%%pyspark").and_then(|m| m.implied_kind()),
            Some(SessionKind::PySpark)
        );
        assert!(Magic::parse("%%send_to_spark -i x -t str").unwrap().is_inert());
        assert_eq!(Magic::parse("%% not"), None);
        assert_eq!(Magic::parse("%matplot plt"), None);
        assert_eq!(Magic::parse("select 1"), None);
    }

    #[test]
    fn magic_lines_split_and_join() {
        assert_eq!(split_magic("%%sql -o a\nSELECT 1"), (Some("%%sql -o a"), "SELECT 1"));
        assert_eq!(split_magic("%%info"), (Some("%%info"), ""));
        assert_eq!(split_magic("x = 1\n%%sql"), (None, "x = 1\n%%sql"));
        assert_eq!(join_magic(Some("%%info"), ""), "%%info");
        assert_eq!(join_magic(Some("%%sql"), "SELECT 1"), "%%sql\nSELECT 1");
    }

    #[test]
    fn kernels_map_to_kinds() {
        let meta = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(
            kernel_kind(&meta(json!({"kernelspec": {"name": "sparkrkernel"}}))),
            Some(SessionKind::SparkR)
        );
        assert_eq!(
            kernel_kind(&meta(
                json!({"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}})
            )),
            None
        );
        assert_eq!(
            kernel_kind(&meta(json!({"language_info": {"name": "pyspark"}}))),
            Some(SessionKind::PySpark)
        );
        for kind in [SessionKind::PySpark, SessionKind::Spark, SessionKind::SparkR] {
            let m = sparkmagic_metadata(&kind).unwrap();
            assert!(is_sparkmagic_kernel(&m));
            assert_eq!(kernel_kind(&m), Some(kind));
        }
        assert_eq!(sparkmagic_metadata(&SessionKind::Sql), None);
    }
}
