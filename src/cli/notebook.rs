//! `livy-tui` with no command: the full-screen notebook.

use super::args::{ConnectionArgs, NotebookArgs};
use super::connection;
use super::failure::{CliResult, Failure};
use super::resources::create_session_request;
use crate::app::{App, AppEvent, DeleteOnQuit, SessionStart, Settings};
use crate::config::{Config, config_dir, parse_delete_on_quit};
use crate::livy::{LivyClient, SessionId, SessionKind};
use crate::session::tasks::Runner;
use crate::theme::Theme;
use crate::tui;
use crate::ui::UiContext;
use crate::ui::highlight::Highlighter;
use crate::ui::images::ImageMode;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Opens the notebook and runs it until the user quits.
pub async fn run(connection_args: &ConnectionArgs, args: NotebookArgs) -> CliResult {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the notebook needs a terminal; from scripts use 'livy-tui exec' (see --help)",
        ));
    }
    let config = Config::load(args.config.as_deref()).map_err(Failure::usage)?;
    let theme_name = args
        .theme
        .clone()
        .or(config.theme.clone())
        .unwrap_or_else(|| "dark".into());
    let theme = Theme::load(&theme_name, config_dir().as_deref())
        .map_err(Failure::usage)?
        .with_no_color(Theme::no_color_env());
    let keymap = config.keymap().map_err(Failure::usage)?;
    let delete_on_quit = match &args.delete_on_quit {
        Some(text) => parse_delete_on_quit(text).map_err(Failure::usage)?,
        None => config
            .delete_on_quit()
            .map_err(Failure::usage)?
            .unwrap_or(DeleteOnQuit::Ask),
    };
    let images = match &args.images {
        Some(mode) => mode.parse().map_err(|e| Failure::usage(format!("--images: {e}")))?,
        None => config.image_mode().map_err(Failure::usage)?.unwrap_or(ImageMode::Auto),
    };
    let kind: SessionKind = match args.kind {
        Some(k) => k.into(),
        None => config
            .default_kind()
            .map_err(Failure::usage)?
            .unwrap_or(SessionKind::Spark),
    };

    let (tx, reports) = tokio::sync::mpsc::unbounded_channel();
    let mut client_config = connection::client_config(connection_args)?;
    let retries = tx.clone();
    client_config.on_retry = Some(Arc::new(move |notice| {
        let text = format!(
            "{}: {}; retrying in {:.0}s",
            notice.what,
            notice.error.message,
            notice.delay.as_secs_f64()
        );
        let _ = retries.send(AppEvent::Retrying(text));
    }));
    let client = LivyClient::new(client_config)?;

    let mut create = create_session_request(&args.new_session)?;
    create.kind = Some(kind.clone());
    let start = match &args.session {
        Some(id) => SessionStart::Attach(SessionId::from(id.as_str())),
        None => SessionStart::Create(Box::new(create.clone())),
    };
    let settings = Settings {
        server: client.base_url().as_str().trim_end_matches('/').to_string(),
        default_kind: kind,
        create,
        delete_on_quit,
    };
    let syntax_theme = theme.syntax.clone();
    let ui = UiContext::new(theme);
    if !Highlighter::theme_exists(&syntax_theme) {
        tracing::warn!(theme = %syntax_theme, "unknown syntax theme; using the default");
    }
    let (app, effects) = App::new(settings, start, keymap, Instant::now());
    // Loading the syntaxes takes a moment: do it beside the first frames, then redraw.
    let slot = ui.highlighter_slot();
    let redraw = tx.clone();
    std::thread::spawn(move || {
        let _ = slot.set(Highlighter::new(&syntax_theme));
        let _ = redraw.send(AppEvent::Resize);
    });
    let mut runner = Runner::new(client.clone(), tx);

    tui::terminal::install_panic_hook();
    let plan = tui::run(app, effects, &mut runner, reports, &ui, images)
        .await
        .map_err(|e| Failure::failed(format!("the terminal failed: {e}")))?;
    runner.shutdown();

    if let Some(id) = plan.delete_session {
        eprintln!("deleting session {id} …");
        match tokio::time::timeout(Duration::from_secs(30), client.delete_session(&id)).await {
            Ok(Ok(())) => eprintln!("session {id} deleted"),
            Ok(Err(e)) if e.is_not_found() => eprintln!("session {id} was already gone"),
            Ok(Err(e)) => return Err(Failure::failed(format!("could not delete session {id}: {e}"))),
            Err(_) => {
                return Err(Failure::failed(format!(
                    "session {id} did not answer the delete within 30 s; check with 'livy-tui sessions list'"
                )));
            }
        }
    }
    Ok(0)
}
