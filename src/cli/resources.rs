//! Resource flags → request bodies.

use super::args::{NewSessionArgs, ResourceArgs};
use super::failure::Failure;
use crate::livy::{CreateSession, Resources};
use std::collections::BTreeMap;

/// The body for a new session (its kind is set by the caller).
pub fn create_session_request(args: &NewSessionArgs) -> Result<CreateSession, Failure> {
    Ok(CreateSession {
        kind: None,
        name: args.name.clone(),
        resources: resources(&args.resources)?,
        heartbeat_timeout_in_second: args.heartbeat_timeout,
        ttl: args.ttl.clone(),
        idle_timeout: args.idle_timeout.clone(),
        extra: Default::default(),
    })
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
        match pair.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                conf.insert(k.trim().to_string(), v.to_string());
            }
            _ => return Err(Failure::usage(format!("--conf {pair:?} is not of the form key=value"))),
        }
    }
    Ok(conf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_pairs() {
        let c = parse_conf(&["spark.a=1".into(), "spark.b=x=y".into()]).unwrap();
        assert_eq!(c["spark.b"], "x=y");
        assert!(parse_conf(&["novalue".into()]).is_err());
        assert!(parse_conf(&["=v".into()]).is_err());
    }
}
