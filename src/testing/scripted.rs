//! The scripted backend: sessions start with spark-submit-like log lines, statements are
//! answered by exact-code scripts, `%fake` directives or the per-language rules in `lang`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::server::clock::log_timestamp;
use crate::server::{
    Backend, BatchCtx, BatchExit, BatchSpec, BoxFuture, ExecCtx, ExecOutcome, ExecRequest, Interpreter, Kind, LogSink,
    SessionSpec, StartFailure,
};
use serde_json::{Map, Value, json};

use super::fixtures;
use super::lang::{self, LangState};

/// What a scripted statement answers.
#[derive(Clone, Debug)]
pub enum ReplyBody {
    /// `{"text/plain": …}`.
    Text(String),
    /// `{"application/json": …}`.
    Json(Value),
    /// `{"application/vnd.livy.table.v1+json": {"headers", "data"}}`.
    Table(Value),
    /// `{"image/png": base64, "text/plain": …}`.
    Png(String),
    /// Any MIME bundle as is.
    Bundle(Map<String, Value>),
    /// `status: error` with these fields.
    Error {
        /// Exception name.
        ename: String,
        /// Message.
        evalue: String,
        /// Traceback lines.
        traceback: Vec<String>,
    },
    /// A whole output object (its `execution_count` is corrected).
    Raw(Value),
    /// Livy's "Interpreter died" error; the session goes to `error`.
    InterpreterDied(String),
    /// The driver dies mid-statement; the session goes `dead`.
    Die,
}

/// A scripted answer and how long the statement runs.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The answer.
    pub body: ReplyBody,
    /// Run time; `None` uses the configured default statement duration.
    pub duration: Option<Duration>,
}

impl Reply {
    fn of(body: ReplyBody) -> Reply {
        Reply { body, duration: None }
    }

    /// A `text/plain` result.
    pub fn text(text: impl Into<String>) -> Reply {
        Reply::of(ReplyBody::Text(text.into()))
    }

    /// An `application/json` result.
    pub fn json(value: Value) -> Reply {
        Reply::of(ReplyBody::Json(value))
    }

    /// A Livy table result: `{"headers":[{"name","type"}…],"data":[[…]…]}`.
    pub fn table(value: Value) -> Reply {
        Reply::of(ReplyBody::Table(value))
    }

    /// An `image/png` result (base64 text).
    pub fn png(base64: impl Into<String>) -> Reply {
        Reply::of(ReplyBody::Png(base64.into()))
    }

    /// A result with any MIME bundle.
    pub fn bundle(data: Map<String, Value>) -> Reply {
        Reply::of(ReplyBody::Bundle(data))
    }

    /// A failed statement (`status: error`).
    pub fn error(ename: &str, evalue: &str, traceback: &[&str]) -> Reply {
        Reply::of(ReplyBody::Error {
            ename: ename.to_string(),
            evalue: evalue.to_string(),
            traceback: traceback.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// A complete `output` object, e.g. taken from a fixture.
    pub fn raw(output: Value) -> Reply {
        Reply::of(ReplyBody::Raw(output))
    }

    /// The output of a fixture in `tests/fixtures/livy/` (panics if it has none).
    pub fn fixture(name: &str) -> Reply {
        let output =
            fixtures::statement_output(name).unwrap_or_else(|| panic!("fixture {name} has no statement output"));
        Reply::raw(output)
    }

    /// The interpreter dies: "Interpreter died:\n<stderr>", session `error`.
    pub fn interpreter_died(stderr: &str) -> Reply {
        Reply::of(ReplyBody::InterpreterDied(stderr.to_string()))
    }

    /// The driver dies mid-statement: the session goes `dead`.
    pub fn die() -> Reply {
        Reply::of(ReplyBody::Die)
    }

    /// Runs for this long (progress rises meanwhile; a cancel stops it).
    pub fn taking(mut self, duration: Duration) -> Reply {
        self.duration = Some(duration);
        self
    }

    /// Runs for this many milliseconds.
    pub fn taking_ms(self, ms: u64) -> Reply {
        self.taking(Duration::from_millis(ms))
    }

    fn outcome(&self) -> ExecOutcome {
        let bundle = |key: &str, value: Value| {
            let mut data = Map::new();
            data.insert(key.to_string(), value);
            ExecOutcome::Ok(data)
        };
        match &self.body {
            ReplyBody::Text(text) => bundle("text/plain", json!(text)),
            ReplyBody::Json(value) => bundle("application/json", value.clone()),
            ReplyBody::Table(value) => bundle("application/vnd.livy.table.v1+json", value.clone()),
            ReplyBody::Png(png) => {
                let mut data = Map::new();
                data.insert("image/png".into(), json!(png));
                data.insert("text/plain".into(), json!("<Figure size 640x480 with 1 Axes>"));
                ExecOutcome::Ok(data)
            }
            ReplyBody::Bundle(data) => ExecOutcome::Ok(data.clone()),
            ReplyBody::Error {
                ename,
                evalue,
                traceback,
            } => ExecOutcome::Error {
                ename: ename.clone(),
                evalue: evalue.clone(),
                traceback: traceback.clone(),
            },
            ReplyBody::Raw(value) => ExecOutcome::Raw(value.clone()),
            ReplyBody::InterpreterDied(stderr) => ExecOutcome::InterpreterDied(stderr.clone()),
            ReplyBody::Die => ExecOutcome::SessionDied("scripted driver death".into()),
        }
    }
}

/// Timings and limits of the scripted backend.
#[derive(Clone, Debug)]
pub struct ScriptSettings {
    /// Time a session spends `starting`.
    pub start_delay: Duration,
    /// Run time of a statement that does not ask for more.
    pub statement_duration: Duration,
    /// Rows a SQL result keeps at most.
    pub sql_row_cap: usize,
    /// Time a batch spends `starting`.
    pub batch_start: Duration,
    /// Time a batch spends `running`.
    pub batch_run: Duration,
}

/// State shared by the backend, its interpreters and the harness.
pub struct Shared {
    /// Timings and limits fixed at start.
    pub settings: ScriptSettings,
    /// Session start time in ms (changeable while running).
    pub start_delay_ms: AtomicU64,
    /// Default statement run time in ms (changeable while running).
    pub statement_ms: AtomicU64,
    /// Exact code → reply.
    pub scripts: Mutex<HashMap<String, Reply>>,
    /// Session starts still to fail.
    pub failing_starts: AtomicU32,
}

impl Shared {
    /// Empty scripts with these settings.
    pub fn new(settings: ScriptSettings) -> Shared {
        Shared {
            start_delay_ms: AtomicU64::new(settings.start_delay.as_millis() as u64),
            statement_ms: AtomicU64::new(settings.statement_duration.as_millis() as u64),
            settings,
            scripts: Mutex::new(HashMap::new()),
            failing_starts: AtomicU32::new(0),
        }
    }

    fn start_delay(&self) -> Duration {
        Duration::from_millis(self.start_delay_ms.load(Ordering::SeqCst))
    }

    fn statement_duration(&self) -> Duration {
        Duration::from_millis(self.statement_ms.load(Ordering::SeqCst))
    }

    fn scripted(&self, code: &str) -> Option<Reply> {
        self.scripts.lock().unwrap().get(code).cloned()
    }

    fn take_start_failure(&self) -> bool {
        self.failing_starts
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// The [`Backend`] used by the harness.
pub struct ScriptedBackend {
    /// Shared scripts and settings.
    pub shared: Arc<Shared>,
}

impl Backend for ScriptedBackend {
    fn start_session(
        &self,
        spec: SessionSpec,
        log: LogSink,
    ) -> BoxFuture<'static, Result<Arc<dyn Interpreter>, StartFailure>> {
        let shared = self.shared.clone();
        Box::pin(async move {
            let began = Instant::now();
            // spark-submit prints nothing for a moment: the create answer shows only the
            // two stream markers, as in `spark-session-create.json`.
            let quarter = shared.start_delay() / 4;
            tokio::time::sleep(quarter).await;
            let ts = log_timestamp();
            log.stderr(format!("{ts} WARN NativeCodeLoader: Unable to load native-hadoop library for your platform... using builtin-java classes where applicable"));
            log.stderr("log4j:WARN No appenders could be found for logger (io.netty.util.internal.logging.InternalLoggerFactory).");
            log.stderr("log4j:WARN Please initialize the log4j system properly.");
            log.stderr("log4j:WARN See http://logging.apache.org/log4j/1.2/faq.html#noconfig for more info.");
            tokio::time::sleep(quarter).await;
            if shared.take_start_failure() {
                let ts = log_timestamp();
                log.stderr(format!("{ts} ERROR RSCDriver: Failed to start SparkContext"));
                log.stderr("Exception in thread \"main\" java.lang.IllegalStateException: scripted start failure");
                log.stderr("\tat org.apache.livy.rsc.driver.RSCDriver.initializeServer(RSCDriver.java:202)");
                log.stderr("\tat org.apache.livy.rsc.driver.RSCDriver.run(RSCDriver.java:339)");
                return Err(StartFailure {
                    reason: "scripted start failure".into(),
                });
            }
            let ts = log_timestamp();
            log.stderr(format!("{ts} INFO SparkContext: Running Spark version 2.4.8"));
            log.stderr(format!(
                "{ts} INFO SparkContext: Submitted application: livy-session-{}",
                spec.id
            ));
            log.stderr(format!(
                "{ts} INFO Utils: Successfully started service 'sparkDriver' on port 40{:03}.",
                spec.id % 1000
            ));
            tokio::time::sleep(quarter * 2).await;
            let ts = log_timestamp();
            log.stderr(format!(
                "{ts} INFO SparkEntries: Spark context finished initialization in {}ms",
                began.elapsed().as_millis()
            ));
            log.stderr(format!("{ts} INFO SparkEntries: Created Spark session."));
            let interpreter: Arc<dyn Interpreter> = Arc::new(ScriptedInterpreter {
                shared,
                state: Mutex::new(LangState::default()),
            });
            Ok(interpreter)
        })
    }

    fn run_batch(&self, spec: BatchSpec, ctx: BatchCtx) -> BoxFuture<'static, BatchExit> {
        let settings = self.shared.settings.clone();
        Box::pin(async move {
            tokio::time::sleep(settings.batch_start).await;
            ctx.set_running();
            let log = ctx.log();
            log.stdout(format!("{} WARN NativeCodeLoader: Unable to load native-hadoop library for your platform... using builtin-java classes where applicable", log_timestamp()));
            tokio::time::sleep(settings.batch_run / 2).await;
            let request = &spec.request;
            let file = request.file.clone().unwrap_or_default();
            let args = request.args.clone().unwrap_or_default();
            let fail = file.contains("fail") || args.iter().any(|a| a.contains("fail"));
            if file.ends_with(".py") {
                let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
                log.stdout(format!("hello from python batch [{}]", quoted.join(", ")));
            } else {
                log.stdout(format!("hello from batch, args={}", args.join(",")));
            }
            tokio::time::sleep(settings.batch_run / 2).await;
            if fail {
                log.stdout("Exception in thread \"main\" java.lang.RuntimeException: scripted batch failure");
                log.stdout("\tat Hello$.main(Hello.scala:5)");
                log.stdout("\tat org.apache.spark.deploy.SparkSubmit.doRunMain$1(SparkSubmit.scala:161)");
                log.stdout("\tat org.apache.spark.deploy.SparkSubmit.main(SparkSubmit.scala)");
            }
            log.stdout(
                "log4j:WARN No appenders could be found for logger (org.apache.spark.util.ShutdownHookManager).",
            );
            log.stdout("log4j:WARN Please initialize the log4j system properly.");
            log.stdout("log4j:WARN See http://logging.apache.org/log4j/1.2/faq.html#noconfig for more info.");
            if fail { BatchExit::Dead } else { BatchExit::Success }
        })
    }
}

/// One session's scripted interpreter.
pub struct ScriptedInterpreter {
    shared: Arc<Shared>,
    state: Mutex<LangState>,
}

impl Interpreter for ScriptedInterpreter {
    fn execute(&self, req: ExecRequest, ctx: ExecCtx) -> BoxFuture<'_, ExecOutcome> {
        Box::pin(async move {
            let id = req.statement_id;
            ctx.log().stderr(format!(
                "{} INFO DAGScheduler: Got job {id} (statement {id}) with 1 output partitions",
                log_timestamp()
            ));
            let began = Instant::now();
            let outcome = self.run(&req, &ctx).await;
            if !matches!(outcome, ExecOutcome::SessionDied(_)) {
                ctx.log().stderr(format!(
                    "{} INFO DAGScheduler: Job {id} finished: statement {id}, took {:.3} s",
                    log_timestamp(),
                    began.elapsed().as_secs_f64()
                ));
            }
            outcome
        })
    }

    fn complete(&self, kind: Kind, code: &str, cursor: usize) -> BoxFuture<'_, Vec<String>> {
        let candidates = lang::complete(kind, code, cursor, &self.state.lock().unwrap());
        Box::pin(async move { candidates })
    }
}

impl ScriptedInterpreter {
    async fn run(&self, req: &ExecRequest, ctx: &ExecCtx) -> ExecOutcome {
        let default = self.shared.statement_duration();
        if let Some(reply) = self.shared.scripted(&req.code) {
            return play(ctx, reply.duration.unwrap_or(default), reply.outcome()).await;
        }
        // `%fake` directives run in order; other lines are evaluated as the language.
        let mut extra = Duration::ZERO;
        let mut busy = Duration::ZERO;
        let mut forced: Option<ExecOutcome> = None;
        let mut rest = Vec::new();
        for line in req.code.lines() {
            let Some(directive) = line.trim().strip_prefix("%fake ") else {
                rest.push(line);
                continue;
            };
            let (verb, arg) = directive.trim().split_once(' ').unwrap_or((directive.trim(), ""));
            match verb {
                "sleep" => extra += Duration::from_millis(arg.trim().parse().unwrap_or(0)),
                // Work that no cancel can interrupt, like Python code that runs no Spark job.
                "busy" => busy += Duration::from_millis(arg.trim().parse().unwrap_or(0)),
                "log" => ctx.log().stderr(arg.to_string()),
                "die" => {
                    if !run_for(ctx, extra).await {
                        return cancelled(req.statement_id);
                    }
                    return ExecOutcome::SessionDied("%fake die".into());
                }
                "interpreter-died" => forced = Some(ExecOutcome::InterpreterDied(arg.to_string())),
                "fixture" => {
                    forced = Some(match fixtures::statement_output(arg.trim()) {
                        Some(output) => ExecOutcome::Raw(output),
                        None => ExecOutcome::Error {
                            ename: "FakeError".into(),
                            evalue: format!("no fixture output named {}", arg.trim()),
                            traceback: vec![],
                        },
                    })
                }
                "output" => {
                    forced = Some(match serde_json::from_str(arg) {
                        Ok(value) => ExecOutcome::Raw(value),
                        Err(e) => ExecOutcome::Error {
                            ename: "FakeError".into(),
                            evalue: format!("bad %fake output JSON: {e}"),
                            traceback: vec![],
                        },
                    })
                }
                other => {
                    forced = Some(ExecOutcome::Error {
                        ename: "FakeError".into(),
                        evalue: format!("unknown %fake directive {other}"),
                        traceback: vec![],
                    })
                }
            }
        }
        let outcome = match forced {
            Some(outcome) => outcome,
            None => {
                let code = rest.join("\n");
                let eval = {
                    let mut state = self.state.lock().unwrap();
                    lang::evaluate(req.kind, &code, &mut state, self.shared.settings.sql_row_cap)
                };
                extra += eval.sleep;
                eval.outcome
            }
        };
        if !busy.is_zero() {
            tokio::time::sleep(busy).await;
        }
        play(ctx, default + extra, outcome).await
    }
}

/// Runs for `duration` with rising progress, then answers `outcome` (or the cancel error).
async fn play(ctx: &ExecCtx, duration: Duration, outcome: ExecOutcome) -> ExecOutcome {
    if run_for(ctx, duration).await {
        outcome
    } else {
        cancelled(ctx.statement_id())
    }
}

/// Sleeps in ten steps, raising progress; false if cancelled first.
async fn run_for(ctx: &ExecCtx, duration: Duration) -> bool {
    const STEPS: u32 = 10;
    let step = duration / STEPS;
    for i in 0..STEPS {
        ctx.set_progress(f64::from(i) / f64::from(STEPS));
        tokio::select! {
            _ = tokio::time::sleep(step) => {}
            _ = ctx.cancel_token().cancelled() => return false,
        }
    }
    true
}

/// The error a cancelled Spark job leaves (`spark-statement-cancelled.json`).
fn cancelled(id: u64) -> ExecOutcome {
    ExecOutcome::Error {
        ename: "Error".into(),
        evalue: format!("org.apache.spark.SparkException: Job {id} cancelled part of cancelled job group {id}"),
        traceback: [
            "  at org.apache.spark.scheduler.DAGScheduler.org$apache$spark$scheduler$DAGScheduler$$failJobAndIndependentStages(DAGScheduler.scala:1925)\n",
            "  at org.apache.spark.scheduler.DAGScheduler.handleJobCancellation(DAGScheduler.scala:1860)\n",
            "  at org.apache.spark.scheduler.DAGScheduler.handleJobGroupCancelled(DAGScheduler.scala:928)\n",
            "  ... 37 elided\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    }
}
