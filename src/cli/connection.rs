//! Turns the connection flags into a `ClientConfig`, reading secrets from where they are
//! allowed to come from: environment variables, files, commands, or a terminal prompt.

use super::args::{AuthMethod, ConnectionArgs};
use super::failure::Failure;
use crate::livy::{Auth, ClientConfig, LivyClient, RetryPolicy};
use std::io::IsTerminal;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Builds a client from the flags.
pub fn client(args: &ConnectionArgs) -> Result<LivyClient, Failure> {
    Ok(LivyClient::new(client_config(args)?)?)
}

/// Builds the client configuration from the flags.
pub fn client_config(args: &ConnectionArgs) -> Result<ClientConfig, Failure> {
    if let Some(url) = &args.local_url {
        return local_config(url, args);
    }
    let mut config = ClientConfig::new(&args.url)?;
    config.auth = resolve_auth(args)?;
    config.requested_by = args.requested_by.clone();
    config.headers = args.headers.iter().map(|h| parse_header(h)).collect::<Result<_, _>>()?;
    config.ca_cert = args.ca_cert.clone();
    config.client_cert = args.client_cert.clone();
    config.client_key = args.client_key.clone();
    config.insecure = args.insecure;
    config.no_proxy = args.no_proxy;
    config.connect_timeout = seconds("--connect-timeout", args.connect_timeout)?;
    config.read_timeout = seconds("--read-timeout", args.read_timeout)?;
    config.retry = RetryPolicy {
        max_retries: args.retries,
        ..RetryPolicy::default()
    };
    Ok(config)
}

/// The built-in local server: plain HTTP on loopback, so no credentials, extra headers,
/// certificates or proxy; the timeouts still apply.
fn local_config(url: &str, args: &ConnectionArgs) -> Result<ClientConfig, Failure> {
    let mut config = ClientConfig::new(url)?;
    config.requested_by = args.requested_by.clone();
    config.no_proxy = true;
    config.connect_timeout = seconds("--connect-timeout", args.connect_timeout)?;
    config.read_timeout = seconds("--read-timeout", args.read_timeout)?;
    Ok(config)
}

fn seconds(flag: &str, value: f64) -> Result<Duration, Failure> {
    if !(value.is_finite() && value > 0.0 && value < 1e7) {
        return Err(Failure::usage(format!(
            "{flag} must be a positive number of seconds, not {value}"
        )));
    }
    Ok(Duration::from_secs_f64(value))
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

fn resolve_auth(args: &ConnectionArgs) -> Result<Auth, Failure> {
    if args.spn.is_some() && args.auth != Some(AuthMethod::Kerberos) {
        return Err(Failure::usage("--spn applies only with --auth kerberos"));
    }
    let method = match args.auth {
        Some(method) => method,
        None => implied_method(args)?,
    };
    match method {
        AuthMethod::None => Ok(Auth::None),
        AuthMethod::Kerberos => Ok(Auth::Kerberos { spn: args.spn.clone() }),
        AuthMethod::Basic => {
            let Some(user) = &args.user else {
                return Err(Failure::usage("--auth basic needs --user NAME"));
            };
            Ok(Auth::Basic {
                user: user.clone(),
                password: resolve_password(args, user)?,
            })
        }
        AuthMethod::Bearer => match resolve_token(args)? {
            Some(token) => Ok(Auth::Bearer { token }),
            None => Err(Failure::usage(format!(
                "--auth bearer needs a token: set {}, or pass --token-file FILE or --token-command CMD",
                args.token_env
            ))),
        },
    }
}

/// Without `--auth`: basic when a user is given, bearer when a token is, none otherwise.
fn implied_method(args: &ConnectionArgs) -> Result<AuthMethod, Failure> {
    let has_token =
        args.token_command.is_some() || args.token_file.is_some() || non_empty_env(&args.token_env).is_some();
    match (&args.user, has_token) {
        (Some(_), true) => Err(Failure::usage(
            "both a user (basic auth) and a bearer token were given; use one (unset LIVY_TOKEN or LIVY_USER), or say which with --auth",
        )),
        (None, true) => Ok(AuthMethod::Bearer),
        (Some(_), false) => Ok(AuthMethod::Basic),
        (None, false) => {
            if args.password_command.is_some() {
                return Err(Failure::usage("--password-command needs --user"));
            }
            Ok(AuthMethod::None)
        }
    }
}

fn resolve_password(args: &ConnectionArgs, user: &str) -> Result<String, Failure> {
    if let Some(cmd) = &args.password_command {
        return run_secret_command("--password-command", cmd);
    }
    if let Some(password) = non_empty_env(&args.password_env) {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() || std::io::stderr().is_terminal() {
        // rpassword reads from the terminal itself, so piped stdin stays free for code.
        return rpassword::prompt_password(format!("Livy password for {user}: "))
            .map_err(|e| Failure::usage(format!("cannot read the password from the terminal: {e}")));
    }
    Err(Failure::usage(format!(
        "no password for user {user}: set {}, use --password-command, or run in a terminal to be asked",
        args.password_env
    )))
}

fn resolve_token(args: &ConnectionArgs) -> Result<Option<String>, Failure> {
    if let Some(cmd) = &args.token_command {
        return run_secret_command("--token-command", cmd).map(Some);
    }
    if let Some(path) = &args.token_file {
        return read_token_file(path).map(Some);
    }
    Ok(non_empty_env(&args.token_env))
}

fn read_token_file(path: &Path) -> Result<String, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read --token-file {}: {e}", path.display())))?;
    let token = text.trim().to_string();
    if token.is_empty() {
        return Err(Failure::usage(format!("--token-file {} is empty", path.display())));
    }
    Ok(token)
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Runs a user's command through the shell and takes its trimmed stdout as a secret.
fn run_secret_command(flag: &str, cmd: &str) -> Result<String, Failure> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Failure::usage(format!("{flag}: cannot run {cmd:?}: {e}")))?;
    if !output.status.success() {
        return Err(Failure::usage(format!("{flag}: {cmd:?} failed ({})", output.status)));
    }
    let secret = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if secret.is_empty() {
        return Err(Failure::usage(format!("{flag}: {cmd:?} printed nothing")));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(flags: &[&str]) -> ConnectionArgs {
        use clap::Parser;
        let argv = [
            "livy-tui",
            "--token-env",
            "LIVY_TUI_TEST_NO_TOKEN",
            "--url",
            "http://gw.example:8998",
        ];
        let argv = argv.iter().chain(flags);
        super::super::args::Cli::try_parse_from(argv).unwrap().connection
    }

    #[test]
    fn auth_method_is_chosen_or_implied() {
        let auth = |flags: &[&str]| client_config(&connection(flags)).map(|c| format!("{:?}", c.auth));
        assert_eq!(auth(&["--auth", "kerberos"]).unwrap(), "Kerberos { spn: None }");
        assert_eq!(
            auth(&["--auth", "kerberos", "--spn", "HTTP@lb.example"]).unwrap(),
            "Kerberos { spn: Some(\"HTTP@lb.example\") }"
        );
        assert_eq!(auth(&[]).unwrap(), "None");
        assert_eq!(auth(&["--auth", "none", "--user", "ann"]).unwrap(), "None");
        let msg = |flags: &[&str]| auth(flags).unwrap_err().message;
        assert!(msg(&["--spn", "HTTP@x"]).contains("only with --auth kerberos"));
        assert!(msg(&["--auth", "basic"]).contains("needs --user"));
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
        assert_eq!(run_secret_command("--token-command", "echo ' tok '").unwrap(), "tok");
        assert!(
            run_secret_command("--token-command", "exit 3")
                .unwrap_err()
                .message
                .contains("failed")
        );
        assert!(
            run_secret_command("--token-command", "true")
                .unwrap_err()
                .message
                .contains("printed nothing")
        );
    }
}
