//! Which file format a path holds, by its extension: Jupyter notebooks or percent scripts.

use super::error::NotebookError;
use super::model::Notebook;
use crate::livy::SessionKind;
use std::path::Path;

/// The language of a percent script, which sets its comment syntax and default kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScriptLanguage {
    /// `.py`, `# %%`, pyspark.
    Python,
    /// `.scala`, `// %%`, spark.
    Scala,
    /// `.r` / `.R`, `# %%`, sparkr.
    R,
    /// `.sql`, `-- %%`, sql.
    Sql,
}

impl ScriptLanguage {
    /// The language of a file extension (without the dot, any case).
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "py" => Some(Self::Python),
            "scala" | "sc" => Some(Self::Scala),
            "r" => Some(Self::R),
            "sql" => Some(Self::Sql),
            _ => None,
        }
    }

    /// The script language for a notebook of this default kind (Python when unknown).
    pub fn for_kind(kind: Option<&SessionKind>) -> Self {
        match kind {
            Some(SessionKind::Spark) => Self::Scala,
            Some(SessionKind::SparkR) => Self::R,
            Some(SessionKind::Sql) => Self::Sql,
            _ => Self::Python,
        }
    }

    /// The kind of cells that do not say otherwise.
    pub fn default_kind(self) -> SessionKind {
        match self {
            Self::Python => SessionKind::PySpark,
            Self::Scala => SessionKind::Spark,
            Self::R => SessionKind::SparkR,
            Self::Sql => SessionKind::Sql,
        }
    }

    /// The line comment that starts markers and markdown lines.
    pub fn comment(self) -> &'static str {
        match self {
            Self::Python | Self::R => "#",
            Self::Scala => "//",
            Self::Sql => "--",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Python => "py",
            Self::Scala => "scala",
            Self::R => "r",
            Self::Sql => "sql",
        }
    }
}

/// A notebook file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Jupyter nbformat 4 (`.ipynb`).
    Ipynb,
    /// A percent script (`.py`, `.scala`, `.r`, `.sql`).
    Script(ScriptLanguage),
}

impl Format {
    /// The format of a path, by extension.
    pub fn from_path(path: &Path) -> Result<Format, NotebookError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if ext.eq_ignore_ascii_case("ipynb") {
            return Ok(Self::Ipynb);
        }
        ScriptLanguage::from_extension(ext)
            .map(Self::Script)
            .ok_or_else(|| NotebookError::UnknownFormat {
                path: path.to_path_buf(),
            })
    }
}

impl Notebook {
    /// Reads a notebook in the given format.
    pub fn parse(text: &str, format: Format) -> Result<Notebook, NotebookError> {
        match format {
            Format::Ipynb => Notebook::from_ipynb_str(text),
            Format::Script(lang) => Ok(Notebook::from_script(text, lang)),
        }
    }

    /// Writes the notebook in the given format.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Ipynb => self.to_ipynb_string(),
            Format::Script(lang) => self.to_script_as(lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::from_path(Path::new("a/b.ipynb")).unwrap(), Format::Ipynb);
        assert_eq!(
            Format::from_path(Path::new("x.R")).unwrap(),
            Format::Script(ScriptLanguage::R)
        );
        assert_eq!(
            Format::from_path(Path::new("x.scala")).unwrap(),
            Format::Script(ScriptLanguage::Scala)
        );
        let e = Format::from_path(Path::new("notes.txt")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "notes.txt: unknown notebook format; use .ipynb, .py, .scala, .r or .sql"
        );
        assert!(Format::from_path(Path::new("Makefile")).is_err());
    }
}
