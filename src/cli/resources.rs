//! Resource flags → request bodies.

use super::args::{NewSessionArgs, ResourceArgs};
use super::failure::Failure;
use crate::livy::requests::conf_pair;
use crate::livy::{CreateSession, LIVY_BODY_FIELDS, Resources};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The body for a new session from the flags alone (its kind is set by the caller).
pub fn create_session_request(args: &NewSessionArgs) -> Result<CreateSession, Failure> {
    Ok(CreateSession {
        kind: None,
        name: args.name.clone(),
        resources: resources(&args.resources)?,
        heartbeat_timeout_in_second: args.heartbeat_timeout,
        ttl: args.ttl.clone(),
        idle_timeout: args.idle_timeout.clone(),
        extra: extra_fields(&args.resources)?,
    })
}

/// The body for a new session where no notebook has a say: the profile's defaults, then
/// the flags over them.
pub fn session_request_with_defaults(args: &NewSessionArgs) -> Result<CreateSession, Failure> {
    let mut request = args.defaults.clone();
    request.overlay(create_session_request(args)?);
    Ok(request)
}

/// `--extra KEY=VALUE` as top-level JSON fields; VALUE is JSON when it parses, else a string.
pub fn extra_fields(args: &ResourceArgs) -> Result<Map<String, Value>, Failure> {
    let mut fields = Map::new();
    for pair in &args.extra {
        let Some((key, raw)) = pair.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(Failure::usage(format!("--extra {pair:?} is not of the form KEY=VALUE")));
        };
        let key = key.trim();
        if LIVY_BODY_FIELDS.contains(&key) {
            return Err(Failure::usage(format!(
                "--extra {key}: is a Livy field with a flag of its own (see --help)"
            )));
        }
        let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
        fields.insert(key.to_string(), value);
    }
    Ok(fields)
}

/// Spark resources from the flags.
pub fn resources(args: &ResourceArgs) -> Result<Resources, Failure> {
    Ok(Resources {
        proxy_user: args.proxy_user.clone(),
        jars: args.jars.clone(),
        py_files: args.py_files.clone(),
        files: args.files.clone(),
        archives: args.archives.clone(),
        driver_memory: args.driver_memory.clone(),
        driver_cores: args.driver_cores,
        executor_memory: args.executor_memory.clone(),
        executor_cores: args.executor_cores,
        num_executors: args.num_executors,
        queue: args.queue.clone(),
        conf: parse_conf(&args.conf)?,
    })
}

/// `key=value` pairs; the value may contain `=`.
pub fn parse_conf(pairs: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut conf = BTreeMap::new();
    for pair in pairs {
        let Some((key, value)) = conf_pair(pair) else {
            return Err(Failure::usage(format!("--conf {pair:?} is not of the form key=value")));
        };
        conf.insert(key, value);
    }
    Ok(conf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_fields_are_json_or_text() {
        let args = |pairs: &[&str]| ResourceArgs {
            extra: pairs.iter().map(|p| p.to_string()).collect(),
            ..ResourceArgs::default()
        };
        let fields = extra_fields(&args(&["sc_type=B", "n=3", "flag=true", "obj={\"a\":1}", "eq=a=b"])).unwrap();
        assert_eq!(
            Value::Object(fields),
            serde_json::json!({"sc_type": "B", "n": 3, "flag": true, "obj": {"a": 1}, "eq": "a=b"})
        );
        assert!(
            extra_fields(&args(&["novalue"]))
                .unwrap_err()
                .message
                .contains("KEY=VALUE")
        );
        assert!(
            extra_fields(&args(&["driverMemory=2g"]))
                .unwrap_err()
                .message
                .contains("flag of its own")
        );
    }

    #[test]
    fn conf_pairs() {
        let c = parse_conf(&["spark.a=1".into(), "spark.b=x=y".into()]).unwrap();
        assert_eq!(c["spark.b"], "x=y");
        assert!(parse_conf(&["novalue".into()]).is_err());
        assert!(parse_conf(&["=v".into()]).is_err());
    }
}
