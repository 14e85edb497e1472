//! `livy-tui local-setup`: a private venv with PySpark for local mode, so the quick start
//! works where the system Python refuses pip installs (Debian's "externally managed").

use super::args::LocalSetupArgs;
use super::failure::{CliResult, Failure};
use super::local::problem_message;
use crate::server::local::{LocalOptions, managed_venv, venv_python};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Creates (or checks) the venv and installs PySpark into it.
pub async fn run(args: LocalSetupArgs) -> CliResult {
    let Some(venv) = args.dir.clone().or_else(managed_venv) else {
        return Err(Failure::usage("no home directory to put the venv in: give --dir"));
    };
    let python = venv_python(&venv);
    if args.force && venv.join("pyvenv.cfg").exists() {
        std::fs::remove_dir_all(&venv)
            .map_err(|e| Failure::failed(format!("cannot remove {}: {e}", venv.display())))?;
    }
    let installed = python.exists() && check(&python).await.is_ok_and(|f| f.pyspark.is_some());
    if installed {
        eprintln!(
            "local-setup: {} already has pyspark (--force reinstalls)",
            venv.display()
        );
    } else {
        create_venv(&args, &venv).await?;
        install_pyspark(&args, &python).await?;
    }
    report_ready(&venv, &python).await
}

/// `python3 -m venv DIR`, into a new or empty directory.
async fn create_venv(args: &LocalSetupArgs, venv: &Path) -> Result<(), Failure> {
    if venv.exists() && !venv.join("pyvenv.cfg").exists() && !is_empty_dir(venv) {
        return Err(Failure::usage(format!(
            "{} exists and is not a venv; pick another --dir",
            venv.display()
        )));
    }
    let base = args.python.clone().unwrap_or_else(|| "python3".into());
    eprintln!(
        "local-setup: creating a venv in {} with {}",
        venv.display(),
        base.display()
    );
    step(&base, &["-m", "venv"], venv).await.map_err(|e| {
        Failure::failed(format!(
            "`{} -m venv` failed ({e}); on Debian and Ubuntu install python3-venv first (apt install python3-venv)",
            base.display()
        ))
    })
}

/// `pip install` PySpark and matplotlib into the venv.
async fn install_pyspark(args: &LocalSetupArgs, python: &Path) -> Result<(), Failure> {
    eprintln!(
        "local-setup: installing {} and matplotlib (a few hundred MB)…",
        args.pyspark
    );
    let mut pip = vec!["-m", "pip", "install", "--disable-pip-version-check"];
    pip.push(&args.pyspark);
    pip.push("matplotlib");
    step(python, &pip, Path::new("")).await.map_err(|e| {
        Failure::failed(format!(
            "pip could not install {} ({e}); its messages are above",
            args.pyspark
        ))
    })
}

/// Checks the venv's PySpark as local mode will, and says it is ready.
async fn report_ready(venv: &Path, python: &Path) -> CliResult {
    let found = check(python).await?;
    if let Some(message) = problem_message(&found, &python.display().to_string()) {
        return Err(Failure::failed(format!(
            "PySpark is in {}, but {message}",
            venv.display()
        )));
    }
    eprintln!(
        "local-setup: ready — pyspark {} with {}; `livy-tui --local` uses it",
        found.pyspark.as_deref().unwrap_or("?"),
        python.display()
    );
    eprintln!("local-setup: {}", what_runs(&found));
    Ok(0)
}

/// What local mode can run with this PySpark, in one line.
fn what_runs(found: &crate::server::local::Prerequisites) -> String {
    let mut kinds = vec!["pyspark"];
    if found.scala {
        kinds.push("spark (Scala)");
    }
    kinds.push("sql");
    let mut line = format!("sessions of kind {}", kinds.join(", "));
    if !found.scala {
        line.push_str("; no Scala (pyspark's jars have no Scala REPL)");
    }
    if !found.matplotlib {
        line.push_str("; %matplot needs matplotlib");
    }
    line.push_str(if found.spark_submit {
        "; batches of a .py or .jar through its spark-submit"
    } else {
        "; no batches (no bin/spark-submit)"
    });
    line.push_str("; R (sparkr) is not available locally");
    line
}

async fn check(python: &Path) -> Result<crate::server::local::Prerequisites, Failure> {
    let options = LocalOptions::new(python.to_path_buf());
    tokio::task::spawn_blocking(move || options.check())
        .await
        .map_err(|e| Failure::failed(format!("the PySpark check failed: {e}")))?
        .map_err(|e| Failure::failed(e.to_string()))
}

/// Why a set-up step failed (its own messages went to the terminal).
#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error("{} was not found", .0.display())]
    NotFound(PathBuf),
    #[error(transparent)]
    Start(io::Error),
    #[error("exit code {0}")]
    Exit(i32),
    /// Ended by a signal.
    #[error("killed")]
    Killed,
}

/// Runs `program args… [target]` with the user's terminal for its output.
async fn step(program: &Path, args: &[&str], target: &Path) -> Result<(), StepError> {
    let mut command = tokio::process::Command::new(program);
    command.args(args);
    if !target.as_os_str().is_empty() {
        command.arg(target);
    }
    let status = command
        .stdin(Stdio::null())
        .status()
        .await
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StepError::NotFound(program.to_path_buf()),
            _ => StepError::Start(e),
        })?;
    match status.code() {
        _ if status.success() => Ok(()),
        Some(code) => Err(StepError::Exit(code)),
        None => Err(StepError::Killed),
    }
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_line_says_what_local_mode_runs() {
        let everything = crate::server::local::Prerequisites {
            matplotlib: true,
            scala: true,
            spark_submit: true,
            ..Default::default()
        };
        assert_eq!(
            what_runs(&everything),
            "sessions of kind pyspark, spark (Scala), sql; batches of a .py or .jar through its spark-submit; R (sparkr) is not available locally"
        );
        assert_eq!(
            what_runs(&Default::default()),
            "sessions of kind pyspark, sql; no Scala (pyspark's jars have no Scala REPL); %matplot needs matplotlib; no batches (no bin/spark-submit); R (sparkr) is not available locally"
        );
    }

    #[test]
    fn step_errors_display_as_one_line() {
        assert_eq!(
            StepError::NotFound("/usr/bin/python9".into()).to_string(),
            "/usr/bin/python9 was not found"
        );
        assert_eq!(StepError::Exit(3).to_string(), "exit code 3");
        assert_eq!(StepError::Killed.to_string(), "killed");
        assert_eq!(StepError::Start(io::Error::other("no")).to_string(), "no");
    }

    #[tokio::test]
    async fn a_missing_program_is_named() {
        let missing = Path::new("/nonexistent/livy-tui-test-python");
        let e = step(missing, &["-V"], Path::new("")).await.unwrap_err();
        assert_eq!(e.to_string(), "/nonexistent/livy-tui-test-python was not found");
        let e = step(Path::new("false"), &[], Path::new("")).await.unwrap_err();
        assert_eq!(e.to_string(), "exit code 1");
    }
}
