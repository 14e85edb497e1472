//! What running a cell sends to Livy, decided in one place for the notebook and for
//! `livy-tui run`, the way sparkmagic decides it.
//!
//! In a sparkmagic kernel (PySpark, Spark, SparkR) every code cell runs on Livy; `%%sql`
//! makes it SQL, `%%configure` holds session settings, and the other cell magics (`%%local`,
//! `%%info`, …) run in Jupyter. In the IPython kernel sparkmagic only adds `%%spark`: those
//! cells run on Livy in the session's language (`-c sql`: as SQL), and everything else,
//! `%%sql` and `%%configure` included, runs in Jupyter.

use super::magic::{Magic, is_sparkmagic_kernel, is_synapse_kernel};
use super::model::CellType;
use crate::livy::SessionKind;
use serde_json::{Map, Value};

/// Which kernel the notebook's code cells were written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// A sparkmagic kernel, or a notebook or script of this program: code cells run on Livy.
    Sparkmagic,
    /// The IPython kernel with sparkmagic's `%%spark` magic: only those cells run on Livy.
    IPython,
    /// Synapse's or Fabric's kernel (`synapse_pyspark`): code cells run on Livy, and
    /// `%%spark` means Scala, as `%%pyspark`, `%%sparkr` and `%%sql` name theirs.
    Synapse,
}

impl Kernel {
    /// From the notebook's metadata and its code cells' magics: a notebook is taken for an
    /// IPython one only when its kernel is not sparkmagic's and some cell uses `%%spark`,
    /// so a plain notebook of Spark code still runs on Livy.
    pub fn detect(metadata: &Map<String, Value>, mut magics: impl Iterator<Item = Magic>) -> Kernel {
        if is_synapse_kernel(metadata) {
            return Kernel::Synapse;
        }
        if !is_sparkmagic_kernel(metadata) && magics.any(|m| matches!(m, Magic::Spark { .. })) {
            Kernel::IPython
        } else {
            Kernel::Sparkmagic
        }
    }
}

/// What running a cell does.
#[derive(Clone, Debug, PartialEq)]
pub enum CellStatement<'a> {
    /// Send `code` as a statement of `kind` (`None`: the session's own language).
    Send { code: &'a str, kind: Option<SessionKind> },
    /// Nothing is sent to Livy.
    Skip(SkipReason),
}

/// Why a cell is not sent to Livy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Markdown, raw or an unknown cell type.
    NotCode(CellType),
    /// Nothing but whitespace.
    Empty,
    /// `%%configure`: settings for the session, applied when one is created.
    Configure { force: bool },
    /// A cell magic that runs in Jupyter (its name).
    Magic(String),
    /// A cell magic this program does not know (its name).
    Unsupported(String),
    /// In an IPython-kernel notebook, a cell without `%%spark` runs in Jupyter.
    Local,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotCode(cell_type) => write!(f, "{} cells are not run", cell_type.as_str()),
            Self::Empty => f.write_str("nothing to run: the cell is empty"),
            Self::Configure { .. } => {
                f.write_str("%%configure sets up the session: its settings apply when a session is created")
            }
            Self::Magic(name) => write!(f, "%%{name} runs in Jupyter, not on Livy"),
            Self::Unsupported(name) => write!(f, "%%{name} is not supported here: the cell is not run"),
            Self::Local => f.write_str("runs in Jupyter, not on Livy: in an IPython notebook only %%spark cells do"),
        }
    }
}

/// What running a cell sends: `magic` is its first line when that is a cell magic, `body`
/// the rest, `kind` the cell's language if it has one of its own (else the notebook's).
pub fn cell_statement<'a>(
    cell_type: &CellType,
    magic: Option<&str>,
    body: &'a str,
    kind: Option<SessionKind>,
    kernel: Kernel,
) -> CellStatement<'a> {
    if *cell_type != CellType::Code {
        return CellStatement::Skip(SkipReason::NotCode(cell_type.clone()));
    }
    let magic = magic.and_then(Magic::parse);
    let kind = match (kernel, magic) {
        (_, Some(Magic::Spark { sql: true })) => Some(SessionKind::Sql),
        (Kernel::Synapse, Some(Magic::Spark { sql: false })) => Some(SessionKind::Spark),
        (_, Some(Magic::Spark { sql: false })) => None,
        (Kernel::IPython, _) => return CellStatement::Skip(SkipReason::Local),
        (_, Some(Magic::Sql)) => Some(SessionKind::Sql),
        (_, Some(Magic::Language(language))) => Some(language),
        (_, None | Some(Magic::Pretty)) => kind,
        (_, Some(Magic::Configure { force })) => return CellStatement::Skip(SkipReason::Configure { force }),
        (_, Some(Magic::ClientSide(name))) => return CellStatement::Skip(SkipReason::Magic(name)),
        (_, Some(Magic::Unknown(name))) => return CellStatement::Skip(SkipReason::Unsupported(name)),
    };
    if body.trim().is_empty() {
        return CellStatement::Skip(SkipReason::Empty);
    }
    CellStatement::Send { code: body, kind }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn send(code: &str, kind: Option<SessionKind>) -> CellStatement<'_> {
        CellStatement::Send { code, kind }
    }

    #[test]
    fn cells_map_to_statements_by_magic_and_kernel() {
        use Kernel::{IPython, Sparkmagic, Synapse};
        use SessionKind::{PySpark, Spark, Sql};
        let skip = CellStatement::Skip;
        /// The kernel, the magic line, the body, the cell's kind, and what is sent.
        type Row<'a> = (Kernel, Option<&'a str>, &'a str, Option<SessionKind>, CellStatement<'a>);
        let table: Vec<Row<'_>> = vec![
            (Sparkmagic, None, "x = 1", Some(PySpark), send("x = 1", Some(PySpark))),
            (Sparkmagic, None, "x = 1", None, send("x = 1", None)),
            (
                Sparkmagic,
                Some("%%sql -o df -q"),
                "SELECT 1",
                Some(PySpark),
                send("SELECT 1", Some(Sql)),
            ),
            (
                Sparkmagic,
                Some("%%pretty"),
                "df.show()",
                Some(PySpark),
                send("df.show()", Some(PySpark)),
            ),
            (
                Sparkmagic,
                Some("%%spark"),
                "val a = 1",
                Some(PySpark),
                send("val a = 1", None),
            ),
            (
                Sparkmagic,
                Some("%%spark -c sql"),
                "SHOW TABLES",
                None,
                send("SHOW TABLES", Some(Sql)),
            ),
            (
                Sparkmagic,
                Some("%%configure -f"),
                "{}",
                None,
                skip(SkipReason::Configure { force: true }),
            ),
            (
                Sparkmagic,
                Some("%%local"),
                "x = 1",
                None,
                skip(SkipReason::Magic("local".into())),
            ),
            (
                Sparkmagic,
                Some("%%info"),
                "",
                None,
                skip(SkipReason::Magic("info".into())),
            ),
            (Sparkmagic, None, "  \n", Some(Spark), skip(SkipReason::Empty)),
            // EMR Studio's language magics, in any sparkmagic kernel
            (
                Sparkmagic,
                Some("%%scalaspark"),
                "val a = 1",
                Some(PySpark),
                send("val a = 1", Some(Spark)),
            ),
            (
                Sparkmagic,
                Some("%%rspark"),
                "a <- 1",
                Some(PySpark),
                send("a <- 1", Some(SessionKind::SparkR)),
            ),
            (
                Sparkmagic,
                Some("%%pyspark"),
                "a = 1",
                Some(Spark),
                send("a = 1", Some(PySpark)),
            ),
            (
                Sparkmagic,
                Some("%%csharp"),
                "var a = 1;",
                Some(Spark),
                skip(SkipReason::Unsupported("csharp".into())),
            ),
            (
                Sparkmagic,
                Some("%%bash"),
                "ls",
                Some(Spark),
                skip(SkipReason::Magic("bash".into())),
            ),
            // Synapse and Fabric: %%spark is Scala
            (
                Synapse,
                Some("%%spark"),
                "val a = 1",
                Some(PySpark),
                send("val a = 1", Some(Spark)),
            ),
            (Synapse, None, "a = 1", Some(PySpark), send("a = 1", Some(PySpark))),
            (
                Synapse,
                Some("%%sparkr"),
                "a <- 1",
                Some(PySpark),
                send("a <- 1", Some(SessionKind::SparkR)),
            ),
            (
                Synapse,
                Some("%%configure"),
                "{}",
                None,
                skip(SkipReason::Configure { force: false }),
            ),
            (Sparkmagic, Some("%%sql"), "", None, skip(SkipReason::Empty)),
            // IPython: %%spark in the session's language, whatever the cell's kind says
            (
                IPython,
                Some("%%spark"),
                "val a = 1",
                Some(Spark),
                send("val a = 1", None),
            ),
            (
                IPython,
                Some("%%spark -s other"),
                "x = 1",
                Some(PySpark),
                send("x = 1", None),
            ),
            (
                IPython,
                Some("%%spark -c sql -o df"),
                "SELECT 1",
                None,
                send("SELECT 1", Some(Sql)),
            ),
            (
                IPython,
                Some("%%spark --context=sql"),
                "SELECT 1",
                None,
                send("SELECT 1", Some(Sql)),
            ),
            (IPython, Some("%%spark"), " ", None, skip(SkipReason::Empty)),
            // …and everything else runs in Jupyter
            (
                IPython,
                None,
                "%load_ext sparkmagic.magics",
                None,
                skip(SkipReason::Local),
            ),
            (
                IPython,
                None,
                "df_people.head()",
                Some(PySpark),
                skip(SkipReason::Local),
            ),
            (IPython, Some("%%local"), "x = 1", None, skip(SkipReason::Local)),
            (IPython, Some("%%sql"), "SELECT 1", None, skip(SkipReason::Local)),
            (IPython, Some("%%configure"), "{}", None, skip(SkipReason::Local)),
        ];
        for (kernel, magic, body, kind, expected) in table {
            assert_eq!(
                cell_statement(&CellType::Code, magic, body, kind.clone(), kernel),
                expected,
                "{kernel:?} {magic:?} {body:?} {kind:?}"
            );
        }
    }

    #[test]
    fn only_code_cells_run() {
        for cell_type in [CellType::Markdown, CellType::Raw, CellType::Other("widget".into())] {
            for kernel in [Kernel::Sparkmagic, Kernel::IPython] {
                assert_eq!(
                    cell_statement(&cell_type, Some("%%spark"), "x", None, kernel),
                    CellStatement::Skip(SkipReason::NotCode(cell_type.clone()))
                );
            }
        }
    }

    #[test]
    fn an_ipython_notebook_needs_spark_cells_and_a_kernel_that_is_not_sparkmagics() {
        let meta = |v: Value| v.as_object().unwrap().clone();
        let python = meta(json!({"kernelspec": {"name": "python3"}}));
        let pyspark = meta(json!({"kernelspec": {"name": "pysparkkernel"}}));
        let spark_cell = || [Magic::Sql, Magic::Spark { sql: false }].into_iter();
        assert_eq!(Kernel::detect(&python, spark_cell()), Kernel::IPython);
        assert_eq!(Kernel::detect(&Map::new(), spark_cell()), Kernel::IPython);
        assert_eq!(Kernel::detect(&pyspark, spark_cell()), Kernel::Sparkmagic);
        assert_eq!(Kernel::detect(&python, [Magic::Sql].into_iter()), Kernel::Sparkmagic);
        assert_eq!(Kernel::detect(&python, std::iter::empty()), Kernel::Sparkmagic);
        let synapse = meta(json!({"kernelspec": {"name": "synapse_pyspark"}}));
        assert_eq!(Kernel::detect(&synapse, spark_cell()), Kernel::Synapse);
    }

    #[test]
    fn reasons_are_one_line() {
        let reasons = [
            SkipReason::NotCode(CellType::Markdown),
            SkipReason::Empty,
            SkipReason::Configure { force: false },
            SkipReason::Magic("info".into()),
            SkipReason::Unsupported("csharp".into()),
            SkipReason::Local,
        ];
        for reason in reasons {
            let text = reason.to_string();
            assert!(!text.is_empty() && !text.contains('\n'), "{text:?}");
        }
        assert_eq!(
            SkipReason::NotCode(CellType::Markdown).to_string(),
            "markdown cells are not run"
        );
    }
}
