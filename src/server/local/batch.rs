//! Local batches: a batch's `.py` or `.jar` runs through the `bin/spark-submit` that the
//! pyspark package of local sessions carries (`--master local[*]`), as Livy runs
//! spark-submit for a batch. spark-submit starts in its own process group, and the JVM and
//! the Python it starts stay in it, so deleting the batch (or stopping the server) kills
//! them all at once.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::AsyncRead;
use tokio::process::{Child, Command};

use super::super::interpreter::{BatchCtx, BatchExit, BatchSpec};
use super::super::requests::CreateBatchRequest;
use super::LocalOptions;
use super::reaper::Groups;

/// The master a batch runs on unless its `conf` names one (`spark.master`).
pub const DEFAULT_MASTER: &str = "local[*]";

/// How long the look-up of spark-submit may take (a Python start, no pyspark import).
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a batch cannot run locally.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LocalBatchError {
    /// A cluster path (hdfs://, s3://, …).
    #[error("{file} is not on this machine: local batches run a .py or .jar file given by its path")]
    NotLocal { file: String },
    /// No such file.
    #[error("{file} does not exist: local batches run a .py or .jar file on this machine")]
    Missing { file: String },
    /// Something else than a `.py` or a `.jar`.
    #[error("{file} is not a .py or .jar file: local batches run a Python file or a jar")]
    WrongType { file: String },
    /// The Python has no pyspark, hence no spark-submit.
    #[error(
        "local batches need the spark-submit of PySpark, which {python} cannot import: install it with `{python} -m pip install pyspark`, or run `livy-tui local-setup`"
    )]
    NoPySpark { python: String },
    /// pyspark (or SPARK_HOME) without `bin/spark-submit`.
    #[error(
        "{path} does not exist: reinstall pyspark (`pip install --force-reinstall pyspark`) or point SPARK_HOME at a Spark distribution"
    )]
    NoSparkSubmit { path: String },
    /// The Python could not be asked.
    #[error("cannot find spark-submit with {python}: {detail}")]
    Probe { python: String, detail: String },
}

/// What a batch file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppKind {
    /// A `.py`: spark-submit runs it with the local sessions' Python.
    Python,
    /// A `.jar`: its `className`, else the main class its manifest names.
    Jar,
}

/// The local file a batch's `file` names (a path, relative to the server's directory, or a
/// `file://` URL), checked to exist and be a `.py` or `.jar`, made absolute.
pub fn local_app_file(file: &str) -> Result<(PathBuf, AppKind), LocalBatchError> {
    let path = match file.strip_prefix("file://") {
        Some(path) => path,
        None if has_scheme(file) => return Err(LocalBatchError::NotLocal { file: file.into() }),
        None => file,
    };
    let missing = || LocalBatchError::Missing { file: file.into() };
    let meta = std::fs::metadata(path).map_err(|_| missing())?;
    let extension = Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let kind = match extension.as_deref() {
        Some("py") if meta.is_file() => AppKind::Python,
        Some("jar") if meta.is_file() => AppKind::Jar,
        _ => return Err(LocalBatchError::WrongType { file: file.into() }),
    };
    let absolute = std::path::absolute(path).map_err(|_| missing())?;
    Ok((absolute, kind))
}

/// `hdfs://…`, `s3a://…`: a URL scheme, not a local path.
fn has_scheme(file: &str) -> bool {
    match file.split_once("://") {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        }
        None => false,
    }
}

/// Where Spark is for a Python: `bin/spark-submit` under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparkSubmit {
    /// SPARK_HOME (the pyspark package directory for a pip install).
    pub home: PathBuf,
    /// `bin/spark-submit` in it.
    pub program: PathBuf,
}

/// Finds SPARK_HOME as pyspark does (`pyspark/find_spark_home.py`): `$SPARK_HOME`, else the
/// package's own directory, without importing pyspark (which takes a second).
const FIND_SPARK_HOME: &str = r#"
import os, sys
home = os.environ.get("SPARK_HOME")
if not home:
    from importlib.util import find_spec
    spec = find_spec("pyspark")
    if spec is None or spec.origin is None:
        sys.exit(3)
    package = os.path.dirname(os.path.realpath(spec.origin))
    candidates = [os.path.join(package, "spark-distribution"), package]
    found = [c for c in candidates if os.path.isfile(os.path.join(c, "bin", "spark-submit"))]
    home = found[0] if found else package
print(home)
"#;

/// The spark-submit that `python` (with `env`) would use.
pub async fn find_spark_submit(python: &Path, env: &[(OsString, OsString)]) -> Result<SparkSubmit, LocalBatchError> {
    let shown = python.display().to_string();
    let probe = |detail: String| LocalBatchError::Probe {
        python: shown.clone(),
        detail,
    };
    let mut command = Command::new(python);
    command
        .arg("-c")
        .arg(FIND_SPARK_HOME)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(PROBE_TIMEOUT, command.output())
        .await
        .map_err(|_| probe(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())))?
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                probe("it was not found: point --python (or PYSPARK_PYTHON) at a Python with pyspark".into())
            }
            _ => probe(e.to_string()),
        })?;
    if output.status.code() == Some(3) {
        return Err(LocalBatchError::NoPySpark { python: shown });
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let home = stdout.lines().rev().find(|l| !l.trim().is_empty()).map(str::trim);
    let Some(home) = home.filter(|_| output.status.success()) else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("it printed nothing");
        return Err(probe(last.trim().to_string()));
    };
    let home = PathBuf::from(home);
    let program = home.join("bin").join("spark-submit");
    if !program.is_file() {
        return Err(LocalBatchError::NoSparkSubmit {
            path: program.display().to_string(),
        });
    }
    Ok(SparkSubmit { home, program })
}

/// spark-submit's options for a batch request, then the file and its arguments, as Livy's
/// `BatchSession` builds them. The master is `local[*]` unless `conf` says `spark.master`.
pub fn submit_args(request: &CreateBatchRequest, app: &Path) -> Vec<String> {
    let mut conf = request.conf.clone().unwrap_or_default();
    let master = conf.remove("spark.master").unwrap_or_else(|| DEFAULT_MASTER.into());
    let mut args = vec!["--master".to_string(), master];
    let mut option = |flag: &str, value: Option<String>| {
        if let Some(value) = value {
            args.push(flag.to_string());
            args.push(value);
        }
    };
    let joined = |list: &Option<Vec<String>>| list.as_ref().filter(|l| !l.is_empty()).map(|l| l.join(","));
    option("--name", request.name.clone());
    option("--class", request.class_name.clone());
    option("--jars", joined(&request.jars));
    option("--py-files", joined(&request.py_files));
    option("--files", joined(&request.files));
    option("--archives", joined(&request.archives));
    option("--driver-memory", request.driver_memory.clone());
    option("--driver-cores", request.driver_cores.map(|n| n.to_string()));
    option("--executor-memory", request.executor_memory.clone());
    option("--executor-cores", request.executor_cores.map(|n| n.to_string()));
    option("--num-executors", request.num_executors.map(|n| n.to_string()));
    option("--queue", request.queue.clone());
    for (key, value) in conf {
        args.push("--conf".into());
        args.push(format!("{key}={value}"));
    }
    args.push(app.to_string_lossy().into_owned());
    args.extend(request.args.iter().flatten().cloned());
    args
}

/// Runs a batch to its end: `success` when spark-submit exits 0, `dead` otherwise (with why
/// in the log). Dropping the future (the batch was deleted) kills the whole process group.
pub(crate) async fn run(spec: BatchSpec, ctx: BatchCtx, options: LocalOptions, groups: Groups) -> BatchExit {
    let log = ctx.log().clone();
    let started = match start(&spec, &ctx, &options).await {
        Ok(started) => started,
        Err(reason) => {
            log.stdout(format!("livy-tui: {reason}"));
            return BatchExit::Dead;
        }
    };
    let group = groups.track(started.child.id());
    ctx.set_running();
    let status = wait(started, &ctx).await;
    // Whatever spark-submit left in its group (a Python worker) goes with it.
    group.kill();
    match status {
        Ok(status) if status.success() => BatchExit::Success,
        Ok(status) => {
            log.stdout(format!("livy-tui: spark-submit {}", how_it_ended(status)));
            BatchExit::Dead
        }
        Err(e) => {
            log.stdout(format!("livy-tui: spark-submit was lost: {e}"));
            BatchExit::Dead
        }
    }
}

/// A started spark-submit and the tasks that read its output into the log.
struct Started {
    child: Child,
    /// The supervisor's stdin: held open while the batch runs; when this process is gone
    /// (even killed), it closes and the supervisor ends the batch's process group.
    lifeline: Option<tokio::process::ChildStdin>,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

/// Checks the file, finds spark-submit and starts it in a process group of its own.
async fn start(spec: &BatchSpec, ctx: &BatchCtx, options: &LocalOptions) -> Result<Started, String> {
    let file = spec.request.file.as_deref().unwrap_or_default();
    let (app, _) = local_app_file(file).map_err(|e| e.to_string())?;
    let spark = find_spark_submit(&options.python, &options.env)
        .await
        .map_err(|e| e.to_string())?;
    let args = submit_args(&spec.request, &app);
    if let Some(user) = &spec.proxy_user {
        ctx.log().stdout(format!(
            "livy-tui: proxy user {user} does not apply locally; the batch runs as you"
        ));
    }
    ctx.log()
        .stdout(format!("livy-tui: {} {}", spark.program.display(), shell_words(&args)));
    let supervisor = tokio::task::spawn_blocking(super::python::install_driver)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot write the batch supervisor: {e}"))?;
    let mut child = command(&spark, options, &supervisor, &args)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", spark.program.display()))?;
    let lifeline = child.stdin.take();
    let ui_host = ui_host(options);
    let readers = [
        child
            .stdout
            .take()
            .map(|out| tokio::spawn(read_lines(out, ctx.clone(), ui_host.clone()))),
        child
            .stderr
            .take()
            .map(|err| tokio::spawn(read_lines(err, ctx.clone(), ui_host.clone()))),
    ];
    Ok(Started {
        child,
        lifeline,
        readers: readers.into_iter().flatten().collect(),
    })
}

/// spark-submit with the sessions' Python for the application and its workers, under the
/// driver program's `--supervise`: if this process dies without stopping the batch (a
/// `kill -9`), its JVM and Python must not run on.
fn command(spark: &SparkSubmit, options: &LocalOptions, supervisor: &Path, args: &[String]) -> Command {
    let mut command = Command::new(&options.python);
    command
        .arg("-u")
        .arg(supervisor)
        .arg("--supervise")
        .arg(&spark.program)
        .args(args)
        .env("SPARK_HOME", &spark.home)
        .env("PYSPARK_PYTHON", &options.python)
        .envs(options.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group: the JVM spark-submit becomes and the Python it starts stay in it,
        // so one kill stops them all, and a Ctrl-C at the terminal does not reach them.
        .process_group(0)
        .kill_on_drop(true);
    if std::env::var_os("SPARK_LOCAL_IP").is_none() && !has_env(options, "SPARK_LOCAL_IP") {
        // Spark's UI and RPC otherwise listen on every interface.
        command.env("SPARK_LOCAL_IP", "127.0.0.1");
    }
    command
}

fn has_env(options: &LocalOptions, name: &str) -> bool {
    options.env.iter().any(|(k, _)| k == name)
}

/// Where the application's Spark UI answers.
fn ui_host(options: &LocalOptions) -> String {
    let set = options
        .env
        .iter()
        .find(|(k, _)| k == "SPARK_LOCAL_IP")
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var_os("SPARK_LOCAL_IP"));
    match set.map(|v| v.to_string_lossy().into_owned()) {
        Some(ip) if !ip.is_empty() && ip != "0.0.0.0" => ip,
        _ => "127.0.0.1".into(),
    }
}

/// Waits for spark-submit to exit, then (briefly) for its last lines.
async fn wait(mut started: Started, ctx: &BatchCtx) -> std::io::Result<ExitStatus> {
    let status = started.child.wait().await;
    drop(started.lifeline.take());
    for reader in started.readers {
        // A process that left the group (pyspark's worker daemon) may hold the pipes open.
        let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
    }
    if !ctx.has_app_id() {
        tracing::debug!("the batch's application id never showed");
    }
    status
}

fn how_it_ended(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        _ => "ended".into(),
    }
}

/// Arguments as a shell would need them, for the log line that shows the command.
fn shell_words(args: &[String]) -> String {
    let quote = |arg: &String| {
        if !arg.is_empty()
            && arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+[]*".contains(c))
        {
            arg.clone()
        } else {
            format!("'{}'", arg.replace('\'', r"'\''"))
        }
    };
    args.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// Copies spark-submit's output lines into the batch log (its stdout stream, as Livy shows
/// a batch's merged output), watching them for the application id and the Spark UI.
async fn read_lines(stream: impl AsyncRead + Unpin, ctx: BatchCtx, ui_host: String) {
    super::output_lines::each_line(stream, |line| {
        if let Some(id) = app_id_in(line) {
            ctx.set_app_id(id);
        }
        if let Some(port) = ui_port_in(line) {
            let url = format!("http://{ui_host}:{port}");
            ctx.set_spark_ui_url(url.clone());
            tokio::spawn(ask_ui_for_app_id(url, ctx.clone()));
        }
        ctx.log().stdout(line.to_string());
    })
    .await;
}

/// A local application id (`local-` and its start time in ms) anywhere in a line.
fn app_id_in(line: &str) -> Option<String> {
    line.match_indices("local-").find_map(|(at, _)| {
        let before = line[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return None;
        }
        let digits: String = line[at + 6..].chars().take_while(char::is_ascii_digit).collect();
        let after = line[at + 6 + digits.len()..].chars().next();
        let whole = !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        (digits.len() >= 10 && whole).then(|| format!("local-{digits}"))
    })
}

/// The port in Spark's "Successfully started service 'SparkUI' on port 4040."
fn ui_port_in(line: &str) -> Option<u16> {
    let rest = line.split("started service 'SparkUI' on port ").nth(1)?;
    rest.trim_end_matches('.').trim().parse().ok()
}

/// Spark logs no application id at INFO in local mode; its UI's REST API tells it
/// (`/api/v1/applications`). Asked a few times: the id is set just after the UI starts.
async fn ask_ui_for_app_id(ui: String, ctx: BatchCtx) {
    let Ok(client) = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .build()
    else {
        return;
    };
    let url = format!("{ui}/api/v1/applications");
    for _ in 0..20 {
        if ctx.has_app_id() || ctx.cancel_token().is_cancelled() {
            return;
        }
        let answer = client.get(&url).send().await;
        if let Ok(list) = answer {
            let apps = list.json::<serde_json::Value>().await.unwrap_or_default();
            if let Some(id) = apps[0]["id"].as_str().and_then(app_id_in) {
                ctx.set_app_id(id);
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_python_batch_runs_on_local_with_its_arguments_last() {
        let request = CreateBatchRequest {
            file: Some("/jobs/etl.py".into()),
            args: Some(vec!["--day".into(), "2026-12-03".into()]),
            name: Some("nightly".into()),
            py_files: Some(vec!["/jobs/a.py".into(), "/jobs/b.zip".into()]),
            conf: Some(BTreeMap::from([("spark.x".to_string(), "1".to_string())])),
            ..CreateBatchRequest::default()
        };
        assert_eq!(
            submit_args(&request, Path::new("/jobs/etl.py")),
            [
                "--master",
                "local[*]",
                "--name",
                "nightly",
                "--py-files",
                "/jobs/a.py,/jobs/b.zip",
                "--conf",
                "spark.x=1",
                "/jobs/etl.py",
                "--day",
                "2026-12-03"
            ]
        );
    }

    #[test]
    fn a_jar_batch_names_its_class_and_conf_may_choose_the_master() {
        let request = CreateBatchRequest {
            file: Some("app.jar".into()),
            class_name: Some("com.example.Main".into()),
            jars: Some(vec!["/lib/dep.jar".into()]),
            files: Some(vec!["/data/a.csv".into()]),
            archives: Some(vec!["/data/env.tgz#env".into()]),
            driver_memory: Some("2g".into()),
            driver_cores: Some(2),
            executor_memory: Some("1g".into()),
            executor_cores: Some(1),
            num_executors: Some(3),
            queue: Some("q".into()),
            conf: Some(BTreeMap::from([
                ("spark.master".to_string(), "local[2]".to_string()),
                ("spark.a".to_string(), "x y".to_string()),
            ])),
            ..CreateBatchRequest::default()
        };
        let args = submit_args(&request, Path::new("/abs/app.jar"));
        assert_eq!(
            args,
            [
                "--master",
                "local[2]",
                "--class",
                "com.example.Main",
                "--jars",
                "/lib/dep.jar",
                "--files",
                "/data/a.csv",
                "--archives",
                "/data/env.tgz#env",
                "--driver-memory",
                "2g",
                "--driver-cores",
                "2",
                "--executor-memory",
                "1g",
                "--executor-cores",
                "1",
                "--num-executors",
                "3",
                "--queue",
                "q",
                "--conf",
                "spark.a=x y",
                "/abs/app.jar"
            ]
        );
        assert!(!args.iter().any(|a| a.starts_with("spark.master")), "one master");
        assert_eq!(
            shell_words(&args[22..]),
            "--conf 'spark.a=x y' /abs/app.jar",
            "the logged command line quotes what a shell would split"
        );
    }

    #[test]
    fn only_local_py_and_jar_files_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let py = dir.path().join("job.py");
        let jar = dir.path().join("JOB.JAR");
        let txt = dir.path().join("notes.txt");
        for path in [&py, &jar, &txt] {
            std::fs::write(path, "x").unwrap();
        }
        let text = |p: &Path| p.display().to_string();
        assert_eq!(local_app_file(&text(&py)).unwrap(), (py.clone(), AppKind::Python));
        assert_eq!(
            local_app_file(&format!("file://{}", text(&jar))).unwrap(),
            (jar.clone(), AppKind::Jar)
        );
        let err = |file: &str| local_app_file(file).unwrap_err().to_string();
        assert_eq!(
            err(&text(&txt)),
            format!(
                "{} is not a .py or .jar file: local batches run a Python file or a jar",
                text(&txt)
            )
        );
        assert_eq!(
            err(&text(&dir.path().join("gone.py"))),
            format!(
                "{}/gone.py does not exist: local batches run a .py or .jar file on this machine",
                text(dir.path())
            )
        );
        assert!(err("hdfs:///jobs/etl.py").starts_with("hdfs:///jobs/etl.py is not on this machine"));
        assert!(
            err(&text(dir.path())).contains("is not a .py or .jar file"),
            "a directory"
        );
    }

    #[test]
    fn the_application_id_and_the_ui_port_are_read_off_spark_lines() {
        assert_eq!(
            app_id_in("INFO Logging events to file:/tmp/spark-events/local-1764752783123.inprogress"),
            Some("local-1764752783123".into())
        );
        assert_eq!(
            app_id_in("app id local-1764752783123"),
            Some("local-1764752783123".into())
        );
        assert_eq!(app_id_in("my-local-1764752783123"), None);
        assert_eq!(app_id_in("local-12"), None);
        assert_eq!(app_id_in("local-1764752783123abc"), None);
        assert_eq!(
            ui_port_in("26/12/03 09:06:23 INFO Utils: Successfully started service 'SparkUI' on port 4041."),
            Some(4041)
        );
        assert_eq!(
            ui_port_in("Successfully started service 'sparkDriver' on port 44849."),
            None
        );
    }
}
