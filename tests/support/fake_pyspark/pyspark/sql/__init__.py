"""Fake `pyspark.sql`: SparkSession, DataFrame, Row, SQLContext.

`SparkSession.builder.master(m).appName(n).config(k, v)...getOrCreate()` records every
option in `spark._fake_conf` (also `spark.conf.get(key)`; the master is "spark.master" and
the app name "spark.app.name"). Two options script the start itself:
- `spark.fake.fail_start=1`: getOrCreate raises like pyspark when the JVM does not start
  ("[JAVA_GATEWAY_EXITED] Java gateway process exited before sending its port number.");
- `spark.fake.start_delay=S`: getOrCreate sleeps S seconds first;
- `spark.fake.stop_delay=S`: `spark.stop()` sleeps S seconds.

`spark.sql(query)` understands only these queries (case-insensitive, extra spaces and a
trailing `;` ignored):
- `select * from range(N)`, `select id from range(N)`: column `id` (long);
- `select id, id*2 as twice from range(N)`: columns `id`, `twice` (long);
- `select * from fake_types`: one row of every value kind the driver encodes: int `a` = 1,
  string `s` = 'x', decimal(2,1) `c` = 2.5, decimal(10,0) `c0` = 7, date `d` = 2024-01-02,
  timestamp `t` = 2024-01-02 03:04:05 UTC, timestamp `t_ms` = 2024-01-02 03:04:05.123 UTC,
  timestamp_ntz `t_ntz` = 2024-01-02 03:04:05, array<int> `arr` = [1, 2],
  map<string,int> `m` = {'k': 1}, struct<x:int> `st` = (x=5), binary `b` = b'ab',
  double `nan` = NaN, double `f` = 1.5, boolean `ok` = true, string `nul` = NULL;
- `select * from fake_slow(T, S)`: when rows are taken, runs `sc._fake_job(T, S)` in the
  caller's job group, then gives one row `tasks` = T (for progress and cancel tests);
- statements starting with create, drop, alter, use, insert, cache, uncache, refresh or
  truncate: an empty DataFrame without columns (like DDL);
- any query mentioning `no_such_table`: AnalysisException like Spark 4's
  TABLE_OR_VIEW_NOT_FOUND;
- anything else: ParseException like Spark 4's PARSE_SYNTAX_ERROR.
"""

import datetime
import decimal
import re
import time

from pyspark.context import SparkContext
from pyspark.conf import SparkConf
from pyspark.errors import AnalysisException, ParseException, PySparkRuntimeError
from pyspark.sql.types import Row, StructField, StructType, simple_string

__all__ = ["SparkSession", "DataFrame", "Row", "SQLContext", "SparkContext"]


class DataFrame(object):
    """`fields`: (name, JSON type, nullable); `produce(limit)` gives up to `limit` tuples
    (None = all); `count` the number of rows."""

    def __init__(self, session, fields, produce, count):
        self.sparkSession = session
        self.schema = StructType([StructField(n, t, nullable) for n, t, nullable in fields])
        self._produce = produce
        self._count = count

    @property
    def columns(self):
        return self.schema.names

    @property
    def dtypes(self):
        return [(f.name, simple_string(f.dataType)) for f in self.schema.fields]

    def _rows(self, limit):
        names = self.schema.names
        rows = []
        for values in self._produce(limit):
            row = Row(*values)
            row.__fields__ = list(names)
            rows.append(row)
        return rows

    def count(self):
        return self._count

    def take(self, num):
        return self._rows(max(0, int(num)))

    def head(self, n=None):
        if n is None:
            rows = self._rows(1)
            return rows[0] if rows else None
        return self._rows(n)

    def first(self):
        return self.head()

    def collect(self):
        return self._rows(None)

    def limit(self, num):
        produce = self._produce
        num = max(0, int(num))
        fields = [(f.name, f.dataType, f.nullable) for f in self.schema.fields]
        return DataFrame(
            self.sparkSession,
            fields,
            lambda limit: produce(num if limit is None else min(num, limit)),
            min(num, self._count),
        )

    def show(self, n=20, truncate=True, vertical=False):
        names = self.schema.names
        rows = [[("null" if v is None else str(v)) for v in row] for row in self._rows(n)]
        widths = [max([len(name)] + [len(r[i]) for r in rows]) for i, name in enumerate(names)]
        line = "+" + "+".join("-" * w for w in widths) + "+"
        out = [line, "|" + "|".join(name.rjust(w) for name, w in zip(names, widths)) + "|", line]
        for r in rows:
            out.append("|" + "|".join(v.rjust(w) for v, w in zip(r, widths)) + "|")
        out.append(line)
        print("\n".join(out))

    def __repr__(self):
        return "DataFrame[%s]" % ", ".join(
            "%s: %s" % (f.name, simple_string(f.dataType)) for f in self.schema.fields
        )


class RuntimeConfig(object):
    _missing = object()

    def __init__(self, values):
        self._values = values

    def get(self, key, default=_missing):
        if key in self._values:
            return self._values[key]
        if default is RuntimeConfig._missing:
            raise KeyError(key)
        return default

    def set(self, key, value):
        self._values[str(key)] = str(value)

    def unset(self, key):
        self._values.pop(key, None)

    @property
    def getAll(self):
        return dict(self._values)


class _Builder(object):
    def __init__(self):
        self._options = {}

    def master(self, master):
        self._options["spark.master"] = str(master)
        return self

    def appName(self, name):
        self._options["spark.app.name"] = str(name)
        return self

    def remote(self, url):
        self._options["spark.remote"] = str(url)
        return self

    def enableHiveSupport(self):
        self._options["spark.sql.catalogImplementation"] = "hive"
        return self

    def config(self, key=None, value=None, conf=None, *, map=None):
        if conf is not None:
            for k, v in conf.getAll():
                self._options[str(k)] = str(v)
        if map is not None:
            for k, v in map.items():
                self._options[str(k)] = str(v)
        if key is not None:
            if isinstance(value, bool):
                value = "true" if value else "false"
            self._options[str(key)] = str(value)
        return self

    def getOrCreate(self):
        if SparkSession._instantiated is not None:
            session = SparkSession._instantiated
            session._fake_conf.update(self._options)
            return session
        delay = float(self._options.get("spark.fake.start_delay", "0") or 0)
        if delay > 0:
            time.sleep(delay)
        if self._options.get("spark.fake.fail_start") in ("1", "true"):
            raise PySparkRuntimeError(
                "[JAVA_GATEWAY_EXITED] Java gateway process exited before sending its port number.",
                errorClass="JAVA_GATEWAY_EXITED",
            )
        conf = SparkConf().setAll(self._options.items())
        sc = SparkContext(conf=conf)
        return SparkSession(sc, dict(self._options))


class _BuilderProperty(object):
    def __get__(self, instance, owner):
        return _Builder()


_TABLE_NOT_FOUND = (
    "[TABLE_OR_VIEW_NOT_FOUND] The table or view `no_such_table` cannot be found. Verify the spelling and "
    "correctness of the schema and catalog.\n"
    "If you did not qualify the name with a schema, verify the current_schema() output, or qualify the name "
    "with the correct schema and catalog.\n"
    "To tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS. SQLSTATE: 42P01"
)

_DDL_WORDS = ("create", "drop", "alter", "use", "insert", "cache", "uncache", "refresh", "truncate")


class SparkSession(object):
    builder = _BuilderProperty()
    Builder = _Builder
    _instantiated = None

    def __init__(self, sparkContext, options=None):
        self.sparkContext = sparkContext
        self._sc = sparkContext
        self._fake_conf = dict(options or {})
        self.conf = RuntimeConfig(self._fake_conf)
        self.version = "4.3.0"
        SparkSession._instantiated = self

    @classmethod
    def getActiveSession(cls):
        return cls._instantiated

    @classmethod
    def active(cls):
        return cls._instantiated

    def newSession(self):
        return self

    def stop(self):
        delay = float(self._fake_conf.get("spark.fake.stop_delay", "0") or 0)
        if delay > 0:
            time.sleep(delay)
        self.sparkContext.stop()
        if SparkSession._instantiated is self:
            SparkSession._instantiated = None

    def range(self, start, end=None, step=1, numPartitions=None):
        if end is None:
            start, end = 0, start
        values = range(int(start), int(end), int(step))
        return DataFrame(
            self,
            [("id", "long", False)],
            lambda limit: [(v,) for v in (values if limit is None else values[:limit])],
            len(values),
        )

    def createDataFrame(self, data, schema=None, samplingRatio=None, verifySchema=True):
        rows = list(data)
        if isinstance(schema, (list, tuple)):
            names = [str(n) for n in schema]
        elif rows and isinstance(rows[0], Row) and hasattr(rows[0], "__fields__"):
            names = list(rows[0].__fields__)
        elif rows and isinstance(rows[0], dict):
            names = list(rows[0].keys())
        else:
            names = ["_%d" % (i + 1) for i in range(len(rows[0]) if rows else 0)]

        def values(row):
            if isinstance(row, dict):
                return tuple(row.get(n) for n in names)
            return tuple(row)

        tuples = [values(r) for r in rows]
        fields = [(n, _infer_type([t[i] for t in tuples]), True) for i, n in enumerate(names)]
        return DataFrame(self, fields, lambda limit: tuples if limit is None else tuples[:limit], len(tuples))

    def table(self, name):
        return self.sql("select * from %s" % name)

    def sql(self, sqlQuery, args=None, **kwargs):
        query = " ".join(str(sqlQuery).strip().rstrip(";").split())
        lower = query.lower()
        if "no_such_table" in lower:
            position = lower.find("no_such_table")
            raise AnalysisException(
                "%s; line 1 pos %d;\n'Project [*]\n+- 'UnresolvedRelation [no_such_table], [], false\n"
                % (_TABLE_NOT_FOUND, position),
                errorClass="TABLE_OR_VIEW_NOT_FOUND",
                short=_TABLE_NOT_FOUND,
            )
        match = re.match(r"^select (\*|id) from range\((\d+)\)$", lower)
        if match:
            return self.range(int(match.group(2)))
        match = re.match(r"^select id, ?id ?\* ?2 as twice from range\((\d+)\)$", lower)
        if match:
            n = int(match.group(1))
            return DataFrame(
                self,
                [("id", "long", False), ("twice", "long", False)],
                lambda limit: [(i, i * 2) for i in range(n if limit is None else min(n, limit))],
                n,
            )
        if lower == "select * from fake_types":
            return self._fake_types()
        match = re.match(r"^select \* from fake_slow\((\d+), ?([\d.]+)\)$", lower)
        if match:
            tasks, seconds = int(match.group(1)), float(match.group(2))

            def produce(limit):
                self.sparkContext._fake_job(tasks, seconds)
                return [(tasks,)][: (1 if limit is None else limit)]

            return DataFrame(self, [("tasks", "integer", False)], produce, 1)
        first = lower.split(" ", 1)[0] if lower else ""
        if first in _DDL_WORDS:
            return DataFrame(self, [], lambda limit: [], 0)
        token = query.split(" ", 1)[0] if query else "<EOF>"
        message = "[PARSE_SYNTAX_ERROR] Syntax error at or near '%s'. SQLSTATE: 42601" % token
        raise ParseException(
            "\n%s (line 1, pos 0)\n\n== SQL ==\n%s\n^^^\n" % (message, query),
            errorClass="PARSE_SYNTAX_ERROR",
            short=message,
        )

    def _fake_types(self):
        utc = datetime.timezone.utc
        # pyspark gives TIMESTAMP values as naive datetimes in the process's local time.
        t = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc).astimezone().replace(tzinfo=None)
        t_ms = datetime.datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=utc).astimezone().replace(tzinfo=None)
        struct = Row(x=5)
        fields = [
            ("a", "integer", False),
            ("s", "string", False),
            ("c", "decimal(2,1)", False),
            ("c0", "decimal(10,0)", False),
            ("d", "date", False),
            ("t", "timestamp", False),
            ("t_ms", "timestamp", False),
            ("t_ntz", "timestamp_ntz", False),
            ("arr", {"type": "array", "elementType": "integer", "containsNull": False}, False),
            (
                "m",
                {"type": "map", "keyType": "string", "valueType": "integer", "valueContainsNull": False},
                False,
            ),
            (
                "st",
                {"type": "struct", "fields": [{"name": "x", "type": "integer", "nullable": False, "metadata": {}}]},
                False,
            ),
            ("b", "binary", False),
            ("nan", "double", False),
            ("f", "double", False),
            ("ok", "boolean", False),
            ("nul", "string", True),
        ]
        row = (
            1,
            "x",
            decimal.Decimal("2.5"),
            decimal.Decimal("7"),
            datetime.date(2024, 1, 2),
            t,
            t_ms,
            datetime.datetime(2024, 1, 2, 3, 4, 5),
            [1, 2],
            {"k": 1},
            struct,
            bytearray(b"ab"),
            float("nan"),
            1.5,
            True,
            None,
        )
        return DataFrame(self, fields, lambda limit: [row][: (1 if limit is None else limit)], 1)


def _infer_type(values):
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            return "boolean"
        if isinstance(v, int):
            return "long"
        if isinstance(v, float):
            return "double"
        if isinstance(v, str):
            return "string"
        if isinstance(v, datetime.datetime):
            return "timestamp"
        if isinstance(v, datetime.date):
            return "date"
        if isinstance(v, decimal.Decimal):
            return "decimal(38,18)"
        return "string"
    return "void"


class SQLContext(object):
    def __init__(self, sparkContext, sparkSession=None, jsqlContext=None):
        self._sc = sparkContext
        self.sparkSession = sparkSession or SparkSession._instantiated

    def sql(self, sqlQuery):
        return self.sparkSession.sql(sqlQuery)

    def range(self, start, end=None, step=1, numPartitions=None):
        return self.sparkSession.range(start, end, step, numPartitions)
