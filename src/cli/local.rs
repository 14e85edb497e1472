//! `--local`: start the built-in Livy server over local PySpark for one command, after
//! checking that this machine can run it, and stop it (and all its processes) afterwards.

use super::args::LocalArgs;
use super::failure::Failure;
use crate::server::local::{CheckError, LocalLivy, LocalOptions, Prerequisites, choose_python};
use std::time::Duration;

/// How long sessions get to stop when the command ends.
pub const STOP_GRACE: Duration = Duration::from_secs(15);

/// The local-session settings the flags ask for.
pub fn options(args: &LocalArgs) -> LocalOptions {
    LocalOptions::new(choose_python(args.python.as_deref()))
}

/// Checks the prerequisites, then starts the server. The error explains what to install.
pub async fn start(args: &LocalArgs) -> Result<LocalLivy, Failure> {
    let options = options(args);
    preflight(&options).await?;
    let local = LocalLivy::start(options)
        .await
        .map_err(|e| Failure::failed(format!("cannot start the local Livy server: {e}")))?;
    tracing::info!(url = %local.url(), "local Livy server started");
    Ok(local)
}

/// Runs the driver's prerequisite check (off the async threads) and words any problem.
pub async fn preflight(options: &LocalOptions) -> Result<Prerequisites, Failure> {
    let checking = options.clone();
    let found = tokio::task::spawn_blocking(move || checking.check())
        .await
        .map_err(|e| Failure::failed(format!("the PySpark check failed: {e}")))?;
    let found = found.map_err(|e| match e {
        CheckError::NoPython { .. } => Failure::usage(e.to_string()),
        CheckError::Failed { .. } => Failure::failed(e.to_string()),
    })?;
    match problem_message(&found, &options.python.display().to_string()) {
        Some(message) => Err(Failure::usage(message)),
        None => Ok(found),
    }
}

/// One line that says what is missing and how to get it, `None` if nothing is.
pub fn problem_message(found: &Prerequisites, python: &str) -> Option<String> {
    let problem = found.problem.as_ref()?;
    let executable = found.executable.as_deref().unwrap_or(python);
    Some(match problem.reason.as_str() {
        "no_pyspark" => format!(
            "local mode needs PySpark, which {executable} cannot import: install it with `{executable} -m pip install pyspark`, or run `livy-tui local-setup` for a private venv (or point --python at a Python that has it)"
        ),
        _ => format!("local mode cannot start: {}", problem.message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::local::Problem;

    #[test]
    fn a_missing_pyspark_names_the_exact_pip_command() {
        let found = Prerequisites {
            executable: Some("/opt/py/bin/python3.11".into()),
            problem: Some(Problem {
                reason: "no_pyspark".into(),
                message: "No module named 'pyspark'".into(),
            }),
            ..Prerequisites::default()
        };
        let message = problem_message(&found, "python3").unwrap();
        assert!(
            message.contains("`/opt/py/bin/python3.11 -m pip install pyspark`"),
            "{message}"
        );
    }

    #[test]
    fn other_problems_pass_the_driver_message_on() {
        let found = Prerequisites {
            problem: Some(Problem {
                reason: "no_java".into(),
                message: "Java was not found; Spark 4.3.0 needs Java 17 or 21".into(),
            }),
            ..Prerequisites::default()
        };
        assert_eq!(
            problem_message(&found, "python3").unwrap(),
            "local mode cannot start: Java was not found; Spark 4.3.0 needs Java 17 or 21"
        );
        assert_eq!(problem_message(&Prerequisites::default(), "python3"), None);
    }
}
