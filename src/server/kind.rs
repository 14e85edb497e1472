//! Session and statement kinds (`core/.../sessions/Kind.scala`).

use std::fmt;

/// The language of a session or a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Scala (`spark`, alias `scala`).
    Spark,
    /// Python (`pyspark`, alias `python`).
    PySpark,
    /// R (`sparkr`, alias `r`).
    SparkR,
    /// Spark SQL.
    Sql,
    /// A session without a default language: every statement names its kind.
    Shared,
}

impl Kind {
    /// Parses a kind the way Livy does, aliases included; `None` for anything else.
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "spark" | "scala" => Some(Kind::Spark),
            "pyspark" | "python" => Some(Kind::PySpark),
            "sparkr" | "r" => Some(Kind::SparkR),
            "sql" => Some(Kind::Sql),
            "shared" => Some(Kind::Shared),
            _ => None,
        }
    }

    /// The canonical name Livy reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Spark => "spark",
            Kind::PySpark => "pyspark",
            Kind::SparkR => "sparkr",
            Kind::Sql => "sql",
            Kind::Shared => "shared",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
