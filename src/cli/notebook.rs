//! `livy-tui` with no command: the full-screen notebook.

use super::args::NotebookArgs;
use super::connection;
use super::connection::Connection;
use super::failure::{CliResult, Failure};
use super::resources::create_session_request;
use crate::app::{App, AppEvent, DeleteOnQuit, Effect, KeepAliveSettings, PreparedOutput, SessionStart, Settings};
use crate::config::{Config, config_dir, parse_delete_on_quit, parse_keepalive, parse_keepalive_for};
use crate::livy::{LivyClient, SessionId, SessionKind};
use crate::notebook::{Format, Notebook, RecoveryStore, SessionBinding, strip_credentials};
use crate::session::effect_runner::EffectRunner;
use crate::theme::Theme;
use crate::tui;
use crate::ui::UiContext;
use crate::ui::highlight::Highlighter;
use crate::ui::images::ImageMode;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// Opens the notebook and runs it until the user quits.
pub async fn run(connection: &Connection, args: NotebookArgs) -> CliResult {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the notebook needs a terminal; from scripts use 'livy-tui exec' (see --help)",
        ));
    }
    let config = &connection.config;
    let theme = load_theme(&args, config)?;
    let delete_on_quit = delete_on_quit(&args, config)?;
    let keepalive = keepalive(&args, config)?;
    let images = match &args.images {
        Some(mode) => mode.parse().map_err(|e| Failure::usage(format!("--images: {e}")))?,
        None => config.images.unwrap_or(ImageMode::Auto),
    };
    // The file first: its kind (kernel, script language) is the default before the config's.
    let opened = match &args.file {
        Some(path) => Some(open_file(path).await?),
        None => None,
    };
    let kind = session_kind(&args, config, opened.as_ref());

    let (tx, reports) = tokio::sync::mpsc::unbounded_channel();
    let client = client_reporting_retries(connection, tx.clone())?;
    let (mut settings, start) = session_settings(&args, &client, opened.as_ref(), &kind, delete_on_quit)?;
    settings.keepalive = keepalive;
    let syntax_theme = theme.syntax.clone();
    let ui = UiContext::new(theme);
    let (mut app, effects) = App::new(settings, start, config.keymap.clone(), Instant::now());
    let effects = open_in_app(&mut app, opened, effects, &client, &args, &kind).await;
    if !config.key_notes.is_empty() {
        // not silent: a key the config moved away from another command
        app.complain(config.key_notes.join("; "));
    }
    load_highlighter_beside(&ui, syntax_theme, tx.clone());
    let mut runner = EffectRunner::new(client.clone(), tx).with_batch_defaults(args.batch_defaults.clone());

    tui::terminal::install_panic_hook();
    let plan = tui::run(app, effects, &mut runner, reports, &ui, images)
        .await
        .map_err(|e| Failure::failed(format!("the terminal failed: {e}")))?;
    runner.shutdown();
    if let Some(id) = plan.delete_session {
        delete_session(&client, &id).await?;
    }
    Ok(0)
}

/// `--theme`, else the config's, else `dark`; `NO_COLOR` drops its colours.
fn load_theme(args: &NotebookArgs, config: &Config) -> Result<Theme, Failure> {
    let theme_name = args
        .theme
        .clone()
        .or(config.theme.clone())
        .unwrap_or_else(|| "dark".into());
    let theme = Theme::load(&theme_name, config_dir().as_deref()).map_err(|e| Failure::usage(e.to_string()))?;
    Ok(theme.with_no_color(Theme::no_color_env()))
}

/// Whether quitting deletes the session: `--delete-on-quit`, else the config's, else ask.
fn delete_on_quit(args: &NotebookArgs, config: &Config) -> Result<DeleteOnQuit, Failure> {
    Ok(match &args.delete_on_quit {
        // A local session stops with the app anyway: no question on quit.
        _ if args.local.local => DeleteOnQuit::Always,
        Some(text) => parse_delete_on_quit(text).map_err(|e| Failure::usage(format!("--delete-on-quit: {e}")))?,
        None => config.delete_on_quit.unwrap_or(DeleteOnQuit::Ask),
    })
}

/// Keep-alive: the flags, else the config's, else every 5 min for 8 h of no keys.
fn keepalive(args: &NotebookArgs, config: &Config) -> Result<KeepAliveSettings, Failure> {
    let defaults = KeepAliveSettings::default();
    let every = match &args.keepalive {
        Some(text) => parse_keepalive(text).map_err(|e| Failure::usage(format!("--keepalive: {e}")))?,
        None => config.keepalive.unwrap_or(defaults.every),
    };
    let for_idle = match &args.keepalive_for {
        Some(text) => parse_keepalive_for(text).map_err(|e| Failure::usage(format!("--keepalive-for: {e}")))?,
        None => config.keepalive_for.unwrap_or(defaults.for_idle),
    };
    Ok(KeepAliveSettings { every, for_idle })
}

/// The session's kind: `--kind`, else the file's, else PySpark in local mode, else the
/// profile's, else the config's, else Scala.
fn session_kind(args: &NotebookArgs, config: &Config, opened: Option<&Opened>) -> SessionKind {
    let file_kind = opened.and_then(|o| o.notebook.default_kind.clone());
    match (args.kind, file_kind) {
        (Some(k), _) => k.into(),
        (None, Some(k)) => k,
        // Local mode defaults to PySpark, whatever the config prefers for clusters.
        (None, None) if args.local.local => SessionKind::PySpark,
        (None, None) => args
            .new_session
            .defaults
            .kind
            .clone()
            .or_else(|| config.default_kind.clone())
            .unwrap_or(SessionKind::Spark),
    }
}

/// A client that tells the app, on `tx`, when it retries a request.
fn client_reporting_retries(connection: &Connection, tx: UnboundedSender<AppEvent>) -> Result<LivyClient, Failure> {
    let mut client_config = connection::client_config(connection)?;
    client_config.on_retry = Some(Arc::new(move |notice| {
        // The error's message often starts with the request already.
        let message = &notice.error.message;
        let text = if message.starts_with(&notice.what) {
            format!("{message}; retrying in {:.0}s", notice.delay.as_secs_f64())
        } else {
            format!(
                "{}: {message}; retrying in {:.0}s",
                notice.what,
                notice.delay.as_secs_f64()
            )
        };
        let _ = tx.send(AppEvent::Retrying(text));
    }));
    Ok(LivyClient::new(client_config)?)
}

/// The app's settings, and the session to start with: `--session`, else a new one with the
/// flags' settings over the notebook's `%%configure` (the kind chosen wins over both).
fn session_settings(
    args: &NotebookArgs,
    client: &LivyClient,
    opened: Option<&Opened>,
    kind: &SessionKind,
    delete_on_quit: DeleteOnQuit,
) -> Result<(Settings, SessionStart), Failure> {
    let mut flags = create_session_request(&args.new_session)?;
    flags.kind = Some(kind.clone());
    let create = match opened {
        Some(o) => crate::notebook::session_request(&o.notebook, &args.new_session.defaults, flags.clone())
            .map_err(|e| Failure::usage(e.to_string()))?,
        None => {
            let mut create = args.new_session.defaults.clone();
            create.overlay(flags.clone());
            create
        }
    };
    let start = match &args.session {
        Some(id) => SessionStart::Attach(SessionId::from(id.as_str())),
        None => SessionStart::Create(Box::new(create)),
    };
    let settings = Settings {
        server: client.base_url().as_str().trim_end_matches('/').to_string(),
        default_kind: kind.clone(),
        create: flags,
        defaults: args.new_session.defaults.clone(),
        delete_on_quit,
        keepalive: KeepAliveSettings::default(),
    };
    Ok((settings, start))
}

/// Puts the opened file (if any) in the app, offers its earlier session and any recovery
/// copy; returns the effects to start with.
async fn open_in_app(
    app: &mut App,
    opened: Option<Opened>,
    mut effects: Vec<Effect>,
    client: &LivyClient,
    args: &NotebookArgs,
    kind: &SessionKind,
) -> Vec<Effect> {
    let (key, mut binding) = match opened {
        Some(mut o) => {
            if o.is_new && o.notebook.default_kind.is_none() {
                // a new .ipynb: the kernel of the kind asked for, so Jupyter opens it right
                o.notebook = Notebook::new(Some(kind.clone()));
            }
            let path = o.path.clone();
            let binding = o.notebook.binding.clone();
            app.open(o.notebook, o.prepared, Some(o.path));
            if o.is_new {
                app.say(format!("new notebook {}: Ctrl+S creates it", path.display()));
            }
            (path, binding)
        }
        None => (app.notebook.document.recovery_key(), None),
    };
    let recovery = find_recovery(app, &key);
    // Statements left running (in the file, or in unsaved changes): their session is
    // attached to at once, to follow them.
    let mut running = app.marked_sessions();
    if let Some(r) = &recovery {
        running.extend(running_sessions(&r.notebook));
        if binding.is_none() && !running.is_empty() {
            binding = r.notebook.binding.clone();
        }
    }
    if args.local.local {
        // A local server is new each time: a session bound to an earlier one is gone.
        running.iter().for_each(|session| app.lose_marked(session, true));
    } else if let Some(binding) = &binding
        && strip_credentials(&binding.server) != strip_credentials(&app.settings.server)
    {
        // the same id on this server would be another session
        running.iter().for_each(|session| app.lose_marked(session, false));
    } else if args.session.is_none()
        && let Some(binding) = binding
    {
        effects = offer_bound_session(client, app, &binding, effects, &running).await;
    }
    offer_found_recovery(app, recovery);
    effects
}

/// The sessions a notebook's cells were running statements on when the app went away.
fn running_sessions(notebook: &Notebook) -> Vec<String> {
    notebook
        .cells
        .iter()
        .filter_map(|c| crate::notebook::RunningMark::take(&mut c.metadata.clone()))
        .map(|m| m.session)
        .collect()
}

/// Loading the syntaxes takes a moment: it is done beside the first frames, then a redraw
/// is asked for.
fn load_highlighter_beside(ui: &UiContext, syntax_theme: String, redraw: UnboundedSender<AppEvent>) {
    if !Highlighter::theme_exists(&syntax_theme) {
        tracing::warn!(theme = %syntax_theme, "unknown syntax theme; using the default");
    }
    let slot = ui.highlighter_slot();
    std::thread::spawn(move || {
        let _ = slot.set(Highlighter::new(&syntax_theme));
        let _ = redraw.send(AppEvent::Resize);
    });
}

/// Deletes the session on the way out, as the user asked on quitting.
async fn delete_session(client: &LivyClient, id: &SessionId) -> Result<(), Failure> {
    eprintln!("deleting session {id} …");
    match tokio::time::timeout(Duration::from_secs(30), client.delete_session(id)).await {
        Ok(Ok(())) => eprintln!("session {id} deleted"),
        Ok(Err(e)) if e.is_not_found() => eprintln!("session {id} was already gone"),
        Ok(Err(e)) => return Err(Failure::failed(format!("could not delete session {id}: {e}"))),
        Err(_) => {
            return Err(Failure::failed(format!(
                "session {id} did not answer the delete within 30 s; check with 'livy-tui sessions list'"
            )));
        }
    }
    Ok(())
}

/// A notebook file read for opening, its saved outputs ready to show.
struct Opened {
    path: PathBuf,
    notebook: Notebook,
    prepared: Vec<Option<PreparedOutput>>,
    /// The file does not exist yet; it is created on the first save.
    is_new: bool,
}

/// Reads (or starts) the notebook at `path`. Saved outputs are parsed and laid out on a
/// worker thread, as results are while the notebook runs.
async fn open_file(path: &Path) -> Result<Opened, Failure> {
    let format = Format::from_path(path).map_err(|e| Failure::usage(e.to_string()))?;
    let (notebook, is_new) = match crate::notebook::load(path) {
        Ok(notebook) => (notebook, false),
        Err(e) if e.is_not_found() => {
            let kind = match format {
                Format::Script(language) => Some(language.default_kind()),
                Format::Ipynb => None,
            };
            (Notebook::new(kind), true)
        }
        Err(e) => return Err(Failure::usage(e.to_string())),
    };
    let (notebook, prepared) = tokio::task::spawn_blocking(move || {
        let prepared = crate::app::cell::prepare_saved_outputs(&notebook);
        (notebook, prepared)
    })
    .await
    .map_err(|e| Failure::failed(format!("could not prepare the notebook's outputs: {e}")))?;
    Ok(Opened {
        path: path.to_path_buf(),
        notebook,
        prepared,
        is_new,
    })
}

/// The notebook ran on a session before: if it is still alive on this server, ask whether
/// to attach (instead of creating one at once); if it is gone, offer to run again what had
/// run. Another server's session is left alone.
async fn offer_bound_session(
    client: &LivyClient,
    app: &mut App,
    binding: &SessionBinding,
    effects: Vec<Effect>,
    running: &[String],
) -> Vec<Effect> {
    if strip_credentials(&binding.server) != strip_credentials(&app.settings.server) {
        return effects;
    }
    let id = SessionId::from(binding.session_id.as_str());
    match tokio::time::timeout(Duration::from_secs(5), client.get_session(&id)).await {
        Ok(Ok(session)) if !binding.describes(&session) => {
            app.complain(format!(
                "session {id} on the server is another session now (not the {} this notebook ran on): left alone",
                binding.kind.as_ref().map_or("one", |k| k.as_str())
            ));
            app.lose_marked(&binding.session_id, true);
            effects
        }
        Ok(Ok(session)) if !session.state.is_finished() && running.contains(&binding.session_id) => {
            // no question: a statement runs there, and its result belongs in the notebook
            app.say(format!(
                "attaching to session {id}, where a statement was left running …"
            ));
            app.resume_session(id)
        }
        Ok(Ok(session)) if !session.state.is_finished() => {
            app.ask_reattach(id, session.state.to_string());
            Vec::new()
        }
        Ok(Ok(_)) => {
            app.lose_marked(&binding.session_id, true);
            app.offer_rerun(binding.session_id.clone());
            effects
        }
        Ok(Err(e)) if e.is_not_found() => {
            app.lose_marked(&binding.session_id, true);
            app.offer_rerun(binding.session_id.clone());
            effects
        }
        // unreachable or slow: carry on as if there were no binding
        _ => effects,
    }
}

/// A recovery copy of unsaved changes, newer than the file, if there is one.
fn find_recovery(app: &mut App, key: &Path) -> Option<crate::notebook::Recovery> {
    let store = RecoveryStore::from_env()?;
    match store.find(key) {
        Ok(found) => found,
        Err(e) => {
            app.complain(format!("a recovery copy could not be read: {e}"));
            None
        }
    }
}

/// A recovery copy found is offered back.
fn offer_found_recovery(app: &mut App, recovery: Option<crate::notebook::Recovery>) {
    if let Some(recovery) = recovery {
        app.offer_recovery(recovery.saved_at, recovery.notebook);
    }
}
