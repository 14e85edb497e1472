"""A scripted, pure-Python stand-in for pyspark, for livy-tui's local-driver tests.

Put `tests/support/fake_pyspark` on PYTHONPATH and `assets/local_driver.py` runs against
this package instead of Spark: no Java, no JVM, starts in milliseconds.

- `pyspark.sql.SparkSession.builder...getOrCreate()` records every option it got in
  `spark._fake_conf` (also readable with `spark.conf.get(key)`).
- `sc` (`pyspark.context.SparkContext`) has `setJobGroup`, `cancelJobGroup`,
  `statusTracker()` and a scripted job: `sc._fake_job(tasks=4, seconds=2.0)`.
- `spark.range(n)` and `spark.sql(query)` give small fake DataFrames; see
  `pyspark.sql` for the SQL queries understood.

`_livy_tui_fake = True` tells the driver to skip its Java check. With the environment
variable LIVY_TUI_FAKE_NEEDS_JAVA=1 the package claims to be real (`_livy_tui_fake` is
False), so the driver checks for Java as it would for pyspark.
"""

import os as _os

__version__ = "4.3.0"
_livy_tui_fake = _os.environ.get("LIVY_TUI_FAKE_NEEDS_JAVA") != "1"

from pyspark.context import SparkContext  # noqa: E402
from pyspark.conf import SparkConf  # noqa: E402

__all__ = ["SparkContext", "SparkConf", "__version__"]
