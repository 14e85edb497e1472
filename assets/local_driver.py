#!/usr/bin/env python3
"""livy-tui local driver: one Spark session (PySpark) driven over a line-based JSON protocol.

`livy-tui serve` and `livy-tui --local` start one of these per Livy session as
`<python> -u local_driver.py`. The Rust side writes one JSON object per line to our stdin
and reads one JSON object per line from our stdout; everything else (our own diagnostics,
the JVM's log, output of native code and of child processes) goes to stderr, which the
Rust side keeps as the session log.

Rust -> driver
    {"type":"start", "app_name", "kind", "conf", "driver_memory", "driver_cores", "jars",
     "py_files", "files", "archives", "sql_rows"}            (first line; fields optional)
    {"type":"execute", "id":N, "kind":"pyspark"|"spark"|"sql", "code":"..."}
    {"type":"cancel", "id":N}
    {"type":"complete", "id":N, "kind":"pyspark"|"spark", "code":"...", "cursor":N}
                                                             (cursor: characters into code)
    {"type":"shutdown"}                                      (EOF on stdin means the same)

Driver -> Rust
    {"type":"fatal", "reason":"no_pyspark"|"no_java"|"java_version"|"spark_start"|"protocol",
     "message":"one line", "python":sys.executable}            (then exit status 3)
    {"type":"ready", "spark_version", "python_version", "app_id", "ui_url", "pyspark"}
    {"type":"progress", "id":N, "progress":0.0..1.0}
    {"type":"result", "id":N, "output":{"status":"ok","data":{mime bundle}}
                                     | {"status":"error","ename","evalue","traceback":[...]}}
    {"type":"completion", "id":N, "candidates":["spark.range(", ...]}   (one per complete)

`<python> local_driver.py --check` prints one JSON object describing the environment
(Python, pyspark, Java, matplotlib and the first problem found) and exits 0.

Scala (kind "spark") runs in the same JVM and SparkSession through Scala's own REPL (IMain,
from the scala-compiler jar pyspark ships), made on the first Scala statement, or at start in
a "spark" session (see ScalaRepl).

The outputs follow what Apache Livy's Python REPL returns (text/plain without a trailing
newline, `%table`, `%json`, `%matplot` magics, Livy's SQL result shape), and what its Scala
interpreter returns for Scala (line by line, `res0: Int = 2`), with a few of its
bugs fixed (a missing variable in a magic is a proper NameError, mixed column types in
`%table` are a TypeError instead of a crash). This file is independent code written for
livy-tui; it has no dependency besides the Python standard library and pyspark itself.
"""

import ast
import base64
import builtins
import codecs
import datetime
import decimal
import io
import json
import math
import os
import platform
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
import types
import warnings

# ----------------------------------------------------------------------------------------
# Constants and small helpers
# ----------------------------------------------------------------------------------------

_DRIVER_FILES = set()
for _candidate in (globals().get("__file__"),):
    if _candidate:
        _DRIVER_FILES.update({_candidate, os.path.abspath(_candidate), os.path.realpath(_candidate)})

DEFAULT_SQL_ROWS = 1000
SQL_TRACEBACK_LINES = 50
STOP_TIMEOUT_S = 5.0
PROGRESS_INTERVAL_S = 0.3
CANCEL_WAIT_ON_SHUTDOWN_S = 3.0
START_WAIT_ON_SHUTDOWN_S = 15.0
CANCEL_GRACE_S = 1.0
LATE_JOB_WATCH_S = 120.0
TABLE_MIME = "application/vnd.livy.table.v1+json"
COMPLETION_LIMIT = 500

_diag_lock = threading.Lock()
_diag_stream = None  # the real stderr once fds 1 and 2 go through the tee


def log(message):
    """A diagnostic line on the real stderr (the session log)."""
    stream = _diag_stream or sys.__stderr__
    if stream is None:
        return
    try:
        with _diag_lock:
            for line in str(message).rstrip("\n").split("\n"):
                stream.write("livy-tui driver: " + line + "\n")
            stream.flush()
    except Exception:
        pass


def log_exception(what):
    log(what + ":\n" + traceback.format_exc().rstrip("\n"))


def one_line(text, limit=500):
    """The first non-empty line of `text`, shortened to `limit` characters."""
    for line in str(text).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "\u2026"
    return ""


def safe_str(value):
    try:
        return str(value)
    except Exception:
        return "<unprintable %s object>" % type(value).__name__


def exc_summary(exc):
    """`Type: first line` of an exception, for one-line messages."""
    first = one_line(safe_str(exc))
    name = type(exc).__name__
    return "%s: %s" % (name, first) if first else name


# ----------------------------------------------------------------------------------------
# Environment checks (shared by --check and the start path)
# ----------------------------------------------------------------------------------------


def parse_java_version(output):
    """The version string in `java -version` output, e.g. "17.0.15" or "1.8.0_392"."""
    match = re.search(r'version "([^"]+)"', output)
    if match:
        return match.group(1)
    match = re.search(r"^\S+ (\d+(?:[.\d_+-]*\w*)?)", output.strip(), re.MULTILINE)
    return match.group(1) if match else None


def java_major(version):
    """"1.8.0_392" -> 8, "17.0.15" -> 17, "21" -> 21, junk -> None."""
    if not version:
        return None
    match = re.match(r"(\d+)(?:\.(\d+))?", version)
    if not match:
        return None
    first = int(match.group(1))
    if first == 1 and match.group(2) is not None:
        return int(match.group(2))
    return first


def java_requirement(pyspark_version):
    """(text, minimum major, newest tested major or None) for a pyspark version."""
    match = re.match(r"(\d+)", pyspark_version or "")
    if not match:
        return None, None, None
    major = int(match.group(1))
    if major >= 4:
        return "17 or 21", 17, 21
    if major == 3:
        return "8, 11 or 17", 8, 17
    if major == 2:
        return "8", 8, 8
    return None, None, None


def find_java():
    """(path or None, note). Spark's launcher uses $JAVA_HOME/bin/java when JAVA_HOME is set,
    otherwise `java` on PATH; do the same."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate, None
        return None, "JAVA_HOME is %s but %s does not exist" % (home, candidate)
    found = shutil.which("java")
    if found:
        return found, None
    return None, "no JAVA_HOME, no java on PATH"


def probe_java():
    path, note = find_java()
    info = {"path": path, "version": None, "major": None}
    if path is None:
        return info, note
    try:
        run = subprocess.run(
            [path, "-version"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=30,
        )
        output = (run.stderr + run.stdout).decode("utf-8", "replace")
        info["version"] = parse_java_version(output)
        info["major"] = java_major(info["version"])
        if info["version"] is None:
            note = "`%s -version` printed no version: %s" % (path, one_line(output))
    except Exception as exc:
        note = "running `%s -version` failed: %s" % (path, exc_summary(exc))
    return info, note


def import_pyspark():
    """(module or None, error text or None)."""
    try:
        import pyspark  # noqa: F401

        return pyspark, None
    except ImportError as exc:
        return None, exc_summary(exc)
    except Exception as exc:
        return None, exc_summary(exc)


def check_environment(always_probe_java=True):
    """Everything --check reports; `problem` is the first blocker (or None). Without
    `always_probe_java`, Java is not looked at for livy-tui's fake pyspark."""
    pyspark, pyspark_error = import_pyspark()
    pyspark_version = getattr(pyspark, "__version__", None) if pyspark is not None else None
    fake = pyspark is not None and getattr(pyspark, "_livy_tui_fake", False) is True
    if fake and not always_probe_java:
        java, java_note = {"path": None, "version": None, "major": None}, None
    else:
        java, java_note = probe_java()
    required, minimum, newest = java_requirement(pyspark_version)
    problem = None
    warning = None
    if pyspark is None:
        problem = {
            "reason": "no_pyspark",
            "message": "pyspark cannot be imported by %s (%s): install it with `%s -m pip install pyspark`"
            % (sys.executable, pyspark_error, sys.executable),
        }
    elif fake:
        pass  # the test stand-in needs no Java
    elif java["path"] is None:
        spark = "Spark %s" % pyspark_version if pyspark_version else "Spark"
        needs = "Java %s" % required if required else "Java"
        if os.environ.get("JAVA_HOME"):
            message = "Java was not found (%s); %s needs %s: point JAVA_HOME at a Java %s installation or unset it" % (
                java_note,
                spark,
                needs,
                required or "",
            )
        else:
            message = (
                "Java was not found (no JAVA_HOME, no java on PATH); %s needs %s: install one "
                "(e.g. apt install openjdk-17-jre-headless) or set JAVA_HOME" % (spark, needs)
            )
        problem = {"reason": "no_java", "message": message}
    elif java["major"] is not None and minimum is not None and java["major"] < minimum:
        problem = {
            "reason": "java_version",
            "message": "Java %s at %s is too old; Spark %s needs Java %s: install one "
            "(e.g. apt install openjdk-17-jre-headless) and set JAVA_HOME to it"
            % (java["version"], java["path"], pyspark_version, required),
        }
    elif java["major"] is not None and newest is not None and java["major"] > newest:
        warning = "Java %s is newer than what Spark %s supports (Java %s); trying anyway" % (
            java["version"],
            pyspark_version,
            required,
        )
    elif java["path"] is not None and java["major"] is None:
        warning = "could not tell the Java version (%s); trying anyway" % java_note
    try:
        import importlib.util

        matplotlib = importlib.util.find_spec("matplotlib") is not None
    except Exception:
        matplotlib = False
    scala, spark_submit = spark_parts(pyspark) if pyspark is not None else (False, False)
    return {
        "python": platform.python_version(),
        "executable": sys.executable,
        "pyspark": pyspark_version,
        "pyspark_error": pyspark_error,
        "java": java,
        "java_required": required,
        "problem": problem,
        "matplotlib": matplotlib,
        "scala": scala,
        "spark_submit": spark_submit,
        "_warning": warning,
        "_module": pyspark,
    }


def spark_parts(pyspark):
    """(Scala REPL there, spark-submit there) in the Spark that pyspark runs: $SPARK_HOME
    when set, as pyspark itself does, else the package's own directory."""
    try:
        home = os.environ.get("SPARK_HOME") or os.path.dirname(os.path.abspath(pyspark.__file__))
        jars = os.listdir(os.path.join(home, "jars")) if os.path.isdir(os.path.join(home, "jars")) else []
        scala = any(j.startswith("scala-compiler-") for j in jars) and any(j.startswith("spark-repl_") for j in jars)
        return scala, os.path.isfile(os.path.join(home, "bin", "spark-submit"))
    except Exception:
        return False, False


def run_check():
    report = check_environment()
    report.pop("_module", None)
    report.pop("_warning", None)
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    return 0


# ----------------------------------------------------------------------------------------
# fds 1 and 2 (the JVM's, native code's and children's output) -> the session log
# ----------------------------------------------------------------------------------------


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class StderrTee(object):
    """fds 1 and 2 become one pipe; a thread copies it to the real stderr (the session log)
    and, while asked to, keeps a copy, so a JVM that dies at start can be quoted."""

    LIMIT = 1 << 20

    def __init__(self, real_fd):
        self.real_fd = real_fd
        self.read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self.lock = threading.Lock()
        self.recording = None
        threading.Thread(target=self.pump, name="livy-tui-stderr", daemon=True).start()

    def pump(self):
        broken = False
        while True:
            try:
                chunk = os.read(self.read_fd, 65536)
            except InterruptedError:
                continue
            except OSError:
                return
            if not chunk:
                return
            try:
                with self.lock:
                    if self.recording is not None and len(self.recording) < self.LIMIT:
                        self.recording += chunk
                if not broken:
                    _write_all(self.real_fd, chunk)
            except OSError:
                broken = True  # nobody reads the log any more: keep draining the pipe
            except Exception:
                pass

    def bypass(self):
        """From now on fds 1 and 2 of this process (and of what it starts later) write to the
        real stderr directly: a crash's last words must not wait in the pipe for a thread
        that dies with the process. The JVM keeps the pipe it was started with."""
        try:
            os.dup2(self.real_fd, 1)
            os.dup2(self.real_fd, 2)
        except OSError as exc:
            log("stderr stays on the pipe (%s)" % exc_summary(exc))

    def start_recording(self):
        with self.lock:
            self.recording = bytearray()

    def stop_recording(self):
        self.settle(0.5)
        with self.lock:
            data = bytes(self.recording or b"")
            self.recording = None
        return data.decode("utf-8", "replace")

    def settle(self, timeout):
        """Wait (at most `timeout`) until what is in the pipe has been copied."""
        import select

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([self.read_fd], [], [], 0)
            except (OSError, ValueError):
                return
            if not readable:
                time.sleep(0.02)
                return
            time.sleep(0.01)


_LOG_NOISE = (
    "WARNING:",
    "Using Spark's default log4j",
    "Setting default log level",
    "To adjust logging level",
    "livy-tui driver:",
    "at ",
    "...",
    "{",
)


def jvm_failure(text):
    """The line of a JVM's start-up output that says why it failed (or None)."""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(_LOG_NOISE):
            continue
        if re.match(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d (WARN|INFO|DEBUG|TRACE) ", line):
            continue
        return re.sub(r'^Exception in thread "[^"]*" ', "", line)
    return None


# ----------------------------------------------------------------------------------------
# Captured stdout / stderr of user code
# ----------------------------------------------------------------------------------------


class _CaptureBuffer(object):
    """`sys.stdout.buffer` of a capture: bytes written here are decoded as UTF-8."""

    def __init__(self, owner):
        self._owner = owner

    def write(self, data):
        return self._owner._write_bytes(data)

    def flush(self):
        pass

    def writable(self):
        return True

    def isatty(self):
        return False

    def close(self):
        pass

    @property
    def closed(self):
        return False


class Capture(io.TextIOBase):
    """A text stream that keeps what is written until `take()`; str or bytes accepted."""

    def __init__(self, name):
        super().__init__()
        self._name = name
        self._parts = []
        self._lock = threading.Lock()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._buffer = _CaptureBuffer(self)

    @property
    def name(self):
        return self._name

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "replace"

    @property
    def buffer(self):
        return self._buffer

    @property
    def closed(self):
        return False

    def close(self):
        pass

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False

    def isatty(self):
        return False

    def flush(self):
        pass

    def write(self, text):
        if isinstance(text, (bytes, bytearray, memoryview)):
            return self._write_bytes(text)
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        with self._lock:
            self._parts.append(text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def _write_bytes(self, data):
        data = bytes(data)
        with self._lock:
            self._parts.append(self._decoder.decode(data))
        return len(data)

    def take(self):
        with self._lock:
            self._parts.append(self._decoder.decode(b"", final=True))
            text = "".join(self._parts)
            self._parts = []
        return text


# ----------------------------------------------------------------------------------------
# Value conversions (magics and SQL)
# ----------------------------------------------------------------------------------------


class MagicError(Exception):
    """An error a magic reports as `ename: evalue` without a Python traceback."""

    def __init__(self, ename, evalue):
        super().__init__(evalue)
        self.ename = ename
        self.evalue = evalue


def _is_row(value):
    return isinstance(value, tuple) and callable(getattr(value, "asDict", None))


def _numpy_item(value):
    """A numpy scalar as the Python value (None when `value` is not one)."""
    module = type(value).__module__ or ""
    if module.startswith("numpy") and callable(getattr(value, "item", None)):
        try:
            return True, value.item()
        except Exception:
            return False, None
    return False, None


def _is_pyspark_collection(value):
    """A pyspark DataFrame or RDD (something with `.take(n)` from pyspark, not pandas-on-Spark)."""
    module = type(value).__module__ or ""
    return (
        module.startswith("pyspark")
        and not module.startswith("pyspark.pandas")
        and callable(getattr(value, "take", None))
    )


def _is_pandas_frame(value):
    """A pandas or pandas-on-Spark DataFrame."""
    module = type(value).__module__ or ""
    return module.startswith(("pandas", "pyspark.pandas")) and callable(getattr(value, "head", None))


def table_cell(value):
    """(Livy table type, JSON value) of one cell."""
    is_np, item = _numpy_item(value)
    if is_np:
        value = item
    if value is None:
        return "NULL_TYPE", None
    if isinstance(value, bool):
        return "BOOLEAN_TYPE", value
    if isinstance(value, int):
        return "INT_TYPE", int(value)
    if isinstance(value, float):
        return "DOUBLE_TYPE", value if math.isfinite(value) else None
    if isinstance(value, str):
        return "STRING_TYPE", value
    if isinstance(value, datetime.datetime):
        return "TIMESTAMP_TYPE", str(value)
    if isinstance(value, datetime.date):
        return "DATE_TYPE", str(value)
    if isinstance(value, decimal.Decimal):
        return "DECIMAL_TYPE", str(value)
    if _is_row(value) or isinstance(value, dict):
        return "MAP_TYPE", to_json_value(value, None, strict=False)
    if isinstance(value, (list, tuple)):
        return "ARRAY_TYPE", to_json_value(value, None, strict=False)
    return "STRING_TYPE", safe_str(value)


def _column_sort_key(key):
    if isinstance(key, int) and not isinstance(key, bool):
        return (0, key, "")
    return (1, 0, safe_str(key))


def build_table(rows):
    """Livy's table JSON of a list of rows (dicts, lists/tuples, Rows or scalars)."""
    columns = {}  # name -> [sort key, type]
    parsed = []
    for row in rows:
        if _is_row(row):
            row = row.asDict()
        if isinstance(row, dict):
            items = list(row.items())
        elif isinstance(row, (list, tuple)):
            items = list(enumerate(row))
        else:
            items = [(0, row)]
        cells = {}
        for key, value in items:
            name = key if isinstance(key, str) else safe_str(key)
            kind, converted = table_cell(value)
            column = columns.get(name)
            if column is None:
                columns[name] = [_column_sort_key(key), kind]
            elif kind != "NULL_TYPE":
                if column[1] == "NULL_TYPE":
                    column[1] = kind
                elif column[1] != kind:
                    raise MagicError("TypeError", "table rows have different types")
            cells[name] = converted
        parsed.append(cells)
    names = sorted(columns, key=lambda n: columns[n][0])
    headers = [{"name": n, "type": columns[n][1]} for n in names]
    data = [[cells.get(n) for n in names] for cells in parsed]
    return {"headers": headers, "data": data}


def to_json_value(value, take_rows, strict=True):
    """`value` as JSON: Rows as objects, dates, times and decimals as str(), NaN as null.
    For %json (`strict`), other objects raise MagicError("TypeError", ...) and Spark
    collections are taken with `take_rows`; inside a %table cell they become str()."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime.date, datetime.time, decimal.Decimal)):
        return str(value)
    if _is_row(value):
        return to_json_value(value.asDict(), take_rows, strict)
    if isinstance(value, dict):
        return {k if isinstance(k, str) else safe_str(k): to_json_value(v, take_rows, strict) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v, take_rows, strict) for v in value]
    is_np, item = _numpy_item(value)
    if is_np:
        return to_json_value(item, take_rows, strict)
    if callable(getattr(value, "tolist", None)) and (type(value).__module__ or "").startswith("numpy"):
        return to_json_value(value.tolist(), take_rows, strict)
    if take_rows is not None and _is_pyspark_collection(value):
        rows, _ = take_rows(value)
        return [to_json_value(r, take_rows, strict) for r in rows]
    if not strict:
        return safe_str(value)
    raise MagicError("TypeError", "Object of type %s is not JSON serializable" % type(value).__name__)


_UTC = datetime.timezone.utc


def format_timestamp(value, ntz=False):
    """A datetime as `YYYY-MM-DDTHH:MM:SS[.fff]Z` in UTC (naive = local time, as pyspark
    returns TIMESTAMP values); TIMESTAMP_NTZ values keep their wall clock and get no `Z`."""
    if not ntz:
        try:
            value = value.astimezone(_UTC)
        except (OverflowError, OSError, ValueError):
            pass
    text = "%04d-%02d-%02dT%02d:%02d:%02d" % (
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
    )
    millis = value.microsecond // 1000
    if millis:
        text += ".%03d" % millis
    return text if ntz else text + "Z"


def sql_decimal(value):
    if not value.is_finite():
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


def sql_value(value, data_type=None):
    """One SQL result value as Livy's SQL interpreter renders it (guided by the Spark type)."""
    if value is None:
        return None
    if isinstance(data_type, dict):
        kind = data_type.get("type")
        if kind == "array" and isinstance(value, (list, tuple)):
            element = data_type.get("elementType")
            return [sql_value(v, element) for v in value]
        if kind == "map" and isinstance(value, dict):
            element = data_type.get("valueType")
            return {sql_map_key(k): sql_value(v, element) for k, v in value.items()}
        if kind == "struct":
            fields = data_type.get("fields") or []
            if isinstance(value, dict):
                return {f.get("name"): sql_value(value.get(f.get("name")), f.get("type")) for f in fields}
            if isinstance(value, tuple) and len(value) == len(fields):
                return {f.get("name"): sql_value(v, f.get("type")) for f, v in zip(fields, value)}
    if data_type == "timestamp_ntz" and isinstance(value, datetime.datetime):
        return format_timestamp(value, ntz=True)
    return value_generic(value)


def sql_map_key(key):
    if isinstance(key, str):
        return key
    converted = value_generic(key)
    return converted if isinstance(converted, str) else safe_str(converted if converted is not None else key)


def value_generic(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return sql_decimal(value)
    if isinstance(value, datetime.datetime):
        return format_timestamp(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if _is_row(value):
        return {str(k): value_generic(v) for k, v in value.asDict().items()}
    if isinstance(value, dict):
        return {sql_map_key(k): value_generic(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [value_generic(v) for v in value]
    is_np, item = _numpy_item(value)
    if is_np:
        return value_generic(item)
    return safe_str(value)


def sanitize_json(value):
    """Replace NaN/inf floats (not JSON) by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: sanitize_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitize_json(v) for v in value]
    return value


def schema_json(df):
    """The DataFrame schema with Livy's key order (type, fields; name, type, nullable, metadata)."""
    schema = df.schema
    try:
        raw = schema.jsonValue()
    except Exception:
        raw = json.loads(schema.json())
    fields = []
    for field in raw.get("fields") or []:
        fields.append(
            {
                "name": field.get("name"),
                "type": field.get("type"),
                "nullable": field.get("nullable", True),
                "metadata": field.get("metadata", {}),
            }
        )
    return {"type": "struct", "fields": fields}


def sql_error_output(exc):
    """Livy's SQL interpreter error shape: ename "Error", the message's first line, more lines."""
    text = safe_str(exc)
    if type(exc).__name__ == "Py4JJavaError":
        lines = text.split("\n")
        if lines and lines[0].startswith("An error occurred while calling"):
            lines = lines[1:]
        if lines and lines[0].startswith(": "):
            lines[0] = lines[0][2:]
        lines = [l[4:] if l.startswith("\tat ") else l for l in lines]
    else:
        lines = text.split("\n")
    lines = [l.rstrip("\r") for l in lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if lines:
        evalue = lines[0]
        rest = lines[1:]
    else:
        evalue = ""
        rest = []
        get_message = getattr(exc, "getMessage", None)
        if callable(get_message):
            try:
                evalue = one_line(get_message())
            except Exception:
                pass
        if not evalue:
            evalue = type(exc).__name__
    return {"status": "error", "ename": "Error", "evalue": evalue, "traceback": rest[:SQL_TRACEBACK_LINES]}


# ----------------------------------------------------------------------------------------
# Code nodes (plain Python chunks and magic lines)
# ----------------------------------------------------------------------------------------


class CodeNode(object):
    def __init__(self, tree):
        body = tree.body
        self.exec_code = None
        self.single_code = None
        if len(body) > 1:
            module = ast.Module(body=body[:-1], type_ignores=[])
            self.exec_code = compile(module, "<stdin>", "exec", dont_inherit=True)
        if body:
            interactive = ast.Interactive(body=body[-1:])
            self.single_code = compile(interactive, "<stdin>", "single", dont_inherit=True)


class MagicNode(object):
    def __init__(self, line):
        self.line = line


def parse_code(code):
    """The nodes to run for `code`; raises SyntaxError when it cannot be compiled."""
    try:
        tree = ast.parse(code, filename="<stdin>", mode="exec")
    except SyntaxError as whole_error:
        nodes = []
        chunk = []
        chunk_start = 0
        has_magic = False
        lines = code.split("\n")

        def flush():
            if chunk:
                text = "\n" * chunk_start + "\n".join(chunk)
                tree = ast.parse(text, filename="<stdin>", mode="exec")
                # Blank lines or comments after a magic must not replace its result.
                if tree.body:
                    nodes.append(CodeNode(tree))
                del chunk[:]

        for number, line in enumerate(lines):
            if line.startswith("%"):
                has_magic = True
                flush()
                nodes.append(MagicNode(line))
            else:
                if not chunk:
                    chunk_start = number
                chunk.append(line)
        if not has_magic:
            raise whole_error
        flush()
        return nodes
    return [CodeNode(tree)]


_COMPLETED_TEXT = re.compile(r"[\w.]*$")


def _rlcompleter():
    """The rlcompleter module, imported without readline: it would hook itself into a
    readline this process has no use for."""
    if "rlcompleter" in sys.modules or "readline" in sys.modules:
        import rlcompleter
    else:
        sys.modules["readline"] = None
        try:
            import rlcompleter
        finally:
            del sys.modules["readline"]
    return rlcompleter


def completions(namespace, code, cursor):
    """The completions of the dotted name that ends at `cursor` (characters into `code`), the
    way a Python REPL completes (rlcompleter, over the session's globals): whole paths, a `(`
    after a callable, e.g. `spark.range(` for `spark.ran`."""
    if namespace is None or not isinstance(code, str):
        return []
    if isinstance(cursor, bool) or not isinstance(cursor, int) or not 0 <= cursor <= len(code):
        cursor = len(code)
    text = _COMPLETED_TEXT.search(code[:cursor]).group(0)
    if not text.strip("."):
        return []
    # a copy: a statement running meanwhile may bind names
    completer = _rlcompleter().Completer(dict(namespace))
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for state in range(COMPLETION_LIMIT):
            match = completer.complete(text, state)
            if match is None:
                break
            if match not in found:
                found.append(match)
    return found


# ----------------------------------------------------------------------------------------
# Scala statements (kind spark): Scala's own REPL in the driver's JVM
# ----------------------------------------------------------------------------------------

# Where the Python side leaves the objects the Scala side picks up while it boots.
SCALA_BOX_PROPERTY = "livy-tui.scala-repl"
# How long a cancelled Scala statement may take to react to an interrupt before its thread
# is stopped (code that never waits, e.g. `while (true) {}`, ignores interrupts).
SCALA_STOP_GRACE_S = 1.0
# How long a completion waits for a running Scala statement before answering none.
SCALA_COMPLETION_WAIT_S = 1.0
SCALA_MAGIC = re.compile(r"%(\w+)\W*(.*)")
SCALA_COMPILER_CLASS = "scala.tools.nsc.interpreter.IMain"

# Compiled by the interpreter itself when it boots (this machine may have no Java compiler,
# and a prebuilt jar would be one more thing to install): runs a line with what it prints
# captured, remembers the thread running it so a cancel can interrupt it, and hands the
# magics and the completer what they need. Its values are @transient so closures that
# capture a line never try to ship the interpreter to a task.
SCALA_HELPER = r"""
class LivyTuiRepl(intp: scala.tools.nsc.interpreter.IMain, replBuffer: java.io.ByteArrayOutputStream) {
  private val userBuffer = new java.io.ByteArrayOutputStream()
  private val userOut = new java.io.PrintStream(userBuffer, true, "UTF-8")
  @volatile private var running: Thread = null

  def run(code: String): Array[String] = {
    running = Thread.currentThread()
    val status = try {
      scala.Console.withOut(userOut) { scala.Console.withErr(userOut) { intp.interpret(code).toString } }
    } catch {
      case _: ThreadDeath => "Stopped"
    } finally {
      running = null
      Thread.interrupted()
    }
    intp.reporter.flush()
    Array(status, take(userBuffer), take(replBuffer))
  }

  private def take(buffer: java.io.ByteArrayOutputStream): String = buffer.synchronized {
    val text = buffer.toString("UTF-8")
    buffer.reset()
    text
  }

  def interrupt(): Boolean = { val thread = running; if (thread != null) thread.interrupt(); thread != null }

  @annotation.nowarn
  def stop(): String = {
    val thread = running
    if (thread == null) "idle"
    else try { thread.stop(); "stopped" } catch { case _: UnsupportedOperationException => "unsupported" }
  }

  def json(name: String, rows: Int): String = {
    val value = intp.valueOfTerm(name) match {
      case None => return null
      case Some(rdd: org.apache.spark.rdd.RDD[_]) => return "C" + write(rdd.take(rows).toList)
      case Some(ds: org.apache.spark.sql.Dataset[_]) => return "C" + ds.toJSON.take(rows).mkString("[", ",", "]")
      case Some(other) => other
    }
    "V" + write(value)
  }

  private def write(value: Any): String =
    org.json4s.jackson.JsonMethods.compact(org.json4s.Extraction.decompose(value)(org.json4s.DefaultFormats))

  def complete(code: String, cursor: Int): Array[String] =
    new scala.tools.nsc.interpreter.shell.ReplCompletion(intp).complete(code, cursor).candidates.map(_.name).distinct.toArray
}
"""

# What every Scala session starts with, as in Livy's Scala interpreter: `spark`, `sc` and
# the usual imports. Only definitions: the first value a user computes is `res0`.
SCALA_BOOT = r"""
@transient val livyTuiBox = System.getProperties.get("%(box)s").asInstanceOf[java.util.Map[String, AnyRef]]
@transient val livyTuiRepl = new LivyTuiRepl(livyTuiBox.get("intp").asInstanceOf[scala.tools.nsc.interpreter.IMain], livyTuiBox.get("buffer").asInstanceOf[java.io.ByteArrayOutputStream])
@transient val spark = livyTuiBox.get("spark").asInstanceOf[%(session)s]
@transient val sc = spark.sparkContext
import org.apache.spark.SparkContext._
import spark.implicits._
import spark.sql
import org.apache.spark.sql.functions._
"""


class ScalaUnavailable(Exception):
    """Scala cannot run in this session; the message is one line for the user."""


class ScalaRepl(object):
    """Scala 2.13's interpreter (IMain) in the JVM of the session's SparkSession, reached
    through py4j: class-based wrappers writing their classes where Spark's executors load
    REPL classes from (`spark.repl.class.outputDir`), so closures and case classes work in
    tasks. A line runs on the JVM thread py4j pins to the calling Python thread, so the job
    group set from Python applies to the Scala line's jobs too."""

    def __init__(self, helper):
        self.helper = helper

    @classmethod
    def start(cls, spark, outdir):
        jvm = getattr(spark, "_jvm", None)
        if jvm is None:
            raise ScalaUnavailable("Scala needs the JVM of a real pyspark, and this pyspark has none")
        try:
            jvm.java.lang.Class.forName(SCALA_COMPILER_CLASS)
        except Exception:
            raise ScalaUnavailable(
                "Scala statements need the Scala compiler (scala-compiler-*.jar in pyspark's jars), "
                "which this pyspark install lacks: reinstall pyspark (livy-tui local-setup)"
            )
        settings = jvm.scala.tools.nsc.Settings()
        # Deprecation notes would follow every `sc.parallelize(...).sum`, which Livy's REPL
        # never showed.
        settings.processArgumentString(
            "-Yrepl-class-based -usejavacp -Wconf:cat=deprecation:s -Yrepl-outdir " + outdir
        )
        buffer = jvm.java.io.ByteArrayOutputStream()
        writer = jvm.java.io.PrintWriter(jvm.java.io.OutputStreamWriter(buffer, "UTF-8"), True)
        reporter = jvm.scala.tools.nsc.interpreter.shell.ReplReporterImpl(settings, writer)
        intp = jvm.scala.tools.nsc.interpreter.IMain(settings, reporter)
        box = jvm.java.util.concurrent.ConcurrentHashMap()
        box.put("intp", intp)
        box.put("buffer", buffer)
        box.put("spark", spark._jsparkSession)
        properties = jvm.java.lang.System.getProperties()
        properties.put(SCALA_BOX_PROPERTY, box)
        try:
            source = SCALA_HELPER + SCALA_BOOT % {
                "box": SCALA_BOX_PROPERTY,
                "session": spark._jsparkSession.getClass().getName(),
            }
            status = intp.interpret(source).toString()
            writer.flush()
            said = buffer.toString("UTF-8")
            buffer.reset()
        finally:
            properties.remove(SCALA_BOX_PROPERTY)
        if status != "Success":
            log("the Scala interpreter did not boot (%s):\n%s" % (status, said))
            raise ScalaUnavailable("the Scala interpreter could not start: %s" % one_line(said or status))
        helper = intp.valueOfTerm("livyTuiRepl").get()
        return cls(helper)

    def run(self, code):
        """(status, what the code printed, what the interpreter printed) of one line."""
        answer = self.helper.run(code)
        return answer[0], answer[1], answer[2]

    def json(self, name, rows):
        """(is a Spark collection, JSON value) of the term `name`, None when there is none."""
        text = self.helper.json(name, rows)
        if text is None:
            return None
        return text[0] == "C", json.loads(text[1:])

    def complete(self, code, cursor):
        # The interpreter counts UTF-16 units; the protocol counts characters.
        units = len(code[:cursor].encode("utf-16-le")) // 2
        return [str(c) for c in self.helper.complete(code, units)]

    def interrupt(self):
        return bool(self.helper.interrupt())

    def stop(self):
        return str(self.helper.stop())


def scala_def_livy(rest):
    """`sq(i: Int): Int` (2.13's echo of a def, after `def `) as Livy showed it: `sq: (i: Int)Int`."""
    match = re.match(r"([^\s(\[:]+)", rest)
    if not match:
        return None
    name, position, groups = match.group(1), match.end(), ""
    while position < len(rest) and rest[position] in "([":
        depth, start = 0, position
        while position < len(rest):
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(rest[position], 0)
            position += 1
            if depth == 0:
                break
        groups += rest[start:position]
    if not rest.startswith(": ", position):
        return None
    return "%s: %s%s" % (name, groups, rest[position + 2 :])


def scala_echo_line(line):
    """One line of the interpreter's echo in Livy's (Scala 2.11/2.12) words."""
    lazy = re.match(r"lazy val (.+?) // unevaluated$", line)
    if lazy:
        return lazy.group(1) + " = <lazy>"
    for prefix in ("val ", "var "):
        if line.startswith(prefix):
            return line[len(prefix) :]
    if line.startswith("def "):
        return scala_def_livy(line[4:]) or line
    definition = re.match(r"(class|trait|object|type) (\S+)$", line)
    if definition:
        what = "type alias" if definition.group(1) == "type" else definition.group(1)
        return "defined %s %s" % (what, definition.group(2))
    return line


def scala_echo_livy(text):
    """The interpreter's echo (Scala 2.13: `val res0: Int = 2`) as Livy showed it
    (`res0: Int = 2`), so output reads, and parses, as from a Livy server."""
    return "".join(scala_echo_line(line[:-1]) + "\n" if line.endswith("\n") else scala_echo_line(line)
                   for line in text.splitlines(True))


_CARET_LINE = re.compile(r"^\s*\^\s*$")
_ERROR_LINE = re.compile(r"^(?:On line (\d+): |\s*)(error|warning): (.*)$")
_REPL_INDENT = "       "


def scala_compile_error(text, code, first_line):
    """(evalue, traceback) of 2.13's compile report in Livy's shape: `<console>:N: error: …`,
    then the message's other lines, the code line and the caret. `code` is the chunk that
    was compiled, from line `first_line` of the statement on; None when `text` reports no
    error."""
    lines = text.splitlines()
    code_lines = code.split("\n")
    # A report is [code line,] caret line, `error: …` (or `On line N: error: …`), and the
    # message's other lines indented like the caret; the code line is shown for lines > 1.
    starts = {}
    for index, line in enumerate(lines):
        message = _ERROR_LINE.match(line)
        if message and index > 0 and _CARET_LINE.match(lines[index - 1]):
            first = index - 2 if message.group(1) and index >= 2 else index - 1
            starts[first] = (index, message)
    blocks, loose, index = [], [], 0
    while index < len(lines):
        if index not in starts:
            loose.append(lines[index] + "\n")
            index += 1
            continue
        at, message = starts[index]
        number = int(message.group(1) or 1)
        shown = lines[index] if at - index == 2 else _REPL_INDENT + code_lines[min(number, len(code_lines)) - 1]
        caret = lines[at - 1]
        header = "<console>:%d: %s: %s" % (first_line + number - 1, message.group(2), message.group(3))
        rest = []
        index = at + 1
        while index < len(lines) and index not in starts and lines[index].startswith(_REPL_INDENT):
            rest.append(lines[index][len(_REPL_INDENT) :] + "\n")
            index += 1
        blocks.append((message.group(2), header, rest + [shown + "\n", caret + "\n"]))
    errors = [block for block in blocks if block[0] == "error"]
    if not errors:
        return None
    first = errors[0]
    traceback_lines = list(first[2])
    for block in blocks:
        if block is not first:
            traceback_lines.append(block[1] + "\n")
            traceback_lines.extend(block[2])
    return first[1], traceback_lines + loose


def scala_runtime_error(text, printed):
    """(evalue, traceback) of an exception the interpreter reported, as Livy: its first line,
    then the rest (what the code printed before comes first in the traceback)."""
    lines = text.splitlines(True)
    evalue = lines[0].strip() if lines else "unknown error"
    return evalue, printed.splitlines(True) + lines[1:]


def scala_merge(previous, current):
    """Livy's way of joining the results of a statement's lines: text is concatenated, any
    other result (a magic's) replaces what came before."""
    if "text/plain" in previous and "text/plain" in current and len(current) == 1 and len(previous) == 1:
        before, now = previous["text/plain"], current["text/plain"]
        if before or now:
            return {"text/plain": before + now}
    return current


def scala_table_type(value):
    """Livy's table type of a JSON value (TypeError-like None when an array or object mixes
    types)."""
    if value is None:
        return "NULL_TYPE"
    if isinstance(value, bool):
        return "BOOLEAN_TYPE"
    if isinstance(value, str):
        return "STRING_TYPE"
    if isinstance(value, int):
        return "BIGINT_TYPE"
    if isinstance(value, float):
        return "DOUBLE_TYPE"
    items = value if isinstance(value, list) else list(value.values())
    kinds = set(scala_table_type(v) for v in items)
    if None in kinds or len(kinds) > 1:
        return None
    return "ARRAY_TYPE" if isinstance(value, list) else "MAP_TYPE"


def scala_table(value):
    """Livy's `%table` of a JSON value (a list of rows: lists, objects or scalars); raises
    MagicError when rows disagree on a column's type (nulls fit any type)."""
    rows = value if isinstance(value, list) else [value]
    headers = {}
    parsed = []
    for row in rows:
        if isinstance(row, list):
            cells = [(str(i), v) for i, v in enumerate(row)]
        elif isinstance(row, dict):
            cells = sorted(row.items())
        else:
            cells = [("0", row)]
        for name, cell in cells:
            kind = scala_table_type(cell)
            known = headers.get(name)
            if kind is None or (known not in (None, "NULL_TYPE", kind) and kind != "NULL_TYPE"):
                raise MagicError("TypeError", "table rows have different types")
            if known is None or known == "NULL_TYPE":
                headers[name] = kind
        parsed.append(dict(cells))
    numeric = all(name.isdigit() for name in headers)
    names = sorted(headers, key=(lambda n: int(n)) if numeric else None)
    return {
        "headers": [{"type": headers[n], "name": n} for n in names],
        "data": [[cells.get(n) for n in names] for cells in parsed],
    }


# ----------------------------------------------------------------------------------------
# The driver
# ----------------------------------------------------------------------------------------


class Driver(object):
    def __init__(self):
        self.lock = threading.RLock()
        self.proto = None
        self.tee = None
        self.stdin = None
        self.queue = queue.Queue()
        self.main_ident = threading.main_thread().ident
        self.spark = None
        self.sc = None
        self.tracker = None
        self.sql_rows = DEFAULT_SQL_ROWS
        self.namespace = None
        self.out = Capture("<stdout>")
        self.err = Capture("<stderr>")
        # statement state (guarded by self.lock)
        self.running_id = None
        self.serial = 0
        self.in_user = False
        self.cancel_requested = False
        self.last_progress = None
        self.stopping = False
        self.broken_pipe = False
        self.started = threading.Event()  # set once ready was sent
        self.cancelled_groups = {}  # job group -> watch for late jobs until (monotonic)
        # Scala (kind spark): the interpreter, made on first use (or at start in a spark
        # session); `scala_lock` keeps its lines and completions one at a time.
        self.kind = "pyspark"
        self.repl_dir = None  # the class directory once made here; removed at exit
        self.scala_outdir = None
        self.scala_outdir_ours = False
        self.scala = None
        self.scala_failure = None
        self.scala_start_lock = threading.Lock()
        self.scala_lock = threading.Lock()
        self.in_scala = False  # the main thread waits for a Scala line (guarded by self.lock)
        self.scala_stopped = False  # the running line's thread was stopped by a cancel
        self.jvm_gone = False  # a Scala line ended the JVM (sys.exit)

    # -- protocol channel ----------------------------------------------------------------

    def setup_fds(self):
        global _diag_stream
        proto_fd = os.dup(1)
        self.proto = os.fdopen(proto_fd, "w", buffering=1, encoding="utf-8", errors="replace", newline="\n")
        # fds 1 and 2 of everything we start (the JVM, Python workers, user subprocesses)
        # reach the session log through a pipe we copy; our own lines go there directly.
        real_err = os.dup(2)
        _diag_stream = os.fdopen(real_err, "w", buffering=1, encoding="utf-8", errors="replace")
        try:
            self.tee = StderrTee(real_err)
        except OSError as exc:
            self.tee = None
            log("no stderr pipe (%s); fd 1 goes straight to stderr" % exc_summary(exc))
            os.dup2(2, 1)
        # Keep the protocol input private too: children (user subprocesses, native code) must
        # not read our messages, so fd 0 becomes /dev/null and we read from a private copy.
        in_fd = os.dup(0)
        try:
            null_fd = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null_fd, 0)
            os.close(null_fd)
        except OSError:
            pass
        self.stdin = os.fdopen(in_fd, "rb", buffering=0)
        self.stdin = io.BufferedReader(self.stdin)
        sys.stdin = io.StringIO()

    def send(self, message):
        try:
            data = json.dumps(message, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except ValueError:
            data = json.dumps(sanitize_json(message), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        with self.lock:
            if self.broken_pipe:
                return
            try:
                self.proto.write(data + "\n")
                self.proto.flush()
            except (OSError, ValueError) as exc:
                self.broken_pipe = True
                log("cannot write to the protocol channel (%s); waiting for stdin to close" % exc_summary(exc))

    def fatal(self, reason, message):
        message = one_line(message, limit=2000) or reason
        log("fatal (%s): %s" % (reason, message))
        self.send({"type": "fatal", "reason": reason, "message": message, "python": sys.executable})
        self.exit(3)

    def exit(self, code):
        try:
            self.lock.acquire(timeout=2.0)
        except Exception:
            pass
        for stream in (self.proto, sys.__stdout__, sys.__stderr__, _diag_stream):
            try:
                if stream is not None:
                    stream.flush()
            except Exception:
                pass
        if self.tee is not None:
            self.tee.settle(0.3)
        if self.repl_dir is not None:
            shutil.rmtree(self.repl_dir, ignore_errors=True)
        os._exit(code)

    # -- start -----------------------------------------------------------------------------

    def read_start(self):
        while True:
            line = self.stdin.readline()
            if not line:
                log("stdin closed before the start message")
                self.exit(0)
            line = line.strip()
            if line:
                break
        try:
            start = json.loads(line.decode("utf-8", "replace"))
        except ValueError as exc:
            self.fatal("protocol", "the first message is not JSON: %s" % exc)
        if not isinstance(start, dict) or start.get("type") != "start":
            self.fatal("protocol", "the first message must be {\"type\":\"start\",...}")
        return start

    def session_conf(self, start):
        def text(value):
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)

        conf = {}
        for key, value in (start.get("conf") or {}).items():
            if value is not None:
                conf[str(key)] = text(value)
        if start.get("driver_memory") not in (None, ""):
            conf["spark.driver.memory"] = text(start["driver_memory"])
        if start.get("driver_cores") not in (None, ""):
            conf["spark.driver.cores"] = text(start["driver_cores"])
        for field, key in (
            ("jars", "spark.jars"),
            ("py_files", "spark.submit.pyFiles"),
            ("files", "spark.files"),
            ("archives", "spark.archives"),
        ):
            items = [text(v) for v in (start.get(field) or []) if v not in (None, "")]
            if items:
                existing = conf.get(key)
                conf[key] = ",".join(([existing] if existing else []) + items)
        conf.setdefault("spark.ui.showConsoleProgress", "false")
        self.scala_outdir = conf.get("spark.repl.class.outputDir")
        if self.scala_outdir is None:
            # Where Scala lines' classes go, and where Spark's executors load them from, so
            # closures run in tasks. Spark reads it only when it starts, so every session names
            # one; it is made when Scala is first used (a session killed before leaves nothing).
            import secrets
            import tempfile

            name = "livy-tui-repl-%d-%s" % (os.getpid(), secrets.token_hex(8))
            self.scala_outdir = os.path.join(tempfile.gettempdir(), name)
            self.scala_outdir_ours = True
            conf["spark.repl.class.outputDir"] = self.scala_outdir
        master = conf.pop("spark.master", None) or "local[*]"
        return master, conf

    def start_spark(self, start):
        from pyspark.sql import SparkSession

        app_name = str(start.get("app_name") or "livy-tui")
        master, conf = self.session_conf(start)
        builder = SparkSession.builder.master(master).appName(app_name)
        for key, value in conf.items():
            builder = builder.config(key, value)
        log("starting Spark: master %s, app %s" % (master, app_name))
        return builder.getOrCreate()

    def run(self):
        self.setup_fds()
        os.environ.setdefault("MPLBACKEND", "Agg")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        signal.signal(signal.SIGINT, self.on_sigint)
        start = self.read_start()
        self.kind = str(start.get("kind") or "pyspark")
        try:
            rows = int(start.get("sql_rows") or DEFAULT_SQL_ROWS)
            self.sql_rows = rows if rows > 0 else DEFAULT_SQL_ROWS
        except (TypeError, ValueError):
            self.sql_rows = DEFAULT_SQL_ROWS
        threading.Thread(target=self.reader_loop, name="livy-tui-reader", daemon=True).start()

        report = check_environment(always_probe_java=False)
        if report["problem"] is not None:
            self.fatal(report["problem"]["reason"], report["problem"]["message"])
        if report["_warning"]:
            log(report["_warning"])
        pyspark = report["_module"]
        log(
            "python %s (%s), pyspark %s, java %s"
            % (report["python"], sys.executable, report["pyspark"], report["java"]["version"])
        )

        if self.tee is not None:
            self.tee.start_recording()
        try:
            spark = self.start_spark(start)
        except BaseException as exc:
            if isinstance(exc, SystemExit):
                exc = RuntimeError("SystemExit(%s) while starting Spark" % exc)
            jvm_output = self.tee.stop_recording() if self.tee is not None else ""
            log_exception("starting Spark failed")
            self.fatal("spark_start", self.start_failure(exc, jvm_output))
        if self.tee is not None:
            self.tee.stop_recording()
            self.tee.bypass()
        try:
            self.finish_start(spark, pyspark)
        except BaseException as exc:
            log_exception("setting up the session failed")
            self.fatal("spark_start", "Spark started but the session could not be set up: %s" % exc_summary(exc))
        self.main_loop()

    @staticmethod
    def start_failure(exc, jvm_output):
        """One line on why Spark did not start."""
        text = safe_str(exc)
        if "Java gateway process exited before sending its port number" in text:
            reason = jvm_failure(jvm_output)
            message = "Spark could not start: the Java gateway process exited before sending its port number"
            if reason:
                return "%s: %s" % (message, reason)
            return message + " (the JVM failed to start; its output is in the session log)"
        java_exception = getattr(exc, "java_exception", None)
        if java_exception is not None:
            try:
                return "Spark could not start: %s" % one_line(safe_str(java_exception.toString()))
            except Exception:
                pass
        return "Spark could not start: %s" % exc_summary(exc)

    def finish_start(self, spark, pyspark):
        sc = spark.sparkContext
        namespace = types.ModuleType("__main__")
        namespace.__dict__["__builtins__"] = builtins
        namespace.__dict__["spark"] = spark
        namespace.__dict__["sc"] = sc
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from pyspark.sql import SQLContext

                namespace.__dict__["sqlContext"] = SQLContext(sc, spark)
        except Exception as exc:
            log("no sqlContext: %s" % exc_summary(exc))
        # Bind pyspark's JSON logger for SQL errors to the real stderr (the session log)
        # before stderr becomes the capture buffer.
        try:
            from pyspark.logger import PySparkLogger

            PySparkLogger.getLogger("SQLQueryContextLogger")
        except Exception:
            pass
        self._driver_main = sys.modules.get("__main__")
        sys.modules["__main__"] = namespace
        self.namespace = namespace.__dict__
        try:
            self.tracker = sc.statusTracker()
        except Exception as exc:
            log("no status tracker, no progress: %s" % exc_summary(exc))
        ui_url = None
        try:
            ui_url = sc.uiWebUrl or None
        except Exception:
            pass
        app_id = None
        try:
            app_id = sc.applicationId
        except Exception:
            pass
        with self.lock:
            self.spark = spark
            self.sc = sc
        # pyspark installs its own SIGINT handler in SparkContext; ours decides.
        signal.signal(signal.SIGINT, self.on_sigint)
        sys.stdout = self.out
        sys.stderr = self.err
        threading.Thread(target=self.progress_loop, name="livy-tui-progress", daemon=True).start()
        log("ready: Spark %s, app %s, UI %s" % (spark.version, app_id, ui_url))
        self.send(
            {
                "type": "ready",
                "spark_version": spark.version,
                "python_version": platform.python_version(),
                "app_id": app_id,
                "ui_url": ui_url,
                "pyspark": getattr(pyspark, "__version__", None),
            }
        )
        self.started.set()
        if self.kind == "spark":
            # A Scala session: boot the interpreter now, so the first statement finds it ready.
            threading.Thread(target=self.start_scala, name="livy-tui-scala", daemon=True).start()

    # -- stdin reader, cancel, shutdown -----------------------------------------------------

    def reader_loop(self):
        while True:
            try:
                line = self.stdin.readline()
            except Exception as exc:
                log("reading stdin failed: %s" % exc_summary(exc))
                line = b""
            if not line:
                log("stdin closed; shutting down")
                self.shutdown()
                return
            line = line.strip()
            if not line:
                continue
            try:
                message = json.loads(line.decode("utf-8", "replace"))
            except ValueError:
                log("ignoring a line that is not JSON: %r" % line[:200])
                continue
            if not isinstance(message, dict):
                log("ignoring a message that is not an object")
                continue
            kind = message.get("type")
            try:
                if kind == "execute":
                    self.queue.put(message)
                elif kind == "cancel":
                    self.cancel(message.get("id"))
                elif kind == "complete":
                    # off the reader thread: naming an object may take a while
                    worker = threading.Thread(
                        target=self.complete, args=(message,), name="livy-tui-complete", daemon=True
                    )
                    worker.start()
                elif kind == "shutdown":
                    log("shutdown requested")
                    self.shutdown()
                    return
                else:
                    log("ignoring a message of type %r" % (kind,))
            except Exception:
                log_exception("handling a %r message failed" % (kind,))

    def complete(self, message):
        """Answer a `complete` (while a statement runs, too); no candidates when it fails."""
        try:
            if message.get("kind") == "spark":
                candidates = self.scala_completions(message.get("code"), message.get("cursor"))
            else:
                candidates = completions(self.namespace, message.get("code"), message.get("cursor"))
        except Exception:
            log_exception("completion failed")
            candidates = []
        self.send({"type": "completion", "id": message.get("id"), "candidates": candidates})

    def cancel(self, statement_id):
        """Cancel the running statement `statement_id` (else nothing); repeats are harmless."""
        with self.lock:
            if statement_id is None or self.running_id is None or self.running_id != statement_id:
                log("cancel of statement %r ignored: it is not running" % (statement_id,))
                return
            self.cancel_requested = True
            serial = self.serial
        log("cancelling statement %r" % (statement_id,))
        # Off the reader thread: a shutdown right after must not wait for this.
        worker = threading.Thread(
            target=self.cancel_statement, args=(statement_id, serial), name="livy-tui-cancel", daemon=True
        )
        worker.start()

    def cancel_statement(self, statement_id, serial):
        """Cancel the statement's Spark jobs, then interrupt its Python code.

        When Spark jobs were running, their failure usually ends the statement with Spark's own
        error (and leaves the py4j connection intact), so the interrupt waits a moment for that;
        Python code without jobs is interrupted at once."""
        group = str(statement_id)
        had_jobs = False
        sc = self.sc
        if sc is not None:
            try:
                had_jobs = self.group_has_active_jobs(group)
            except Exception:
                pass
            with self.lock:
                # Jobs this statement starts later (e.g. still being planned) are cancelled
                # by the progress thread when they show up.
                self.cancelled_groups[group] = time.monotonic() + LATE_JOB_WATCH_S
            try:
                sc.cancelJobGroup(group)
            except Exception as exc:
                log("cancelJobGroup failed: %s" % exc_summary(exc))
        if had_jobs:
            deadline = time.monotonic() + CANCEL_GRACE_S
            while time.monotonic() < deadline:
                with self.lock:
                    if self.serial != serial or self.running_id is None:
                        return
                time.sleep(0.02)
        self.interrupt(serial)

    def group_has_active_jobs(self, group):
        tracker = self.tracker
        if tracker is None:
            return False
        for job_id in tracker.getJobIdsForGroup(group) or []:
            info = tracker.getJobInfo(job_id)
            if info is not None and str(info.status).upper() == "RUNNING":
                return True
        return False

    def cancel_late_jobs(self):
        """Cancel jobs that started in the group of a cancelled statement after the cancel."""
        now = time.monotonic()
        with self.lock:
            groups = list(self.cancelled_groups.items())
        for group, until in groups:
            if now > until:
                with self.lock:
                    self.cancelled_groups.pop(group, None)
                continue
            try:
                if self.group_has_active_jobs(group):
                    log("cancelling job group %s again: a job started after its cancel" % group)
                    self.sc.cancelJobGroup(group)
            except Exception as exc:
                log("re-cancelling job group %s failed: %s" % (group, exc_summary(exc)))

    def interrupt(self, serial):
        """SIGINT to the main thread while it runs user code of statement `serial`; a Scala
        line is interrupted in the JVM instead (a signal would break the py4j call it waits in)."""
        with self.lock:
            if self.in_scala and self.serial == serial and self.cancel_requested:
                threading.Thread(target=self.interrupt_scala, args=(serial,), name="livy-tui-stop", daemon=True).start()
                return
            if self.serial == serial and self.running_id is not None and self.in_user and self.cancel_requested:
                try:
                    signal.pthread_kill(self.main_ident, signal.SIGINT)
                except Exception as exc:
                    log("cannot interrupt the main thread: %s" % exc_summary(exc))

    def on_sigint(self, signum, frame):
        if not (self.in_user and self.cancel_requested):
            return
        if self.in_scala:
            # in a py4j call: raising here would lose its answer; the JVM side is interrupted
            self.interrupt(self.serial)
            return
        if frame is not None and frame.f_code.co_filename in _DRIVER_FILES:
            # In the driver's own code (a capture write, entering or leaving user code):
            # raising here could lose the result, so try again in a moment.
            timer = threading.Timer(0.05, self.interrupt, args=(self.serial,))
            timer.daemon = True
            timer.start()
            return
        raise KeyboardInterrupt

    def shutdown(self):
        if not self.started.is_set():
            # Spark is still starting: let the start finish (or fail with its fatal message)
            # so the JVM is stopped cleanly, but do not wait forever.
            log("waiting for Spark to finish starting before shutting down")
            if not self.started.wait(START_WAIT_ON_SHUTDOWN_S):
                log("Spark is still starting; exiting anyway")
                self.exit(0)
        with self.lock:
            if self.stopping:
                return
            self.stopping = True
            running = self.running_id
        if running is not None:
            self.cancel_for_shutdown(running)
            deadline = time.monotonic() + CANCEL_WAIT_ON_SHUTDOWN_S
            while time.monotonic() < deadline:
                with self.lock:
                    if self.running_id is None:
                        break
                time.sleep(0.05)
        spark = self.spark
        if spark is not None:
            stopper = threading.Thread(target=self._stop_spark, args=(spark,), name="livy-tui-stop", daemon=True)
            stopper.start()
            stopper.join(STOP_TIMEOUT_S)
            if stopper.is_alive():
                log("Spark did not stop within %.0f s; exiting anyway" % STOP_TIMEOUT_S)
        log("exiting")
        self.exit(0)

    def cancel_for_shutdown(self, statement_id):
        with self.lock:
            if self.running_id != statement_id:
                return
            self.cancel_requested = True
            serial = self.serial
        self.cancel_statement(statement_id, serial)

    def _stop_spark(self, spark):
        try:
            spark.stop()
            log("Spark stopped")
        except Exception as exc:
            log("stopping Spark failed: %s" % exc_summary(exc))

    # -- progress ------------------------------------------------------------------------

    def progress_loop(self):
        failures = 0
        while not self.stopping:
            time.sleep(PROGRESS_INTERVAL_S)
            if self.cancelled_groups:
                self.cancel_late_jobs()
            with self.lock:
                statement_id = self.running_id
                serial = self.serial
            if statement_id is None or self.tracker is None:
                continue
            try:
                value = self.compute_progress(str(statement_id))
            except Exception as exc:
                failures += 1
                if failures <= 3:
                    log("progress poll failed: %s" % exc_summary(exc))
                continue
            if value is None:
                continue
            with self.lock:
                if self.stopping or self.serial != serial or self.running_id != statement_id:
                    continue
                if value == self.last_progress:
                    continue
                self.last_progress = value
                self.send({"type": "progress", "id": statement_id, "progress": value})

    def compute_progress(self, group):
        tracker = self.tracker
        total = 0
        done = 0
        for job_id in tracker.getJobIdsForGroup(group) or []:
            info = tracker.getJobInfo(job_id)
            if info is None:
                continue
            for stage_id in info.stageIds or []:
                stage = tracker.getStageInfo(stage_id)
                if stage is None:
                    continue
                total += stage.numTasks
                done += stage.numCompletedTasks
        if total <= 0:
            return None
        return round(min(1.0, max(0.0, float(done) / float(total))), 4)

    # -- statements --------------------------------------------------------------------------

    def main_loop(self):
        while True:
            try:
                message = self.queue.get()
            except KeyboardInterrupt:
                continue
            if self.stopping:
                continue
            self.execute(message)

    def execute(self, message):
        statement_id = message.get("id")
        kind = message.get("kind") or "pyspark"
        code = message.get("code")
        if not isinstance(code, str):
            code = "" if code is None else str(code)
        with self.lock:
            if self.stopping:
                return
            self.serial += 1
            self.running_id = statement_id
            self.cancel_requested = False
            self.in_user = False
            self.last_progress = None
        output = None
        try:
            output = self.execute_inner(statement_id, kind, code)
        except KeyboardInterrupt:
            output = self.error_output("KeyboardInterrupt", "", ["KeyboardInterrupt\n"])
        except BaseException as exc:
            log_exception("internal error in statement %r" % (statement_id,))
            output = self.error_output("InternalError", one_line(exc_summary(exc)), [])
        while True:
            try:
                self.finish(statement_id, output)
                break
            except KeyboardInterrupt:
                continue
        if self.jvm_gone:
            # Scala's sys.exit ends the JVM: without Spark the session is over, as on Livy.
            log("the JVM exited during statement %r; exiting" % (statement_id,))
            self.exit(4)

    def finish(self, statement_id, output):
        with self.lock:
            self.in_user = False
            self.running_id = None
            self.cancel_requested = False
            self.out.take()
            self.err.take()
            self.send({"type": "result", "id": statement_id, "output": output})

    def execute_inner(self, statement_id, kind, code):
        if sys.stdout is not self.out:
            sys.stdout = self.out
        if sys.stderr is not self.err:
            sys.stderr = self.err
        sys.stdin = io.StringIO()
        try:
            self.sc.setJobGroup(str(statement_id), "Job group for statement %s" % statement_id, True)
        except Exception as exc:
            log("setJobGroup failed: %s" % exc_summary(exc))
        if kind == "sql":
            return self.run_sql(code)
        if kind in ("pyspark", "python"):
            return self.run_python(code)
        if kind == "spark":
            return self.run_scala(code)
        return self.error_output("Error", "kind %r is not supported by the local driver" % (kind,), [])

    def user_call(self, function, *args):
        """Run user-facing work where a cancel may interrupt it."""
        with self.lock:
            if self.cancel_requested:
                raise KeyboardInterrupt
            self.in_user = True
        try:
            return function(*args)
        finally:
            self.in_user = False

    @staticmethod
    def error_output(ename, evalue, traceback_lines):
        return {"status": "error", "ename": ename, "evalue": evalue, "traceback": traceback_lines}

    def python_error(self, exc):
        if isinstance(exc, MagicError):
            return self.error_output(exc.ename, exc.evalue, ["%s: %s\n" % (exc.ename, exc.evalue)])
        etype = type(exc)
        try:
            report = traceback.TracebackException(etype, exc, exc.__traceback__)
            report.stack = traceback.StackSummary.from_list(
                [frame for frame in report.stack if frame.filename not in _DRIVER_FILES]
            )
            lines = list(report.format(chain=False))
        except Exception:
            lines = traceback.format_exception_only(etype, exc)
        for index, line in enumerate(lines):
            first = line.split("\n", 1)[0]
            if first.startswith('  File "<stdin>", line ') and first.endswith(", in <module>"):
                del lines[index]
                break
        return self.error_output(etype.__name__, safe_str(exc), lines)

    @staticmethod
    def syntax_error(exc):
        lines = traceback.format_exception_only(type(exc), exc)
        return {"status": "error", "ename": type(exc).__name__, "evalue": safe_str(exc), "traceback": lines}

    def run_python(self, code):
        try:
            nodes = parse_code(code)
        except SyntaxError as exc:
            return self.syntax_error(exc)
        except (ValueError, OverflowError, MemoryError, RecursionError) as exc:
            return self.python_error(exc)
        result = {}
        for node in nodes:
            try:
                if isinstance(node, CodeNode):
                    result = self.user_call(self.run_code_node, node)
                else:
                    result = self.user_call(self.run_magic, node.line)
            except BaseException as exc:
                return self.python_error(exc)
        return {"status": "ok", "data": self.bundle(result or {})}

    def run_code_node(self, node):
        if node.exec_code is not None:
            exec(node.exec_code, self.namespace)
        if node.single_code is not None:
            exec(node.single_code, self.namespace)
        return {}

    def bundle(self, result):
        own = result.get("text/plain") or ""
        text = (own + self.out.take() + self.err.take()).rstrip()
        data = {k: v for k, v in result.items() if k != "text/plain"}
        if text or not data:
            data["text/plain"] = text
        return data

    # -- magics ----------------------------------------------------------------------------

    def run_magic(self, line):
        parts = line[1:].split(None, 1)
        name = parts[0] if parts and not line[1:2].isspace() else ""
        argument = parts[1].strip() if len(parts) > 1 else ""
        if not name:
            raise MagicError("UnknownMagic", "magic command not specified")
        handler = {"table": self.magic_table, "json": self.magic_json, "matplot": self.magic_matplot}.get(name)
        if handler is None:
            raise MagicError("UnknownMagic", "unknown magic command '%s'" % name)
        if not argument:
            raise MagicError("UsageError", "%%%s needs the name of a variable, e.g. %%%s x" % (name, name))
        if argument not in self.namespace:
            raise MagicError("NameError", "name '%s' is not defined" % argument)
        return handler(self.namespace[argument])

    def take_rows(self, value):
        """(rows, cut) of a pyspark DataFrame/RDD, at most sql_rows rows."""
        rows = list(value.take(self.sql_rows + 1))
        if len(rows) > self.sql_rows:
            return rows[: self.sql_rows], True
        return rows, False

    def limit_note(self):
        return (
            "Only the first %d rows are shown: the local server's SQL row limit "
            "(livy-tui serve --sql-rows) was reached." % self.sql_rows
        )

    def magic_table(self, value):
        cut = False
        if _is_pyspark_collection(value):
            rows, cut = self.take_rows(value)
        elif _is_pandas_frame(value):
            head = value.head(self.sql_rows + 1)
            if callable(getattr(head, "to_pandas", None)):
                head = head.to_pandas()
            records = head.to_dict("records")
            rows, cut = records[: self.sql_rows], len(records) > self.sql_rows
        elif isinstance(value, (list, tuple)) and not _is_row(value):
            rows = value
        else:
            rows = [value]
        result = {TABLE_MIME: build_table(rows)}
        if cut:
            result["text/plain"] = self.limit_note() + "\n"
        return result

    def magic_json(self, value):
        cut = []

        def take_rows(collection):
            rows, was_cut = self.take_rows(collection)
            if was_cut:
                cut.append(True)
            return rows, was_cut

        result = {"application/json": to_json_value(value, take_rows)}
        if cut:
            result["text/plain"] = self.limit_note() + "\n"
        return result

    def magic_matplot(self, value):
        if callable(getattr(value, "gcf", None)):
            figure = value.gcf()
        elif callable(getattr(value, "savefig", None)):
            figure = value
        else:
            raise MagicError(
                "TypeError",
                "%%matplot needs matplotlib.pyplot or a Figure, not %s" % type(value).__name__,
            )
        image = io.BytesIO()
        figure.savefig(image, format="png")
        try:
            import matplotlib.pyplot as plt

            plt.close(figure)
        except Exception:
            pass
        return {"image/png": base64.b64encode(image.getvalue()).decode("ascii")}

    # -- SQL ---------------------------------------------------------------------------------

    def run_sql(self, code):
        try:
            return self.user_call(self.sql_result, code)
        except BaseException as exc:
            return sql_error_output(exc)

    def sql_result(self, code):
        frame = self.spark.sql(code)
        schema = schema_json(frame)
        fields = schema["fields"]
        data = []
        cut = False
        if fields:
            rows, cut = self.take_rows(frame)
            types_ = [f["type"] for f in fields]
            for row in rows:
                values = list(row)
                data.append([sql_value(v, types_[i] if i < len(types_) else None) for i, v in enumerate(values)])
        bundle = {"application/json": {"schema": schema, "data": data}}
        if cut:
            bundle["text/plain"] = self.limit_note()
        return {"status": "ok", "data": bundle}

    # -- Scala -------------------------------------------------------------------------------

    def start_scala(self):
        """The session's Scala interpreter, booted on first use; ScalaUnavailable says why there
        is none."""
        with self.scala_start_lock:
            if self.scala is None and self.scala_failure is None:
                began = time.monotonic()
                try:
                    self.make_class_dir()
                    self.scala = ScalaRepl.start(self.spark, self.scala_outdir)
                    log("Scala interpreter ready in %.1f s" % (time.monotonic() - began))
                except ScalaUnavailable as exc:
                    self.scala_failure = str(exc)
                except Exception as exc:
                    log_exception("starting the Scala interpreter failed")
                    self.scala_failure = "the Scala interpreter could not start: %s" % exc_summary(exc)
                if self.scala_failure:
                    log(self.scala_failure)
            if self.scala is None:
                raise ScalaUnavailable(self.scala_failure)
            return self.scala

    def make_class_dir(self):
        """The directory Scala's classes go to: ours is made now, private (a directory someone
        else made first could feed classes to the session, so that is refused); one the
        session's conf names is made if missing."""
        outdir = self.scala_outdir
        if outdir is None:
            raise ScalaUnavailable("Scala is not available: Spark started without a directory for its classes")
        try:
            if self.scala_outdir_ours:
                os.mkdir(outdir, 0o700)
                self.repl_dir = outdir
            else:
                os.makedirs(outdir, exist_ok=True)
        except OSError as exc:
            raise ScalaUnavailable("cannot make %s for Scala's classes: %s" % (outdir, exc_summary(exc)))

    def boot_scala(self):
        try:
            self.start_scala()
        except ScalaUnavailable:
            pass  # logged; statements say it too

    def run_scala(self, code):
        """A Scala statement the way Livy's Scala interpreter runs one: line by line, a line
        that is not complete joined with the next, texts concatenated, `%table`/`%json` lines."""
        with self.lock:
            # a boot waits in a py4j call too: a cancel must not signal it (it ends after)
            self.in_scala = True
        try:
            repl = self.start_scala()
        except ScalaUnavailable as exc:
            return self.error_output("Error", str(exc), [])
        finally:
            with self.lock:
                self.in_scala = False
        lines = code.strip().split("\n")
        result = {"text/plain": ""}
        chunk, start = None, 0
        for number, line in enumerate(lines, 1):
            if chunk is None:
                if not line.strip():
                    continue
                chunk, start = line, number
            else:
                chunk += "\n" + line
            outcome = self.user_call(self.scala_chunk, repl, chunk, start)
            if outcome is None:
                if number < len(lines):
                    continue
                return self.scala_incomplete(repl, chunk, start, result)
            if outcome["status"] != "ok":
                return outcome
            result = scala_merge(result, outcome["data"])
            chunk = None
        return {"status": "ok", "data": result}

    def scala_incomplete(self, repl, chunk, start, result):
        """The last lines are not complete: as Livy, run them in braces, which a comment-only
        tail survives and real unfinished code does not."""
        retry = self.user_call(self.scala_chunk, repl, "{\n%s\n}" % chunk, start - 1)
        if retry is None or retry["status"] != "ok":
            return self.error_output("Error", "incomplete statement", [])
        return {"status": "ok", "data": result}

    def scala_call(self, function, *args):
        """A call into the interpreter: one at a time, and marked so a cancel interrupts it in
        the JVM."""
        with self.scala_lock:
            with self.lock:
                self.in_scala = True
                self.scala_stopped = False
            try:
                return function(*args)
            except Exception as exc:
                if type(exc).__name__ == "Py4JNetworkError" or isinstance(exc, ConnectionError):
                    self.jvm_gone = True
                    raise ScalaUnavailable("the JVM exited while this statement ran (sys.exit?); the session is over")
                raise
            finally:
                with self.lock:
                    self.in_scala = False

    def scala_chunk(self, repl, chunk, start):
        """The output of one complete chunk (a line, or lines joined), None when incomplete."""
        magic = SCALA_MAGIC.fullmatch(chunk)
        if magic:
            return self.scala_magic(repl, magic.group(1), magic.group(2).strip())
        try:
            status, printed, said = self.scala_call(repl.run, chunk)
        except ScalaUnavailable as exc:
            return self.error_output("Error", str(exc), [])
        if status == "Success":
            return {"status": "ok", "data": {"text/plain": printed + scala_echo_livy(said)}}
        if self.scala_stopped or status == "Stopped":
            evalue = "java.lang.ThreadDeath: the statement was cancelled; it ignored the interrupt, so its thread was stopped"
            return self.error_output("Error", evalue, [])
        if status == "Incomplete" or not (printed or said.strip()):
            return None  # also what a line of only a comment gives
        compiled = scala_compile_error(said, chunk, start)
        evalue, lines = compiled if compiled is not None else scala_runtime_error(said, printed)
        return self.error_output("Error", evalue, lines)

    def scala_magic(self, repl, name, term):
        if name not in ("json", "table"):
            return self.error_output("UnknownMagic", "Unknown magic command %s" % name, [])
        if not term:
            return self.error_output("UsageError", "%%%s needs the name of a value, e.g. %%%s x" % (name, name), [])
        try:
            found = self.scala_call(repl.json, term, self.sql_rows + 1)
        except ScalaUnavailable as exc:
            return self.error_output("Error", str(exc), [])
        except Exception as exc:
            log("%%%s %s failed: %s" % (name, term, exc_summary(exc)))
            return self.error_output("ValueError", "Failed to convert value into a JSON value", [])
        if found is None:
            return self.error_output("NameError", "Value %s does not exist" % term, [])
        collection, value = found
        cut = collection and isinstance(value, list) and len(value) > self.sql_rows
        if cut:
            value = value[: self.sql_rows]
        if name == "json":
            data = {"application/json": value}
        else:
            try:
                data = {TABLE_MIME: scala_table(value)}
            except MagicError as exc:
                return self.error_output(exc.ename, exc.evalue, [])
        if cut:
            data["text/plain"] = self.limit_note() + "\n"
        return {"status": "ok", "data": data}

    def scala_completions(self, code, cursor):
        """The interpreter's completions (names, as Livy: `range` for `spark.ran`); none while
        it boots or runs a long line."""
        if not isinstance(code, str):
            return []
        if isinstance(cursor, bool) or not isinstance(cursor, int) or not 0 <= cursor <= len(code):
            cursor = len(code)
        repl = self.scala
        if repl is None:
            if self.spark is not None and self.scala_failure is None:
                threading.Thread(target=self.boot_scala, name="livy-tui-scala", daemon=True).start()
            return []
        if not self.scala_lock.acquire(timeout=SCALA_COMPLETION_WAIT_S):
            return []
        try:
            return repl.complete(code, cursor)[:COMPLETION_LIMIT]
        finally:
            self.scala_lock.release()

    def interrupt_scala(self, serial):
        """Interrupt the running Scala line of statement `serial`; stop its thread when it
        ignores that (a loop that never waits), which Java 17 still allows."""
        repl = self.scala
        if repl is None:
            return
        try:
            repl.interrupt()
        except Exception as exc:
            log("cannot interrupt the Scala statement: %s" % exc_summary(exc))
            return
        deadline = time.monotonic() + SCALA_STOP_GRACE_S
        while time.monotonic() < deadline:
            with self.lock:
                if self.serial != serial or not self.in_scala:
                    return
            time.sleep(0.05)
        with self.lock:
            if self.serial != serial or not self.in_scala:
                return
            self.scala_stopped = True
        try:
            how = repl.stop()
        except Exception as exc:
            how = "failed: %s" % exc_summary(exc)
        if how == "stopped":
            log("stopped the thread of the cancelled Scala statement: it ignored the interrupt")
            return
        self.scala_stopped = False
        log(
            "the cancelled Scala statement ignores interrupts and this Java cannot stop its thread "
            "(%s): it runs on; delete the session to end it" % how
        )


def supervise(argv):
    """`--supervise PROGRAM ARG…`: runs a local batch's spark-submit in this process group
    (which livy-tui made for it) and ends the whole group when livy-tui goes: its pipe to
    our stdin closes then, even when it was killed and could not say so. Exits as the
    program did."""

    def watch():
        # A raw read: a buffered one would hold a lock that interpreter shutdown wants.
        try:
            while os.read(0, 4096):
                pass
        except Exception:
            pass
        log("livy-tui is gone: stopping the batch")
        os.killpg(0, signal.SIGKILL)

    try:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    except OSError as exc:
        log("cannot start %s: %s" % (argv[0] if argv else "nothing", exc_summary(exc)))
        return 127
    threading.Thread(target=watch, name="livy-tui-watch", daemon=True).start()
    while True:
        try:
            code = child.wait()
            break
        except KeyboardInterrupt:
            continue
    # Straight out: the watcher thread is still reading, and nothing else needs finishing.
    sys.stdout.flush()
    sys.stderr.flush()
    if code < 0:
        # Killed by a signal: end the same way, so livy-tui says which.
        try:
            signal.signal(-code, signal.SIG_DFL)
            os.kill(os.getpid(), -code)
        except Exception:
            pass
        os._exit(128 - code)
    os._exit(code)


def main(argv):
    if "--check" in argv[1:]:
        return run_check()
    if len(argv) > 1 and argv[1] == "--supervise":
        return supervise(argv[2:])
    Driver().run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
