//! `profiles list`, `profiles show NAME` and `profiles import-sparkmagic [FILE]`. Nothing here
//! prints a secret: profiles hold only where secrets come from, and header or Spark setting
//! values whose names look secret are masked.

use super::args::{ConnectionArgs, ImportSparkmagicArgs, ProfilesCommand};
use super::failure::{CliResult, Failure};
use super::print::listing;
use crate::config::{Config, config_dir};
use crate::output::sanitize::strip_all;
use crate::profile::sparkmagic::{self, ImportedProfile};
use crate::profile::{AuthMethod, Profile, Profiles};
use std::path::{Path, PathBuf};

pub fn run(connection: &ConnectionArgs, command: ProfilesCommand) -> CliResult {
    match command {
        ProfilesCommand::List => list(connection),
        ProfilesCommand::Show { name } => show(connection, &name),
        ProfilesCommand::ImportSparkmagic(args) => import(connection, args),
    }
}

fn load(connection: &ConnectionArgs) -> Result<Config, Failure> {
    Config::load(connection.config.as_deref()).map_err(|e| Failure::usage(e.to_string()))
}

/// Where the config file is (or would be).
fn config_path(connection: &ConnectionArgs) -> Result<PathBuf, Failure> {
    match &connection.config {
        Some(path) => Ok(path.clone()),
        None => config_dir()
            .map(|d| d.join("config.toml"))
            .ok_or_else(|| Failure::usage("no config directory here (HOME is not set): pass --config FILE")),
    }
}

fn list(connection: &ConnectionArgs) -> CliResult {
    let config = load(connection)?;
    let profiles = &config.profiles;
    if profiles.by_name.is_empty() {
        eprintln!(
            "no profiles in {}: add [profiles.NAME] tables, or run 'livy-tui profiles import-sparkmagic'",
            config_path(connection)?.display()
        );
        return Ok(0);
    }
    let rows = profiles
        .by_name
        .values()
        .map(|p| {
            let default = if profiles.default.as_deref() == Some(p.name.as_str()) {
                "*"
            } else {
                ""
            };
            vec![
                format!("{}{default}", strip_all(&p.name)),
                strip_all(p.connection.url_or_default()),
                auth_name(p).to_string(),
            ]
        })
        .collect();
    print!("{}", listing(&["name", "url", "auth"], rows));
    Ok(0)
}

fn auth_name(profile: &Profile) -> &'static str {
    profile
        .connection
        .auth
        .implied_method()
        .unwrap_or(AuthMethod::None)
        .name()
}

fn show(connection: &ConnectionArgs, name: &str) -> CliResult {
    let config = load(connection)?;
    let profile = config.profiles.get(name).map_err(|e| Failure::usage(e.to_string()))?;
    print!("{}", describe(profile, &config.profiles));
    Ok(0)
}

/// A profile as `key  value` lines, secrets masked.
pub fn describe(profile: &Profile, profiles: &Profiles) -> String {
    let c = &profile.connection;
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut add = |key: &str, value: String| lines.push((key.to_string(), value));
    let is_default = profiles.default.as_deref() == Some(profile.name.as_str());
    add(
        "profile",
        format!("{}{}", profile.name, if is_default { " (default)" } else { "" }),
    );
    add("url", c.url_or_default().to_string());
    add("auth", auth_name(profile).to_string());
    if let Some(user) = &c.auth.user {
        add("user", user.clone());
    }
    if let Some(source) = &c.auth.password {
        add("password", format!("from {}", source.describe()));
    }
    if let Some(source) = &c.auth.token {
        add("token", format!("from {}", source.describe()));
    }
    if let Some(header) = &c.auth.token_header {
        add("token-header", header.clone());
    }
    if let Some(spn) = &c.auth.spn {
        add("spn", spn.clone());
    }
    for (name, value) in &c.headers {
        add("header", format!("{name}: {}", mask(name, value)));
    }
    let optional = [
        ("requested-by", c.requested_by.clone()),
        ("ca-cert", c.ca_cert.as_ref().map(|p| p.display().to_string())),
        ("client-cert", c.client_cert.as_ref().map(|p| p.display().to_string())),
        ("client-key", c.client_key.as_ref().map(|p| p.display().to_string())),
        ("insecure", c.insecure.map(|b| b.to_string())),
        ("no-proxy", c.no_proxy.map(|b| b.to_string())),
        (
            "connect-timeout",
            c.connect_timeout.map(|d| humantime::format_duration(d).to_string()),
        ),
        (
            "read-timeout",
            c.read_timeout.map(|d| humantime::format_duration(d).to_string()),
        ),
        ("retries", c.retries.map(|n| n.to_string())),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            add(key, value);
        }
    }
    add_body(&mut add, "session", serde_json::to_value(&profile.session));
    add_body(&mut add, "batch", serde_json::to_value(&profile.batch));
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    lines
        .into_iter()
        .map(|(k, v)| format!("{k:width$}  {}\n", strip_all(&v)))
        .collect()
}

/// A session or batch defaults body as `session  driverMemory=2g, conf.spark.a=1`.
fn add_body(add: &mut impl FnMut(&str, String), key: &str, body: serde_json::Result<serde_json::Value>) {
    let Ok(serde_json::Value::Object(fields)) = body else {
        return;
    };
    let mut parts = Vec::new();
    for (name, value) in fields {
        match (name.as_str(), value) {
            ("file", serde_json::Value::String(f)) if f.is_empty() => {}
            ("conf", serde_json::Value::Object(conf)) => {
                for (k, v) in conf {
                    let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                    parts.push(format!("conf.{k}={}", mask(&k, &v)));
                }
            }
            (_, serde_json::Value::String(s)) => parts.push(format!("{name}={}", mask(&name, &s))),
            (_, other) => parts.push(format!("{name}={other}")),
        }
    }
    if !parts.is_empty() {
        add(key, parts.join(", "));
    }
}

/// A value whose name says it is secret, as `***`.
fn mask(name: &str, value: &str) -> String {
    let name = name.to_ascii_lowercase();
    let secret = [
        "authorization",
        "token",
        "secret",
        "password",
        "passwd",
        "cookie",
        "key",
        "credential",
    ]
    .iter()
    .any(|word| name.contains(word));
    if secret { "***".into() } else { value.to_string() }
}

fn import(connection: &ConnectionArgs, args: ImportSparkmagicArgs) -> CliResult {
    let source = match args.file.clone() {
        Some(file) => file,
        None => directories::BaseDirs::new()
            .map(|d| d.home_dir().join(".sparkmagic").join("config.json"))
            .ok_or_else(|| Failure::usage("no home directory here: pass sparkmagic's config.json as FILE"))?,
    };
    let text = std::fs::read_to_string(&source)
        .map_err(|e| Failure::usage(format!("cannot read sparkmagic's config {}: {e}", source.display())))?;
    let plan =
        sparkmagic::import(&text, &args.name).map_err(|e| Failure::usage(format!("{}: {e}", source.display())))?;
    let target = config_path(connection)?;
    let existing = read_config_text(&target)?;
    let mut document: toml_edit::DocumentMut = existing.parse().map_err(|e: toml_edit::TomlError| {
        Failure::usage(format!("config file {}: {}", target.display(), e.message()))
    })?;
    let known = Config::parse(&existing)
        .map_err(|e| {
            Failure::usage(format!(
                "config file {}: {e} (fix it before importing)",
                target.display()
            ))
        })?
        .profiles;
    refuse_existing(&plan.profiles, &known, &args, &target)?;
    // The profile names the password file by a path that works from any directory.
    let absolute = std::path::absolute(&target).unwrap_or_else(|_| target.clone());
    let secrets_dir = absolute.parent().unwrap_or(Path::new(".")).join("secrets");
    let mut report = Vec::new();
    let mut passwords = Vec::new();
    for profile in &plan.profiles {
        let password_file = match (&profile.password, args.no_passwords) {
            (Some(password), false) => {
                let path = secrets_dir.join(format!("{}.password", profile.name));
                report.push(format!(
                    "the password of {} goes to {} (readable only by you)",
                    profile.from.join(", "),
                    path.display()
                ));
                passwords.push((path.clone(), password.clone()));
                Some(path)
            }
            (Some(_), true) => {
                report.push(format!(
                    "the password of {} was left out: you are asked for it when connecting (or set LIVY_PASSWORD)",
                    profile.from.join(", ")
                ));
                None
            }
            (None, _) => None,
        };
        profile.add_to(&mut document, password_file.as_deref());
    }
    if known.default.is_none() && document.get("default-profile").is_none() && plan.profiles.len() == 1 {
        document.insert("default-profile", toml_edit::value(&plan.profiles[0].name));
        report.push(format!("{} is now the default profile", plan.profiles[0].name));
    }
    let new_text = document.to_string();
    // What we write must read back: a slip here must not break the user's config.
    Config::parse(&new_text).map_err(|e| Failure::failed(format!("the imported profiles do not check out: {e}")))?;
    if args.dry_run {
        print!("{}", imported_only(&plan.profiles));
        for line in plan.notes.iter().chain(&report) {
            eprintln!("{}", strip_all(line));
        }
        eprintln!("(dry run: nothing written to {})", target.display());
        return Ok(0);
    }
    for (path, password) in &passwords {
        write_private(path, password)?;
    }
    write_config(&target, &new_text)?;
    for profile in &plan.profiles {
        eprintln!(
            "added profile {} (from {}) to {}",
            profile.name,
            profile.from.join(", "),
            target.display()
        );
    }
    for line in plan.notes.iter().chain(&report) {
        eprintln!("{}", strip_all(line));
    }
    eprintln!("use it: livy-tui --profile {}", plan.profiles[0].name);
    Ok(0)
}

fn read_config_text(path: &Path) -> Result<String, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Failure::usage(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))),
    }
}

fn refuse_existing(
    plan: &[ImportedProfile],
    known: &Profiles,
    args: &ImportSparkmagicArgs,
    target: &Path,
) -> Result<(), Failure> {
    if args.replace {
        return Ok(());
    }
    match plan.iter().find(|p| known.by_name.contains_key(&p.name)) {
        Some(p) => Err(Failure::usage(format!(
            "{} already has a profile {}: pass --replace, or --name OTHER",
            target.display(),
            p.name
        ))),
        None => Ok(()),
    }
}

/// The profiles alone, as they would be added (for --dry-run).
fn imported_only(profiles: &[ImportedProfile]) -> String {
    let mut document = toml_edit::DocumentMut::new();
    for profile in profiles {
        let password_file = profile.password.as_ref().map(|_| PathBuf::from("(a file of its own)"));
        profile.add_to(&mut document, password_file.as_deref());
    }
    document.to_string()
}

/// Writes a secret into a file only its owner can read (a directory only they can enter).
fn write_private(path: &Path, secret: &str) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::failed(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(fail)?;
    // An existing file keeps its mode on open: make sure it is private.
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).map_err(fail)?;
    std::io::Write::write_all(&mut file, format!("{secret}\n").as_bytes()).map_err(fail)
}

/// Replaces the config file in one step (a half-written config is never left behind).
fn write_config(path: &Path, text: &str) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::failed(format!("cannot write the config file {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let temp = path.with_extension("toml.tmp");
    std::fs::write(&temp, text).map_err(fail)?;
    std::fs::rename(&temp, path).map_err(fail)
}
