//! sparkmagic's `~/.sparkmagic/config.json` as profiles: each `kernel_*_credentials` becomes a
//! profile (kernels that share one server and login become one), `session_configs` the
//! session defaults, `ignore_ssl_errors` `insecure`, `custom_headers` the headers. Pure: the
//! caller writes the tables and the passwords, and says where they went.

use serde_json::{Map, Value};
use toml_edit::{Array, InlineTable, Item, Table, value};

/// The kernels sparkmagic keeps credentials for, and the language each one runs.
const KERNELS: [(&str, &str, &str); 3] = [
    ("kernel_python_credentials", "python", "pyspark"),
    ("kernel_scala_credentials", "scala", "spark"),
    ("kernel_r_credentials", "r", "sparkr"),
];

/// What an import makes.
#[derive(Debug, Default)]
pub struct Import {
    pub profiles: Vec<ImportedProfile>,
    /// What was left out, and why, for the user to read.
    pub notes: Vec<String>,
}

/// One profile to write.
#[derive(Debug)]
pub struct ImportedProfile {
    pub name: String,
    /// Which `kernel_*_credentials` it came from.
    pub from: Vec<&'static str>,
    pub table: Table,
    /// A password the file held (plain or base64), for the caller to store and point
    /// `password-file` at; never written into the table.
    pub password: Option<String>,
}

/// Why sparkmagic's file cannot be imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("{0}")]
    Shape(String),
    #[error("no kernel_*_credentials with a url: nothing to import")]
    Nothing,
}

/// The connection a kernel's credentials describe.
#[derive(Debug, Clone, PartialEq)]
struct Credentials {
    url: String,
    auth: &'static str,
    user: Option<String>,
    password: Option<String>,
}

/// Reads sparkmagic's config text; `prefix` names the profiles (`prefix`, or `prefix-python`
/// and so on when the kernels differ).
pub fn import(text: &str, prefix: &str) -> Result<Import, ImportError> {
    let config: Value = serde_json::from_str(text).map_err(|e| ImportError::NotJson(e.to_string()))?;
    let Value::Object(config) = config else {
        return Err(ImportError::Shape("the file is not a JSON object".into()));
    };
    let mut import = Import::default();
    let mut kernels: Vec<(&'static str, &'static str, &'static str, Credentials)> = Vec::new();
    for (key, language, kind) in KERNELS {
        match config.get(key) {
            None => {}
            Some(Value::Object(creds)) => match credentials(key, creds) {
                Ok(Some(c)) => kernels.push((key, language, kind, c)),
                Ok(None) => import.notes.push(format!("{key} has no url: skipped")),
                Err(note) => import.notes.push(note),
            },
            Some(_) => import.notes.push(format!("{key} is not an object: skipped")),
        }
    }
    if kernels.is_empty() {
        return Err(ImportError::Nothing);
    }
    let shared = shared_table(&config, &mut import.notes)?;
    let all_same = kernels.windows(2).all(|w| w[0].3 == w[1].3);
    if all_same {
        let (_, _, _, creds) = &kernels[0];
        let from = kernels.iter().map(|k| k.0).collect();
        import
            .profiles
            .push(profile(prefix.to_string(), from, creds, None, &shared));
    } else {
        for (key, language, kind, creds) in &kernels {
            let name = format!("{prefix}-{language}");
            import
                .profiles
                .push(profile(name, vec![*key], creds, Some(kind), &shared));
        }
    }
    Ok(import)
}

/// One kernel's credentials; `Ok(None)` without a url, `Err(note)` for what cannot be used.
fn credentials(key: &str, creds: &Map<String, Value>) -> Result<Option<Credentials>, String> {
    let text = |k: &str| {
        creds
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let Some(url) = text("url") else {
        return Ok(None);
    };
    let user = text("username").map(str::to_string);
    let password = match (text("password"), text("base64_password")) {
        (Some(p), _) => Some(p.to_string()),
        (None, Some(b)) => Some(decode_base64(b).map_err(|e| format!("{key}.base64_password {e}: skipped"))?),
        (None, None) => None,
    };
    // sparkmagic before `auth` existed: a user and password meant basic auth.
    let named = text("auth").unwrap_or(if user.is_some() && password.is_some() {
        "Basic_Access"
    } else {
        "None"
    });
    let auth = match named {
        "None" => "none",
        "Basic_Access" => "basic",
        "Kerberos" => "kerberos",
        other => {
            return Err(format!(
                "{key} uses the authenticator {other:?}, which livy-tui cannot import: skipped"
            ));
        }
    };
    if auth == "basic" && user.is_none() {
        return Err(format!("{key} asks for Basic_Access but has no username: skipped"));
    }
    Ok(Some(Credentials {
        url: url.to_string(),
        auth,
        user: if auth == "basic" { user } else { None },
        password: if auth == "basic" { password } else { None },
    }))
}

fn decode_base64(text: &str) -> Result<String, String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| "is not base64".to_string())?;
    String::from_utf8(bytes).map_err(|_| "is not text".to_string())
}

/// What every imported profile shares: insecure, headers and session defaults.
fn shared_table(config: &Map<String, Value>, notes: &mut Vec<String>) -> Result<Table, ImportError> {
    let mut table = Table::new();
    if config.get("ignore_ssl_errors").and_then(Value::as_bool) == Some(true) {
        table.insert("insecure", value(true));
    }
    if let Some(Value::Object(headers)) = config.get("custom_headers")
        && !headers.is_empty()
    {
        let mut inline = InlineTable::new();
        for (name, v) in headers {
            match v.as_str() {
                Some(v) => {
                    inline.insert(name, v.into());
                }
                None => notes.push(format!("custom_headers.{name} is not a string: skipped")),
            }
        }
        table.insert("headers", value(inline));
    }
    if let Some(Value::Object(configs)) = config.get("session_configs")
        && !configs.is_empty()
    {
        table.insert("session", Item::Table(session_table(configs, notes)?));
    }
    Ok(table)
}

/// `session_configs` (a Livy create body) as `[profiles.X.session]`: Livy's fields under their
/// kebab-case keys, anything else as vendor `extra`.
fn session_table(configs: &Map<String, Value>, notes: &mut Vec<String>) -> Result<Table, ImportError> {
    let mut table = Table::new();
    let mut extra = InlineTable::new();
    for (key, v) in configs {
        let Some(item) = toml_value(v) else {
            notes.push(format!("session_configs.{key} is null: skipped"));
            continue;
        };
        match kebab_field(key) {
            Some(field) => {
                table.insert(field, Item::Value(item));
            }
            None => {
                extra.insert(key, item);
            }
        }
    }
    if !extra.is_empty() {
        table.insert("extra", value(extra));
    }
    Ok(table)
}

/// Livy's session field names as the profile writes them.
fn kebab_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "kind" => "kind",
        "name" => "name",
        "proxyUser" => "proxy-user",
        "driverMemory" => "driver-memory",
        "driverCores" => "driver-cores",
        "executorMemory" => "executor-memory",
        "executorCores" => "executor-cores",
        "numExecutors" => "num-executors",
        "queue" => "queue",
        "jars" => "jars",
        "pyFiles" => "py-files",
        "files" => "files",
        "archives" => "archives",
        "conf" => "conf",
        "ttl" => "ttl",
        "idleTimeout" => "idle-timeout",
        "heartbeatTimeoutInSecond" => "heartbeat-timeout-in-second",
        _ => return None,
    })
}

/// JSON as a TOML value; `None` for null (TOML has none).
fn toml_value(v: &Value) -> Option<toml_edit::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or_default().into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut array = Array::new();
            items.iter().filter_map(toml_value).for_each(|item| array.push(item));
            array.into()
        }
        Value::Object(map) => {
            let mut inline = InlineTable::new();
            for (k, v) in map {
                if let Some(item) = toml_value(v) {
                    inline.insert(k, item);
                }
            }
            inline.into()
        }
    })
}

fn profile(
    name: String,
    from: Vec<&'static str>,
    creds: &Credentials,
    kind: Option<&str>,
    shared: &Table,
) -> ImportedProfile {
    let mut table = Table::new();
    table.insert("url", value(&creds.url));
    table.insert("auth", value(creds.auth));
    if let Some(user) = &creds.user {
        table.insert("user", value(user));
    }
    for (key, item) in shared.iter() {
        if key != "session" {
            table.insert(key, item.clone());
        }
    }
    let mut session = match shared.get("session") {
        Some(Item::Table(t)) => t.clone(),
        _ => Table::new(),
    };
    if let Some(kind) = kind
        && !session.contains_key("kind")
    {
        session.insert("kind", value(kind));
    }
    if !session.is_empty() {
        table.insert("session", Item::Table(session));
    }
    ImportedProfile {
        name,
        from,
        table,
        password: creds.password.clone(),
    }
}

impl ImportedProfile {
    /// Puts the profile into a config document as `[profiles.NAME]`, its password (if any)
    /// kept in `password_file`. Replaces a profile of the same name.
    pub fn add_to(&self, config: &mut toml_edit::DocumentMut, password_file: Option<&std::path::Path>) {
        let profiles = config
            .entry("profiles")
            .or_insert_with(|| {
                let mut t = Table::new();
                t.set_implicit(true);
                Item::Table(t)
            })
            .as_table_mut();
        let Some(profiles) = profiles else {
            return;
        };
        let mut table = self.table.clone();
        if let Some(path) = password_file {
            table.insert("password-file", value(path.display().to_string()));
        }
        profiles.insert(&self.name, Item::Table(table));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(p: &ImportedProfile) -> String {
        let mut doc = toml_edit::DocumentMut::new();
        p.add_to(&mut doc, None);
        doc.to_string()
    }

    const EXAMPLE: &str = r#"{
      "kernel_python_credentials": {"username": "", "password": "", "url": "http://localhost:8998", "auth": "None"},
      "kernel_scala_credentials": {"username": "", "password": "", "url": "http://localhost:8998", "auth": "None"},
      "kernel_r_credentials": {"username": "", "password": "", "url": "http://localhost:8998"},
      "ignore_ssl_errors": false,
      "session_configs": {"driverMemory": "1000M", "executorCores": 2},
      "custom_headers": {}
    }"#;

    #[test]
    fn sparkmagics_example_is_one_profile() {
        let import = import(EXAMPLE, "sparkmagic").unwrap();
        assert_eq!(import.notes, Vec::<String>::new());
        let [p] = import.profiles.as_slice() else {
            panic!("{import:?}")
        };
        assert_eq!(p.name, "sparkmagic");
        assert_eq!(p.from.len(), 3);
        assert_eq!(p.password, None);
        let text = written(p);
        assert!(text.contains("url = \"http://localhost:8998\""), "{text}");
        assert!(text.contains("auth = \"none\""), "{text}");
        assert!(text.contains("driver-memory = \"1000M\""), "{text}");
        assert!(text.contains("executor-cores = 2"), "{text}");
    }

    #[test]
    fn kernels_that_differ_become_a_profile_each_with_their_language() {
        let text = r#"{
          "kernel_python_credentials": {"username": "admin", "base64_password": "czNjcmV0", "url": "https://c.azurehdinsight.net/livy", "auth": "Basic_Access"},
          "kernel_scala_credentials": {"url": "https://edge:8998", "auth": "Kerberos"},
          "kernel_r_credentials": {"url": "https://x", "auth": "Custom_Auth"},
          "ignore_ssl_errors": true,
          "custom_headers": {"X-Gateway": "g1"},
          "session_configs": {"conf": {"spark.a": "1"}, "sc_type": "B"}
        }"#;
        let import = import(text, "sm").unwrap();
        assert_eq!(
            import.notes,
            vec!["kernel_r_credentials uses the authenticator \"Custom_Auth\", which livy-tui cannot import: skipped"]
        );
        let names: Vec<_> = import.profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["sm-python", "sm-scala"]);
        let python = &import.profiles[0];
        assert_eq!(python.password.as_deref(), Some("s3cret"));
        let table = written(python);
        assert!(!table.contains("s3cret") && !table.contains("czNjcmV0"), "{table}");
        assert!(
            table.contains("auth = \"basic\"") && table.contains("user = \"admin\""),
            "{table}"
        );
        assert!(table.contains("insecure = true"), "{table}");
        assert!(table.contains("X-Gateway = \"g1\""), "{table}");
        assert!(table.contains("kind = \"pyspark\""), "{table}");
        assert!(table.contains("extra = { sc_type = \"B\" }"), "{table}");
        let scala = written(&import.profiles[1]);
        assert!(
            scala.contains("auth = \"kerberos\"") && scala.contains("kind = \"spark\""),
            "{scala}"
        );
    }

    #[test]
    fn what_cannot_be_imported_is_said() {
        assert_eq!(
            import("[1]", "s").unwrap_err().to_string(),
            "the file is not a JSON object"
        );
        assert!(import("{", "s").unwrap_err().to_string().starts_with("not JSON:"));
        assert_eq!(
            import("{\"kernel_python_credentials\": {\"url\": \"\"}}", "s")
                .unwrap_err()
                .to_string(),
            "no kernel_*_credentials with a url: nothing to import"
        );
    }
}
