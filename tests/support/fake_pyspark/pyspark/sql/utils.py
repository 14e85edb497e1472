"""Fake `pyspark.sql.utils`: re-exports the SQL exceptions like pyspark does."""

from pyspark.errors import AnalysisException, ParseException, PySparkException  # noqa: F401
