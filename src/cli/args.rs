//! Command-line definitions. Every flag's help says what it does and where its default
//! comes from; `--help` on each command is the reference.

use crate::livy::SessionKind;
pub use crate::profile::AuthMethod;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// A terminal notebook and command-line client for Apache Livy.
///
/// With no command, opens the full-screen notebook on a new session (or --session).
#[derive(Debug, Parser)]
#[command(name = "livy-tui", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    #[command(flatten)]
    pub logging: LoggingArgs,

    /// Print what the server sends byte for byte. By default its text is made safe first: on
    /// a terminal only colours stay (no title, clipboard, cursor or screen sequences), into a
    /// pipe or file it is plain text.
    #[arg(long, global = true, help_heading = "Output")]
    pub raw: bool,

    /// How long exec and run keep following a running statement while the server cannot be
    /// reached (a gateway restart, a network drop), saying on stderr that they wait, before
    /// giving up; e.g. 30s, 10m [default: 5m].
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_wait)]
    pub wait_for_server: Option<std::time::Duration>,

    #[command(flatten)]
    pub notebook: NotebookArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The full-screen notebook (no subcommand).
#[derive(Debug, Args)]
#[command(next_help_heading = "Notebook (livy-tui with no command)")]
pub struct NotebookArgs {
    /// Notebook file to open or create: .ipynb (Jupyter, sparkmagic notebooks included) or a
    /// percent script (.py .scala .r .sql with `# %%` / `// %%` / `-- %%` cell markers).
    /// Without one the notebook is untitled until saved (Ctrl+S).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Language of new cells and of a new session [default: spark, or default-kind in the config].
    #[arg(long, short, value_enum)]
    pub kind: Option<KindArg>,

    /// Attach to this session (id or name) instead of creating one.
    #[arg(long, short, value_name = "ID|NAME")]
    pub session: Option<String>,

    /// Colour theme: dark, light, a theme in the config directory's themes/, or a .toml file.
    /// NO_COLOR turns colours off.
    #[arg(long, value_name = "THEME")]
    pub theme: Option<String>,

    /// On quit, delete the session this notebook created: ask, always or never [default: ask].
    #[arg(long, value_name = "WHEN")]
    pub delete_on_quit: Option<String>,

    /// How images are drawn: auto, kitty, sixel, iterm2, halfblocks (works everywhere, tmux
    /// and plain ssh included) or none [default: auto, or `images` in the config].
    #[arg(long, value_name = "MODE")]
    pub images: Option<String>,

    /// While you use the notebook, tell Livy this often that the session is in use, so its
    /// idle timeout (livy.server.session.timeout) does not delete it: 90s, 1m, 5m, or off
    /// [default: 5m, or `keepalive` in the config].
    #[arg(long, value_name = "DURATION")]
    pub keepalive: Option<String>,

    /// Stop keeping the session alive after this long without a key [default: 8h, or
    /// `keepalive-for` in the config].
    #[arg(long, value_name = "DURATION")]
    pub keepalive_for: Option<String>,

    #[command(flatten)]
    pub local: LocalArgs,

    #[command(flatten)]
    pub new_session: NewSessionArgs,

    /// The profile's defaults for a batch submitted from the batches pane.
    #[arg(skip)]
    pub batch_defaults: crate::livy::CreateBatch,
}

/// Local mode: a built-in Livy endpoint over PySpark on this machine.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Local mode (no cluster)")]
pub struct LocalArgs {
    /// Use PySpark on this machine instead of a Livy server: a built-in Livy-compatible
    /// server starts on a free 127.0.0.1 port and stops on exit, with everything it started.
    /// Needs Python 3 with pyspark (pip install pyspark) and Java. Kinds pyspark, spark
    /// (Scala, through the REPL in pyspark's jars) and sql; not sparkr. Batches of a local .py
    /// or .jar, run by pyspark's spark-submit.
    #[arg(long)]
    pub local: bool,

    /// Python for local sessions and batches [default: $PYSPARK_PYTHON, else python3].
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}

impl LocalArgs {
    /// These flags, or else `other`'s (`livy-tui --local exec` and `livy-tui exec --local`).
    pub fn or(&self, other: &LocalArgs) -> LocalArgs {
        LocalArgs {
            local: self.local || other.local,
            python: self.python.clone().or_else(|| other.python.clone()),
        }
    }
}

/// Where the server is and how to talk to it. Every flag here overrides what the profile
/// says; unset flags leave the profile's setting (or the built-in default).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// Connection profile from the config file ([profiles.NAME]) [default: default-profile
    /// in the config, unless --url is given].
    #[arg(long, global = true, env = "LIVY_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    /// Config file [default: config.toml in the config directory].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Livy base URL, with any gateway path prefix (https://cluster.azurehdinsight.net/livy)
    /// [default: the profile's url, or http://localhost:8998].
    #[arg(long, global = true, env = "LIVY_URL")]
    pub url: Option<String>,

    /// The server's API, when the URL does not show it: livy, hdinsight, knox, emr, synapse,
    /// fabric or dli [default: detected from the URL, else livy].
    #[arg(long, global = true, value_name = "FLAVOR", value_parser = parse_flavor)]
    pub flavor: Option<crate::livy::Flavor>,

    /// How to authenticate: basic (--user), bearer (a token), kerberos (the ticket from kinit),
    /// or none. Without it: basic when --user is given, bearer when a token is, else none.
    #[arg(long, global = true, env = "LIVY_AUTH", value_enum, value_name = "METHOD")]
    pub auth: Option<AuthMethod>,

    /// Kerberos service principal to ask a ticket for, as HTTP@HOST or HOST, when Livy is
    /// reached by a load balancer or DNS alias (default: HTTP@<host of --url>).
    #[arg(long, global = true, value_name = "SPN")]
    pub spn: Option<String>,

    /// User for HTTP basic auth. The password comes from --password-command, the variable
    /// named by --password-env, or a prompt on the terminal; never from the command line.
    #[arg(long, global = true, env = "LIVY_USER")]
    pub user: Option<String>,

    /// Environment variable that holds the basic-auth password [default: LIVY_PASSWORD].
    #[arg(long, global = true, value_name = "VAR")]
    pub password_env: Option<String>,

    /// Command whose output is the basic-auth password (e.g. "pass show livy").
    #[arg(long, global = true, value_name = "CMD")]
    pub password_command: Option<String>,

    /// Environment variable that holds a token (Synapse, Fabric, Knox JWT) [default: LIVY_TOKEN].
    #[arg(long, global = true, value_name = "VAR")]
    pub token_env: Option<String>,

    /// File that holds a token.
    #[arg(long, global = true, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Command whose output is a token (e.g. "az account get-access-token --query accessToken -o tsv").
    #[arg(long, global = true, value_name = "CMD")]
    pub token_command: Option<String>,

    /// Header the token goes in, e.g. X-Auth-Token [default: Authorization: Bearer].
    #[arg(long, global = true, value_name = "NAME")]
    pub token_header: Option<String>,

    /// Extra request header, "Name: value"; repeat for more.
    #[arg(long = "header", short = 'H', global = true, value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Value of the X-Requested-By header sent with every request (Livy's CSRF protection)
    /// [default: livy-tui].
    #[arg(long, global = true, value_name = "VALUE")]
    pub requested_by: Option<String>,

    /// PEM file of CA certificates to trust besides the system's.
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// PEM client certificate for mutual TLS (may also hold the key).
    #[arg(long, global = true, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,

    /// PEM private key for --client-cert.
    #[arg(long, global = true, value_name = "FILE")]
    pub client_key: Option<PathBuf>,

    /// Accept any server certificate. For lab clusters only.
    #[arg(long, global = true)]
    pub insecure: bool,

    /// Ignore HTTP_PROXY/HTTPS_PROXY from the environment.
    #[arg(long, global = true)]
    pub no_proxy: bool,

    /// Seconds to wait for a connection [default: 10].
    #[arg(long, global = true, value_name = "SECS")]
    pub connect_timeout: Option<f64>,

    /// Seconds to wait for a reply [default: 60]. A request is tried at most 1 + --retries
    /// times, so a server that never answers is given up on after about (1 + retries) × this
    /// (6 min with the defaults); after 2 s the command says what it is waiting for.
    #[arg(long, global = true, value_name = "SECS")]
    pub read_timeout: Option<f64>,

    /// Retries for reads after a connection error, timeout or 502/503/504 [default: 5].
    #[arg(long, global = true, value_name = "N")]
    pub retries: Option<usize>,

    /// Set by `--local`: the built-in server's URL, which replaces --url, and no credentials,
    /// headers or proxy apply to it.
    #[arg(skip)]
    pub local_url: Option<String>,
}

fn parse_wait(text: &str) -> Result<std::time::Duration, String> {
    crate::profile::settings::parse_duration(text).map_err(|e| e.to_string())
}

fn parse_flavor(text: &str) -> Result<crate::livy::Flavor, String> {
    crate::livy::Flavor::parse(text).ok_or_else(|| format!("not one of {}", crate::livy::Flavor::names()))
}

/// Diagnostics.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Diagnostics")]
pub struct LoggingArgs {
    /// Also write the diagnostic log to stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// Diagnostic log file [default: livy-tui.log in the user's state directory].
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// Log filter, RUST_LOG style ("debug", "livy_tui=trace,reqwest=info").
    #[arg(
        long,
        global = true,
        env = "LIVY_TUI_LOG",
        default_value = "info",
        value_name = "FILTER"
    )]
    pub log_level: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run code as one statement and print its result.
    ///
    /// Attaches to --session, or creates a session, waits for it, runs the code and prints
    /// the result: text as is, tables aligned, JSON pretty, images saved to a file. A failed
    /// statement prints its error on stderr and exits 1. A session this command created is
    /// deleted on exit (also on Ctrl-C) unless --keep. Ctrl-C cancels a running statement.
    Exec(Box<ExecArgs>),
    /// Run a notebook headless, every cell in order, and save it with the outputs.
    ///
    /// Like `jupyter nbconvert --execute` or papermill, for .ipynb notebooks (sparkmagic ones
    /// included) and percent scripts (.py, .scala, .r, .sql). Creates a session (with the
    /// notebook's %%configure settings) or attaches to --session, runs the code cells as
    /// statements (skipping markdown, raw, empty and client-side magic cells such as %%info),
    /// stops at the first failed cell (exit 1) unless --allow-errors, writes the notebook
    /// with the new outputs — also after a failure or Ctrl-C — and deletes a session it
    /// created. Needs no terminal.
    Run(Box<RunArgs>),
    /// Serve the Livy REST API over PySpark on this machine, for any Livy client.
    ///
    /// Each session is a local Python process with a SparkSession (local[*]); kinds pyspark,
    /// spark (Scala) and sql (and shared sessions mixing them per statement); not sparkr. A
    /// batch (POST /batches) is a .py or .jar on this machine, run by pyspark's spark-submit
    /// (local[*]). GET / leads to a plain /ui page of sessions and batches. Listens on
    /// 127.0.0.1 unless --bind says otherwise. Ctrl-C stops it and every session's and batch's
    /// Spark.
    Serve(ServeArgs),
    /// Install PySpark for local mode into a private venv that --local and serve then use.
    ///
    /// Creates the venv with python3 -m venv and pip-installs pyspark and matplotlib (a few
    /// hundred MB), then checks that Spark can run here (Java). Needed only where the system
    /// Python refuses pip installs; any Python with pyspark works with --python.
    LocalSetup(LocalSetupArgs),
    /// Convert a notebook between .ipynb and a percent script (.py, .scala, .r, .sql).
    ///
    /// A script holds no outputs: converting to one drops them.
    Export(ExportArgs),
    /// List, inspect, kill and read the logs of interactive sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Submit, list, inspect, follow and kill batch jobs.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// List and show the connection profiles of the config file, or import sparkmagic's.
    #[command(subcommand)]
    Profiles(ProfilesCommand),
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// The profiles: name, URL and auth method (never a secret); * marks the default.
    List,
    /// One profile's settings, with where its secrets come from (never the secrets).
    Show {
        /// The profile's name.
        name: String,
    },
    /// Make profiles of sparkmagic's config.json and add them to the config file.
    ///
    /// Each kernel_*_credentials becomes a profile (one, if all kernels share a server and
    /// login): auth None, Basic_Access or Kerberos; session_configs become its session
    /// defaults, ignore_ssl_errors insecure, custom_headers its headers. A password in the
    /// file goes to a file of its own that only you can read, and the command says where.
    ImportSparkmagic(ImportSparkmagicArgs),
}

#[derive(Debug, Args)]
pub struct ImportSparkmagicArgs {
    /// sparkmagic's config [default: ~/.sparkmagic/config.json].
    pub file: Option<PathBuf>,
    /// Name of the profile, or prefix of the profiles (NAME-python, NAME-scala, NAME-r).
    #[arg(long, default_value = "sparkmagic")]
    pub name: String,
    /// Replace profiles of the same name.
    #[arg(long)]
    pub replace: bool,
    /// Leave passwords out: you are asked for them (or set LIVY_PASSWORD) when connecting.
    #[arg(long)]
    pub no_passwords: bool,
    /// Print what would be added and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Code language, for a session or one statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Scala
    Spark,
    /// Python
    Pyspark,
    /// R
    Sparkr,
    /// Spark SQL
    Sql,
}

impl From<KindArg> for SessionKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Spark => SessionKind::Spark,
            KindArg::Pyspark => SessionKind::PySpark,
            KindArg::Sparkr => SessionKind::SparkR,
            KindArg::Sql => SessionKind::Sql,
        }
    }
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Language of the code; also the kind of a new session [default: the profile's session
    /// kind, else default-kind in the config, else spark (pyspark with --local)].
    #[arg(long, short, value_enum)]
    pub kind: Option<KindArg>,

    /// Run in this existing session (id or name) instead of creating one.
    #[arg(long, short, value_name = "ID|NAME")]
    pub session: Option<String>,

    /// The code to run.
    #[arg(long = "code", short = 'c', value_name = "CODE", conflicts_with = "file")]
    pub code: Option<String>,

    /// File with the code to run ("-" for stdin). Without -c or -f, code is read from stdin.
    #[arg(long, short, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Print the statement as the server returned it, as JSON.
    #[arg(long)]
    pub json: bool,

    /// Keep a session this command created, and print its id.
    #[arg(long)]
    pub keep: bool,

    /// Give up after this many seconds (session start plus the run); the session is
    /// cleaned up as on Ctrl-C.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,

    /// Directory for images the statement returns [default: the system temp directory].
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    #[command(flatten)]
    pub local: LocalArgs,

    #[command(flatten)]
    pub new_session: NewSessionArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on.
    #[arg(long, short, default_value_t = 8998)]
    pub port: u16,

    /// Address to listen on. Anything but a loopback address lets other machines run code
    /// as you: there is no authentication.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
    pub bind: std::net::IpAddr,

    /// Python for the sessions [default: $PYSPARK_PYTHON, else python3].
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,

    /// Rows a sql statement returns at most (Livy's livy.rsc.sql.num-rows); a cut result says so.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub sql_rows: usize,

    /// Delete a session after this long without a statement, completion, cancel or connect
    /// (GETs do not count), as Livy's livy.server.session.timeout does: 90s, 30m, 1h, or off.
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub session_timeout: String,
}

#[derive(Debug, Args)]
pub struct LocalSetupArgs {
    /// Python to make the venv with [default: python3].
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,

    /// The venv [default: $LIVY_TUI_PYSPARK_VENV, else pyspark-venv in the data directory,
    /// ~/.local/share/livy-tui on Linux].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// What to install, as pip takes it (pyspark==4.3.0, "pyspark<4" for Java 8 or 11).
    #[arg(long, default_value = "pyspark", value_name = "REQUIREMENT")]
    pub pyspark: String,

    /// Make the venv again even if it has pyspark.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The notebook: .ipynb, or a percent script (.py, .scala, .r, .sql).
    #[arg(value_name = "NOTEBOOK")]
    pub notebook: PathBuf,

    /// Write the executed notebook here (format by extension) instead of over NOTEBOOK (whose
    /// old version is kept as NOTEBOOK~). A script holds no outputs, so a script NOTEBOOK is
    /// never rewritten: use -o OUT.ipynb to keep them.
    #[arg(long, short, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Set a parameter, NAME=VALUE; repeat for more. Replaces ${NAME} in code cells, and
    /// assigns NAME in a cell injected after the cell tagged "parameters" (papermill style).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Kind of a new session [default: the notebook's kind, else by the script's extension,
    /// else default-kind in the config, else spark]; also of cells when the notebook names
    /// no kind.
    #[arg(long, short, value_enum)]
    pub kind: Option<KindArg>,

    /// Run in this existing session (id or name) instead of creating one; it is never
    /// deleted, and the notebook's %%configure cells are ignored.
    #[arg(long, short, value_name = "ID|NAME")]
    pub session: Option<String>,

    /// Run every cell even when some fail; exit 0 and report how many failed.
    #[arg(long)]
    pub allow_errors: bool,

    /// Keep a session this command created, and print its id.
    #[arg(long)]
    pub keep_session: bool,

    /// Give up on a cell that runs longer than this many seconds: cancel it and stop (exit 1).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,

    #[command(flatten)]
    pub local: LocalArgs,

    #[command(flatten)]
    pub new_session: NewSessionArgs,
}

/// What `export` converts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportTo {
    /// A percent script in the notebook's language (.py, .scala, .r or .sql).
    Script,
    /// A Jupyter notebook (.ipynb).
    Ipynb,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The notebook to convert.
    #[arg(value_name = "NOTEBOOK")]
    pub notebook: PathBuf,

    /// Target format [default: by the extension of -o].
    #[arg(long, value_enum)]
    pub to: Option<ExportTo>,

    /// Where to write ("-" for stdout) [default: NOTEBOOK with the target's extension].
    #[arg(long, short, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Overwrite OUT if it exists (the old file is kept as OUT~).
    #[arg(long, short)]
    pub force: bool,
}

/// Settings for a session this command creates.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "New session")]
pub struct NewSessionArgs {
    /// Name for the new session (Livy 0.6+).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Per-session timeout, e.g. 30m (Livy 0.8+: inactivity; 0.9+: lifetime).
    #[arg(long, value_name = "DURATION")]
    pub ttl: Option<String>,

    /// Per-session inactivity timeout, e.g. 30m (Livy 0.9+).
    #[arg(long, value_name = "DURATION")]
    pub idle_timeout: Option<String>,

    /// Seconds without a client heartbeat before Livy drops the session (0 = never).
    #[arg(long, value_name = "SECS")]
    pub heartbeat_timeout: Option<u32>,

    #[command(flatten)]
    pub resources: ResourceArgs,

    /// The profile's defaults for a new session, under %%configure cells and these flags.
    #[arg(skip)]
    pub defaults: crate::livy::CreateSession,
}

/// Spark resources for a session or batch.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Spark resources")]
pub struct ResourceArgs {
    /// Spark configuration, key=value; repeat for more.
    #[arg(long = "conf", value_name = "KEY=VALUE")]
    pub conf: Vec<String>,
    /// Run as this user (impersonation).
    #[arg(long, value_name = "USER")]
    pub proxy_user: Option<String>,
    /// Driver memory, e.g. 2g.
    #[arg(long, value_name = "SIZE")]
    pub driver_memory: Option<String>,
    /// Driver cores.
    #[arg(long, value_name = "N")]
    pub driver_cores: Option<u32>,
    /// Executor memory, e.g. 4g.
    #[arg(long, value_name = "SIZE")]
    pub executor_memory: Option<String>,
    /// Cores per executor.
    #[arg(long, value_name = "N")]
    pub executor_cores: Option<u32>,
    /// Number of executors.
    #[arg(long, value_name = "N")]
    pub num_executors: Option<u32>,
    /// YARN queue.
    #[arg(long, value_name = "QUEUE")]
    pub queue: Option<String>,
    /// Jars for the classpath; repeat or separate with commas.
    #[arg(long, value_name = "PATH", value_delimiter = ',')]
    pub jars: Vec<String>,
    /// Python files for the PYTHONPATH; repeat or separate with commas.
    #[arg(long, value_name = "PATH", value_delimiter = ',')]
    pub py_files: Vec<String>,
    /// Files for the executors' working directory; repeat or separate with commas.
    #[arg(long, value_name = "PATH", value_delimiter = ',')]
    pub files: Vec<String>,
    /// Archives to unpack on the executors; repeat or separate with commas.
    #[arg(long, value_name = "PATH", value_delimiter = ',')]
    pub archives: Vec<String>,
    /// A vendor field for the create body, KEY=VALUE, sent as is (DLI's sc_type=B); VALUE is
    /// JSON when it reads as JSON, else a string. Repeat for more.
    #[arg(long, value_name = "KEY=VALUE")]
    pub extra: Vec<String>,
}

/// Output format of list and show commands.
#[derive(Debug, Args, Clone, Copy)]
pub struct FormatArgs {
    /// Print the server's JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Paging of lists.
#[derive(Debug, Args, Clone, Copy)]
pub struct PagingArgs {
    /// First item to list.
    #[arg(long, default_value_t = 0)]
    pub from: u64,
    /// How many to list.
    #[arg(long, default_value_t = 100)]
    pub size: u64,
}

/// Reading a log.
#[derive(Debug, Args, Clone, Copy)]
pub struct LogArgs {
    /// Keep printing new lines until the session or batch ends.
    #[arg(long, short)]
    pub follow: bool,
    /// Print only the last N lines first [default: all the server holds].
    #[arg(long, short = 'n', value_name = "N")]
    pub lines: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List sessions: id, name, kind, state, owner, app id.
    List {
        #[command(flatten)]
        paging: PagingArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Show one session's details and last log lines.
    Show {
        /// Session id or name.
        id: String,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Delete a session (stops its Spark application).
    #[command(alias = "delete")]
    Kill {
        /// Session id or name.
        id: String,
    },
    /// Print a session's log; -f follows it until the session ends.
    Log {
        /// Session id or name.
        id: String,
        #[command(flatten)]
        log: LogArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// List batches: id, name, state, owner, app id.
    List {
        #[command(flatten)]
        paging: PagingArgs,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Submit a batch job: a jar (with --class) or a Python file, at a path the cluster can
    /// read (hdfs://, s3://, abfs://, or a whitelisted local path).
    ///
    /// With --local, a .py or .jar on this machine runs through the spark-submit of the
    /// local pyspark (master local[*] unless --conf spark.master=… says otherwise); the
    /// command follows its log to the end and exits 0 if it succeeded, 1 if not.
    Submit(Box<SubmitArgs>),
    /// Show one batch's details and last log lines.
    Show {
        /// Batch id or name.
        id: String,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Print a batch's log; -f follows it until the batch ends, and exits 1 if it failed.
    Log {
        /// Batch id or name.
        id: String,
        #[command(flatten)]
        log: LogArgs,
    },
    /// Kill a batch and delete it.
    #[command(alias = "delete")]
    Kill {
        /// Batch id or name.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The application: a jar or .py file the cluster can read (with --local, a file here).
    pub file: String,
    /// Main class of a jar.
    #[arg(long = "class", value_name = "CLASS")]
    pub class_name: Option<String>,
    /// Argument to the application; repeat for more.
    #[arg(long = "arg", value_name = "ARG", allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Name of the batch.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// After submitting, follow the log until the batch ends (exit 1 if it fails); always
    /// with --local.
    #[arg(long, short)]
    pub follow: bool,
    #[command(flatten)]
    pub resources: ResourceArgs,
    #[command(flatten)]
    pub local: LocalArgs,

    /// The profile's defaults for a new batch, under these flags.
    #[arg(skip)]
    pub defaults: crate::livy::CreateBatch,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap checks its definitions only when a command line is parsed (two flags with one
    /// short name panic then): check every subcommand here, once.
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
