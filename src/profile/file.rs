//! `[profiles.NAME]` as written in the config file, and its check into a typed [`Profile`].
//! Keys are kebab-case; the session and batch tables also take Livy's own camelCase names
//! (`driverMemory`), so a body copied from Livy's docs works as it is.

use super::settings::{
    AuthMethod, AuthSettings, ConnectionSettings, SecretSource, parse_duration, seconds_to_duration,
};
use super::{Profile, ProfileProblem};
use crate::livy::{CreateBatch, CreateSession, Flavor, LIVY_BODY_FIELDS, Resources, SessionKind};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One profile as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProfileFile {
    url: Option<String>,
    flavor: Option<String>,
    auth: Option<String>,
    user: Option<String>,
    /// Refused: a password is not kept in the config file.
    password: Option<toml::Value>,
    password_command: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    /// Refused, like `password`.
    token: Option<toml::Value>,
    token_command: Option<String>,
    token_env: Option<String>,
    token_file: Option<PathBuf>,
    token_header: Option<String>,
    spn: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    requested_by: Option<String>,
    ca_cert: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    insecure: Option<bool>,
    no_proxy: Option<bool>,
    connect_timeout: Option<DurationValue>,
    read_timeout: Option<DurationValue>,
    retries: Option<usize>,
    session: Option<CreateDefaultsFile>,
    batch: Option<CreateDefaultsFile>,
}

/// `30`, `2.5` or `"90s"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DurationValue {
    Seconds(f64),
    Text(String),
}

/// `[profiles.NAME.session]` or `[profiles.NAME.batch]`: defaults for new ones.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CreateDefaultsFile {
    kind: Option<String>,
    name: Option<String>,
    #[serde(alias = "proxyUser")]
    proxy_user: Option<String>,
    #[serde(alias = "driverMemory")]
    driver_memory: Option<String>,
    #[serde(alias = "driverCores")]
    driver_cores: Option<u32>,
    #[serde(alias = "executorMemory")]
    executor_memory: Option<String>,
    #[serde(alias = "executorCores")]
    executor_cores: Option<u32>,
    #[serde(alias = "numExecutors")]
    num_executors: Option<u32>,
    queue: Option<String>,
    #[serde(default)]
    jars: Vec<String>,
    #[serde(default, alias = "pyFiles")]
    py_files: Vec<String>,
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    archives: Vec<String>,
    #[serde(default)]
    conf: BTreeMap<String, toml::Value>,
    ttl: Option<String>,
    #[serde(alias = "idleTimeout")]
    idle_timeout: Option<String>,
    #[serde(alias = "heartbeatTimeoutInSecond")]
    heartbeat_timeout_in_second: Option<u32>,
    #[serde(default)]
    extra: toml::Table,
}

impl ProfileFile {
    /// Checks and types the profile named `name`.
    pub fn into_profile(self, name: &str) -> Result<Profile, ProfileProblem> {
        if self.password.is_some() {
            return Err(ProfileProblem::SecretInFile {
                key: "password",
                instead: "password-command, password-env or password-file",
            });
        }
        if self.token.is_some() {
            return Err(ProfileProblem::SecretInFile {
                key: "token",
                instead: "token-command, token-env or token-file",
            });
        }
        let auth = AuthSettings {
            method: self.auth.as_deref().map(parse_auth).transpose()?,
            user: self.user,
            password: one_source("password", self.password_command, self.password_file, self.password_env)?,
            token: one_source("token", self.token_command, self.token_file, self.token_env)?,
            token_header: self.token_header,
            spn: self.spn,
        };
        let connection = ConnectionSettings {
            url: self.url,
            auth,
            headers: self.headers.into_iter().collect(),
            requested_by: self.requested_by,
            ca_cert: self.ca_cert.map(expand_home),
            client_cert: self.client_cert.map(expand_home),
            client_key: self.client_key.map(expand_home),
            insecure: self.insecure,
            no_proxy: self.no_proxy,
            connect_timeout: self
                .connect_timeout
                .map(|d| duration("connect-timeout", d))
                .transpose()?,
            read_timeout: self.read_timeout.map(|d| duration("read-timeout", d)).transpose()?,
            retries: self.retries,
            flavor: self.flavor.as_deref().map(parse_flavor).transpose()?,
        };
        let session = match self.session {
            Some(file) => file.into_session()?,
            None => CreateSession::default(),
        };
        let batch = match self.batch {
            Some(file) => file.into_batch()?,
            None => CreateBatch::default(),
        };
        Ok(Profile {
            name: name.to_string(),
            connection,
            session,
            batch,
        })
    }
}

fn parse_flavor(text: &str) -> Result<Flavor, ProfileProblem> {
    Flavor::parse(text).ok_or_else(|| ProfileProblem::Invalid {
        key: "flavor".into(),
        problem: format!("{text:?} is not one of {}", Flavor::names()),
    })
}

fn parse_auth(text: &str) -> Result<AuthMethod, ProfileProblem> {
    AuthMethod::parse(text).ok_or_else(|| ProfileProblem::Invalid {
        key: "auth".into(),
        problem: format!("{text:?} is not one of {}", AuthMethod::NAMES),
    })
}

/// At most one of a secret's `-command`, `-file` and `-env`.
fn one_source(
    what: &'static str,
    command: Option<String>,
    file: Option<PathBuf>,
    env: Option<String>,
) -> Result<Option<SecretSource>, ProfileProblem> {
    let sources: Vec<SecretSource> = [
        command.map(SecretSource::Command),
        file.map(|f| SecretSource::File(expand_home(f))),
        env.map(SecretSource::Env),
    ]
    .into_iter()
    .flatten()
    .collect();
    match <[SecretSource; 1]>::try_from(sources) {
        Ok([one]) => Ok(Some(one)),
        Err(sources) if sources.is_empty() => Ok(None),
        Err(_) => Err(ProfileProblem::Invalid {
            key: format!("{what}-command/{what}-file/{what}-env"),
            problem: "give only one of them".into(),
        }),
    }
}

fn duration(key: &str, value: DurationValue) -> Result<std::time::Duration, ProfileProblem> {
    match value {
        DurationValue::Seconds(s) => seconds_to_duration(s),
        DurationValue::Text(t) => parse_duration(&t),
    }
    .map_err(|e| ProfileProblem::Invalid {
        key: key.to_string(),
        problem: e.to_string(),
    })
}

/// `~/x` → the home directory's `x`, as a shell would.
pub fn expand_home(path: PathBuf) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => match directories::BaseDirs::new() {
            Some(dirs) => dirs.home_dir().join(rest),
            None => path,
        },
        Err(_) => path,
    }
}

impl CreateDefaultsFile {
    fn into_session(self) -> Result<CreateSession, ProfileProblem> {
        let kind = self
            .kind
            .as_deref()
            .map(|k| session_kind("session.kind", k))
            .transpose()?;
        Ok(CreateSession {
            kind,
            name: self.name.clone(),
            heartbeat_timeout_in_second: self.heartbeat_timeout_in_second,
            ttl: self.ttl.clone(),
            idle_timeout: self.idle_timeout.clone(),
            extra: extra("session", &self.extra)?,
            resources: self.resources("session")?,
        })
    }

    fn into_batch(self) -> Result<CreateBatch, ProfileProblem> {
        for (key, set) in [
            ("kind", self.kind.is_some()),
            ("ttl", self.ttl.is_some()),
            ("idle-timeout", self.idle_timeout.is_some()),
            (
                "heartbeat-timeout-in-second",
                self.heartbeat_timeout_in_second.is_some(),
            ),
        ] {
            if set {
                return Err(ProfileProblem::Invalid {
                    key: format!("batch.{key}"),
                    problem: "applies to sessions only: put it under [profiles.NAME.session]".into(),
                });
            }
        }
        Ok(CreateBatch {
            name: self.name.clone(),
            extra: extra("batch", &self.extra)?,
            resources: self.resources("batch")?,
            ..CreateBatch::default()
        })
    }

    fn resources(self, table: &str) -> Result<Resources, ProfileProblem> {
        let conf = self
            .conf
            .into_iter()
            .map(|(k, v)| conf_value(table, &k, v).map(|v| (k, v)))
            .collect::<Result<_, _>>()?;
        Ok(Resources {
            proxy_user: self.proxy_user,
            jars: self.jars,
            py_files: self.py_files,
            files: self.files,
            archives: self.archives,
            driver_memory: self.driver_memory,
            driver_cores: self.driver_cores,
            executor_memory: self.executor_memory,
            executor_cores: self.executor_cores,
            num_executors: self.num_executors,
            queue: self.queue,
            conf,
        })
    }
}

fn session_kind(key: &str, text: &str) -> Result<SessionKind, ProfileProblem> {
    let kind = SessionKind::parse(text);
    if SessionKind::CODE_KINDS.contains(&kind) {
        Ok(kind)
    } else {
        Err(ProfileProblem::Invalid {
            key: key.to_string(),
            problem: format!("{text:?} is not one of spark, pyspark, sparkr, sql"),
        })
    }
}

/// A Spark setting is a string to Livy; numbers and booleans are taken as their text.
fn conf_value(table: &str, key: &str, value: toml::Value) -> Result<String, ProfileProblem> {
    match value {
        toml::Value::String(s) => Ok(s),
        toml::Value::Integer(n) => Ok(n.to_string()),
        toml::Value::Float(n) => Ok(n.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        other => Err(ProfileProblem::Invalid {
            key: format!("{table}.conf.{key}"),
            problem: format!("must be a string, number or boolean, not {}", other.type_str()),
        }),
    }
}

/// Vendor fields as JSON; a field Livy's body already has is refused (it has its own key).
pub fn extra(table: &str, extra: &toml::Table) -> Result<Map<String, Value>, ProfileProblem> {
    let mut fields = Map::new();
    for (key, value) in extra {
        if LIVY_BODY_FIELDS.contains(&key.as_str()) {
            return Err(ProfileProblem::Invalid {
                key: format!("{table}.extra.{key}"),
                problem: "is a Livy field with its own key: set it outside extra".into(),
            });
        }
        let json = serde_json::to_value(value).map_err(|e| ProfileProblem::Invalid {
            key: format!("{table}.extra.{key}"),
            problem: e.to_string(),
        })?;
        fields.insert(key.clone(), json);
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::livy::SessionKind;
    use crate::profile::{AuthMethod, SecretSource};
    use serde_json::json;
    use std::time::Duration;

    const EXAMPLE: &str = r#"
default-profile = "prod"
[profiles.prod]
url = "https://edge.example.com:8998"
auth = "kerberos"
[profiles.hdi]
url = "https://mycluster.azurehdinsight.net/livy"
auth = "basic"
user = "admin"
password-command = "pass show hdi"
read-timeout = "2m"
headers = { X-Gateway = "g1" }
[profiles.dli]
url = "https://dli.example.com/v2.0/0123abcd"
flavor = "dli"
auth = "token"
token-header = "X-Auth-Token"
token-command = "hcloud iam token"
[profiles.dli.batch]
queue = "analytics"
extra = { sc_type = "B", feature = "basic", spark_version = "2.4.5" }
[profiles.dli.session]
kind = "pyspark"
driverMemory = "2g"
executor-cores = 2
conf = { "spark.a" = 1, "spark.b" = true }
"#;

    #[test]
    fn the_documented_example_is_read_typed() {
        let profiles = Config::parse(EXAMPLE).unwrap().profiles;
        assert_eq!(profiles.default.as_deref(), Some("prod"));
        let prod = &profiles.by_name["prod"];
        assert_eq!(prod.connection.auth.method, Some(AuthMethod::Kerberos));
        let hdi = &profiles.by_name["hdi"].connection;
        assert_eq!(hdi.auth.password, Some(SecretSource::Command("pass show hdi".into())));
        assert_eq!(hdi.read_timeout, Some(Duration::from_secs(120)));
        assert_eq!(hdi.headers, vec![("X-Gateway".to_string(), "g1".to_string())]);
        let dli = &profiles.by_name["dli"];
        assert_eq!(dli.connection.auth.token_header.as_deref(), Some("X-Auth-Token"));
        assert_eq!(dli.connection.flavor, Some(crate::livy::Flavor::Dli));
        assert_eq!(dli.batch.resources.queue.as_deref(), Some("analytics"));
        let body = serde_json::to_value(&dli.batch).unwrap();
        assert_eq!(body["sc_type"], json!("B"));
        assert_eq!(body["spark_version"], json!("2.4.5"));
        assert_eq!(dli.session.kind, Some(SessionKind::PySpark));
        assert_eq!(dli.session.resources.driver_memory.as_deref(), Some("2g"));
        assert_eq!(dli.session.resources.executor_cores, Some(2));
        assert_eq!(dli.session.resources.conf["spark.a"], "1");
        assert_eq!(dli.session.resources.conf["spark.b"], "true");
    }

    fn problem(text: &str) -> String {
        Config::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn mistakes_name_the_key_and_what_is_allowed() {
        assert_eq!(
            problem("[profiles.a]\npassword = \"hunter2\"\n"),
            "[profiles.a] password is not kept in the config file: use password-command, password-env or password-file"
        );
        assert_eq!(
            problem("[profiles.a]\nflavor = \"databricks\"\n"),
            "[profiles.a] flavor: \"databricks\" is not one of livy, hdinsight, knox, emr, synapse, fabric, dli"
        );
        assert_eq!(
            problem("[profiles.a]\nauth = \"ntlm\"\n"),
            "[profiles.a] auth: \"ntlm\" is not one of none, basic, bearer, token, kerberos"
        );
        assert_eq!(
            problem("[profiles.a]\ntoken-command = \"x\"\ntoken-env = \"T\"\n"),
            "[profiles.a] token-command/token-file/token-env: give only one of them"
        );
        assert_eq!(
            problem("[profiles.a]\nread-timeout = \"soon\"\n"),
            "[profiles.a] read-timeout: \"soon\" is not a duration such as 30, 90s, 2m or 1h"
        );
        assert_eq!(
            problem("[profiles.a.batch]\nkind = \"spark\"\n"),
            "[profiles.a] batch.kind: applies to sessions only: put it under [profiles.NAME.session]"
        );
        assert_eq!(
            problem("[profiles.a.session]\nextra = { driverMemory = \"1g\" }\n"),
            "[profiles.a] session.extra.driverMemory: is a Livy field with its own key: set it outside extra"
        );
        assert_eq!(
            problem("[profiles.a.session]\nkind = \"java\"\n"),
            "[profiles.a] session.kind: \"java\" is not one of spark, pyspark, sparkr, sql"
        );
        assert_eq!(
            problem("default-profile = \"b\"\n[profiles.a]\n"),
            "default-profile: no profile named \"b\" (there is a)"
        );
        let unknown = problem("[profiles.a]\nurl = \"x\"\npasword-command = \"y\"\n");
        assert!(
            unknown.starts_with("line 3: unknown field `pasword-command`, expected one of"),
            "{unknown}"
        );
        assert!(!unknown.contains('\n'), "{unknown}");
    }

    #[test]
    fn the_profile_that_applies() {
        let profiles = Config::parse(EXAMPLE).unwrap().profiles;
        let name = |asked, url_given| {
            profiles
                .select(asked, url_given)
                .map(|p| p.map(|p| p.name.clone()))
                .map_err(|e| e.to_string())
        };
        assert_eq!(name(None, false), Ok(Some("prod".into())));
        assert_eq!(name(None, true), Ok(None), "a URL of its own: no default profile");
        assert_eq!(name(Some("hdi"), true), Ok(Some("hdi".into())));
        assert_eq!(
            name(Some("nope"), false),
            Err("no profile named \"nope\" (there is dli, hdi, prod)".into())
        );
    }
}
