//! The connection: the profile (from the config file), the environment and the flags, each
//! a `ConnectionSettings` stacked in that order, then turned into a `ClientConfig` by reading
//! the secrets from where they are allowed to come from: environment variables, files,
//! commands, or a terminal prompt. Never from the command line or the config file itself.

use super::args::ConnectionArgs;
use super::failure::Failure;
use crate::config::Config;
use crate::livy::{Auth, ClientConfig, ErrorKind, LivyClient, LivyError, RetryPolicy, TokenRefresh};
use crate::profile::settings::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_PASSWORD_ENV, DEFAULT_READ_TIMEOUT, DEFAULT_REQUESTED_BY, DEFAULT_RETRIES,
    DEFAULT_TOKEN_ENV, seconds_to_duration,
};
use crate::profile::{AuthMethod, AuthSettings, ConnectionSettings, Profile, SecretSource};
use std::io::IsTerminal;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// A command's connection, worked out once: the config file read, the profile chosen, and
/// the settings stacked (profile, then environment and flags). Secrets are not read yet:
/// that is [`client`]'s job, so a command can check its own input first.
pub struct Connection {
    pub args: ConnectionArgs,
    pub config: Config,
    pub profile: Option<Profile>,
    pub settings: ConnectionSettings,
}

impl Connection {
    pub fn resolve(args: &ConnectionArgs) -> Result<Connection, Failure> {
        let config = Config::load(args.config.as_deref()).map_err(|e| Failure::usage(e.to_string()))?;
        let profile = selected_profile(args, &config)?;
        let base = profile.as_ref().map(|p| p.connection.clone()).unwrap_or_default();
        let settings = base.overlaid(flag_settings(args)?);
        Ok(Connection {
            args: args.clone(),
            config,
            profile,
            settings,
        })
    }
}

/// Builds a client from the profile and the flags, for a headless command: a wait of more
/// than a couple of seconds, and each retry after one, are told on stderr.
pub fn client(connection: &Connection) -> Result<LivyClient, Failure> {
    let mut config = client_config(connection)?;
    let give_up = humantime::format_duration(std::time::Duration::from_secs(config.give_up_after().as_secs()));
    config.on_slow = Some(Arc::new(move |what: &str| {
        eprintln!("waiting for the server to answer {what} … (gives up after {give_up})");
    }));
    config.on_retry = Some(Arc::new(|notice: &crate::livy::RetryNotice| {
        // Quick retries (a refused connection, a restart) are not worth a line.
        if notice.delay >= std::time::Duration::from_secs(1) {
            let message = super::print::safe_line(&notice.error.message);
            let prefix = if message.starts_with(&notice.what) {
                String::new()
            } else {
                format!("{}: ", notice.what)
            };
            eprintln!("{prefix}{message}; retrying in {:.0}s …", notice.delay.as_secs_f64());
        }
    }));
    Ok(LivyClient::new(config)?)
}

/// The client configuration the connection describes, with the secrets read.
pub fn client_config(connection: &Connection) -> Result<ClientConfig, Failure> {
    if let Some(url) = &connection.args.local_url {
        return local_config(url, &connection.settings);
    }
    resolve(&connection.settings)
}

/// The profile named by `--profile` / `LIVY_PROFILE`, or the config's `default-profile`
/// when no `--url` is given. The built-in local server takes none unless one is named.
fn selected_profile(args: &ConnectionArgs, config: &Config) -> Result<Option<Profile>, Failure> {
    if args.local_url.is_some() && args.profile.is_none() {
        return Ok(None);
    }
    let profile = config
        .profiles
        .select(args.profile.as_deref(), args.url.is_some())
        .map_err(|e| match &config.path {
            Some(path) => Failure::usage(format!("{e} in {}", path.display())),
            None => Failure::usage(format!("{e}: there is no config file")),
        })?;
    Ok(profile.cloned())
}

/// What the flags (and the variables clap reads for them) say.
pub fn flag_settings(args: &ConnectionArgs) -> Result<ConnectionSettings, Failure> {
    let secret = |command: &Option<String>, file: Option<&Path>, env: &Option<String>| {
        command
            .clone()
            .map(SecretSource::Command)
            .or_else(|| file.map(|f| SecretSource::File(f.to_path_buf())))
            .or_else(|| env.clone().map(SecretSource::Env))
    };
    let auth = AuthSettings {
        method: args.auth,
        user: args.user.clone(),
        password: secret(&args.password_command, None, &args.password_env),
        token: secret(&args.token_command, args.token_file.as_deref(), &args.token_env),
        token_header: args.token_header.clone(),
        spn: args.spn.clone(),
    };
    if args.spn.is_some() && args.auth.is_some_and(|m| m != AuthMethod::Kerberos) {
        return Err(Failure::usage("--spn applies only with --auth kerberos"));
    }
    Ok(ConnectionSettings {
        url: args.url.clone(),
        auth,
        headers: args.headers.iter().map(|h| parse_header(h)).collect::<Result<_, _>>()?,
        requested_by: args.requested_by.clone(),
        ca_cert: args.ca_cert.clone(),
        client_cert: args.client_cert.clone(),
        client_key: args.client_key.clone(),
        insecure: args.insecure.then_some(true),
        no_proxy: args.no_proxy.then_some(true),
        connect_timeout: args
            .connect_timeout
            .map(|s| seconds("--connect-timeout", s))
            .transpose()?,
        read_timeout: args.read_timeout.map(|s| seconds("--read-timeout", s)).transpose()?,
        retries: args.retries,
        flavor: args.flavor,
    })
}

/// The client configuration the settings describe, with the secrets read.
pub fn resolve(settings: &ConnectionSettings) -> Result<ClientConfig, Failure> {
    let mut config = ClientConfig::new(settings.url_or_default())?;
    let flavor = settings.flavor_or_detected();
    let mut auth_settings = settings.auth.clone();
    if auth_settings.token_header.is_none() {
        auth_settings.token_header = flavor.token_header().map(str::to_string);
    }
    config.auth = resolve_auth(&auth_settings)?;
    if matches!(config.auth, Auth::Bearer { .. } | Auth::Header { .. }) {
        config.token_refresh = token_refresh(auth_settings.token.as_ref());
    }
    config.flavor = flavor;
    config.headers = settings.headers.clone();
    config.requested_by = settings
        .requested_by
        .clone()
        .unwrap_or_else(|| DEFAULT_REQUESTED_BY.into());
    config.ca_cert = settings.ca_cert.clone();
    config.client_cert = settings.client_cert.clone();
    config.client_key = settings.client_key.clone();
    config.insecure = settings.insecure.unwrap_or(false);
    config.no_proxy = settings.no_proxy.unwrap_or(false);
    timeouts(&mut config, settings);
    config.retry = RetryPolicy {
        max_retries: settings.retries.unwrap_or(DEFAULT_RETRIES),
        ..RetryPolicy::default()
    };
    Ok(config)
}

fn timeouts(config: &mut ClientConfig, settings: &ConnectionSettings) {
    config.connect_timeout = settings.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
    config.read_timeout = settings.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT);
}

/// The built-in local server: plain HTTP on loopback, so no credentials, extra headers,
/// certificates or proxy; the timeouts still apply.
fn local_config(url: &str, settings: &ConnectionSettings) -> Result<ClientConfig, Failure> {
    let mut config = ClientConfig::new(url)?;
    config.requested_by = settings
        .requested_by
        .clone()
        .unwrap_or_else(|| DEFAULT_REQUESTED_BY.into());
    config.no_proxy = true;
    timeouts(&mut config, settings);
    Ok(config)
}

fn seconds(flag: &str, value: f64) -> Result<Duration, Failure> {
    seconds_to_duration(value).map_err(|e| Failure::usage(format!("{flag}: {e}")))
}

/// "Name: value" → (name, value).
pub fn parse_header(raw: &str) -> Result<(String, String), Failure> {
    match raw.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() && !name.trim().contains(' ') => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(Failure::usage(format!(
            "--header {raw:?} is not of the form \"Name: value\""
        ))),
    }
}

/// A token that comes from a command or a file can be fetched again when the server
/// refuses it (it expired while the notebook was open); one from a variable cannot.
fn token_refresh(source: Option<&SecretSource>) -> Option<TokenRefresh> {
    let source = source.filter(|s| !matches!(s, SecretSource::Env(_)))?.clone();
    Some(Arc::new(move || {
        read_secret("the token", &source).map_err(|f| LivyError::new(ErrorKind::Usage, f.message))
    }))
}

/// The credentials.
fn resolve_auth(auth: &AuthSettings) -> Result<Auth, Failure> {
    let method = match auth.method {
        Some(method) => method,
        None => implied_method(auth)?,
    };
    match method {
        AuthMethod::None => Ok(Auth::None),
        AuthMethod::Kerberos => Ok(Auth::Kerberos { spn: auth.spn.clone() }),
        AuthMethod::Basic => {
            let Some(user) = &auth.user else {
                return Err(Failure::usage(
                    "basic auth needs a user: pass --user NAME (or user in the profile)",
                ));
            };
            let password = resolve_password(auth.password.as_ref(), user)?;
            Ok(Auth::Basic {
                user: user.clone(),
                password,
            })
        }
        AuthMethod::Token => {
            let Some(token) = resolve_token(auth.token.as_ref())? else {
                return Err(Failure::usage(format!(
                    "token auth needs a token: set {DEFAULT_TOKEN_ENV}, or pass --token-file FILE or --token-command CMD"
                )));
            };
            match &auth.token_header {
                Some(name) if !name.eq_ignore_ascii_case("authorization") => Ok(Auth::Header {
                    name: name.clone(),
                    token,
                }),
                _ => Ok(Auth::Bearer { token }),
            }
        }
    }
}

/// Without a method named: basic when a user is given, a token when one is (or
/// `LIVY_TOKEN` is set), none otherwise.
fn implied_method(auth: &AuthSettings) -> Result<AuthMethod, Failure> {
    if let Some(method) = auth.implied_method() {
        let token_too = auth.token.is_some() || non_empty_env(DEFAULT_TOKEN_ENV).is_some();
        if method == AuthMethod::Basic && auth.user.is_some() && token_too {
            return Err(Failure::usage(
                "both a user (basic auth) and a bearer token were given; use one (unset LIVY_TOKEN or LIVY_USER), or say which with --auth",
            ));
        }
        if method == AuthMethod::Basic && auth.user.is_none() {
            return Err(Failure::usage("--password-command needs --user"));
        }
        return Ok(method);
    }
    if non_empty_env(DEFAULT_TOKEN_ENV).is_some() {
        return Ok(AuthMethod::Token);
    }
    Ok(AuthMethod::None)
}

fn resolve_password(source: Option<&SecretSource>, user: &str) -> Result<String, Failure> {
    match source {
        Some(SecretSource::Env(name)) => {
            return non_empty_env(name)
                .ok_or_else(|| Failure::usage(format!("no password for user {user}: ${name} is not set")));
        }
        Some(source) => return read_secret("the password", source),
        None => {}
    }
    if let Some(password) = non_empty_env(DEFAULT_PASSWORD_ENV) {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() || std::io::stderr().is_terminal() {
        // rpassword reads from the terminal itself, so piped stdin stays free for code.
        return rpassword::prompt_password(format!("Livy password for {user}: "))
            .map_err(|e| Failure::usage(format!("cannot read the password from the terminal: {e}")));
    }
    Err(Failure::usage(format!(
        "no password for user {user}: set {DEFAULT_PASSWORD_ENV}, use --password-command, or run in a terminal to be asked"
    )))
}

fn resolve_token(source: Option<&SecretSource>) -> Result<Option<String>, Failure> {
    match source {
        Some(SecretSource::Env(name)) => Ok(non_empty_env(name)),
        Some(source) => read_secret("the token", source).map(Some),
        None => Ok(non_empty_env(DEFAULT_TOKEN_ENV)),
    }
}

/// A secret from a command or a file (trimmed; empty is an error).
fn read_secret(what: &str, source: &SecretSource) -> Result<String, Failure> {
    match source {
        SecretSource::Command(cmd) => run_secret_command(what, cmd),
        SecretSource::File(path) => read_secret_file(what, path),
        SecretSource::Env(name) => {
            non_empty_env(name).ok_or_else(|| Failure::usage(format!("no {what}: ${name} is not set")))
        }
    }
}

fn read_secret_file(what: &str, path: &Path) -> Result<String, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {what} from {}: {e}", path.display())))?;
    let secret = text.trim().to_string();
    if secret.is_empty() {
        return Err(Failure::usage(format!("{what} file {} is empty", path.display())));
    }
    Ok(secret)
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Runs a user's command through the shell and takes its trimmed stdout as a secret.
fn run_secret_command(what: &str, cmd: &str) -> Result<String, Failure> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Failure::usage(format!("cannot run {cmd:?} for {what}: {e}")))?;
    if !output.status.success() {
        return Err(Failure::usage(format!("{cmd:?} for {what} failed ({})", output.status)));
    }
    let secret = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if secret.is_empty() {
        return Err(Failure::usage(format!("{cmd:?} for {what} printed nothing")));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(flags: &[&str]) -> ConnectionArgs {
        use clap::Parser;
        // No user config file, and the URL given, so no default profile applies.
        let argv = ["livy-tui", "--config", "/dev/null", "--url", "http://gw.example:8998"];
        let argv = argv.iter().chain(flags);
        super::super::args::Cli::try_parse_from(argv).unwrap().connection
    }

    #[test]
    fn auth_method_is_chosen_or_implied() {
        let auth = |flags: &[&str]| {
            let resolved = Connection::resolve(&connection(flags))?;
            client_config(&resolved).map(|c| format!("{:?}", c.auth))
        };
        assert_eq!(auth(&["--auth", "kerberos"]).unwrap(), "Kerberos { spn: None }");
        assert_eq!(
            auth(&["--auth", "kerberos", "--spn", "HTTP@lb.example"]).unwrap(),
            "Kerberos { spn: Some(\"HTTP@lb.example\") }"
        );
        assert_eq!(auth(&[]).unwrap(), "None");
        assert_eq!(auth(&["--auth", "none", "--user", "ann"]).unwrap(), "None");
        let msg = |flags: &[&str]| auth(flags).unwrap_err().message;
        assert_eq!(
            auth(&["--spn", "HTTP@x"]).unwrap(),
            "Kerberos { spn: Some(\"HTTP@x\") }",
            "an SPN means Kerberos"
        );
        assert!(msg(&["--spn", "HTTP@x", "--auth", "basic", "--user", "a"]).contains("only with --auth kerberos"));
        assert!(msg(&["--auth", "basic"]).contains("needs a user"));
        assert!(msg(&["--auth", "bearer"]).contains("needs a token"));
    }

    #[test]
    fn headers_parse() {
        assert_eq!(parse_header("X-A: b c").unwrap(), ("X-A".into(), "b c".into()));
        assert!(parse_header("no colon").is_err());
        assert!(parse_header(": v").is_err());
    }

    #[test]
    fn secret_commands() {
        assert_eq!(run_secret_command("the token", "echo ' tok '").unwrap(), "tok");
        assert!(
            run_secret_command("the token", "exit 3")
                .unwrap_err()
                .message
                .contains("failed")
        );
        assert!(
            run_secret_command("the token", "true")
                .unwrap_err()
                .message
                .contains("printed nothing")
        );
    }
}
