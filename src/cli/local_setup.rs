//! `livy-tui local-setup`: a private venv with PySpark for local mode, so the quick start
//! works where the system Python refuses pip installs (Debian's "externally managed").

use super::args::LocalSetupArgs;
use super::failure::{CliResult, Failure};
use super::local::problem_message;
use crate::server::local::{LocalOptions, managed_venv, venv_python};
use std::path::Path;
use std::process::Stdio;

/// Creates (or checks) the venv and installs PySpark into it.
pub async fn run(args: LocalSetupArgs) -> CliResult {
    let Some(venv) = args.dir.clone().or_else(managed_venv) else {
        return Err(Failure::usage("no home directory to put the venv in: give --dir"));
    };
    let python = venv_python(&venv);
    let base = args.python.clone().unwrap_or_else(|| "python3".into());

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
        if venv.exists() && !venv.join("pyvenv.cfg").exists() && !is_empty_dir(&venv) {
            return Err(Failure::usage(format!(
                "{} exists and is not a venv; pick another --dir",
                venv.display()
            )));
        }
        eprintln!(
            "local-setup: creating a venv in {} with {}",
            venv.display(),
            base.display()
        );
        step(&base, &["-m", "venv"], &venv).await.map_err(|code| {
            Failure::failed(format!(
                "`{} -m venv` failed ({code}); on Debian and Ubuntu install python3-venv first (apt install python3-venv)",
                base.display()
            ))
        })?;
        eprintln!(
            "local-setup: installing {} and matplotlib (a few hundred MB)…",
            args.pyspark
        );
        let mut pip = vec!["-m", "pip", "install", "--disable-pip-version-check"];
        pip.push(&args.pyspark);
        pip.push("matplotlib");
        step(&python, &pip, Path::new("")).await.map_err(|code| {
            Failure::failed(format!(
                "pip could not install {} ({code}); its messages are above",
                args.pyspark
            ))
        })?;
    }

    let found = check(&python).await?;
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
    Ok(0)
}

async fn check(python: &Path) -> Result<crate::server::local::Prerequisites, Failure> {
    let options = LocalOptions::new(python.to_path_buf());
    tokio::task::spawn_blocking(move || options.check())
        .await
        .map_err(|e| Failure::failed(format!("the PySpark check failed: {e}")))?
        .map_err(|e| Failure::failed(e.to_string()))
}

/// Runs `program args… [target]` with the user's terminal for its output.
async fn step(program: &Path, args: &[&str], target: &Path) -> Result<(), String> {
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
            std::io::ErrorKind::NotFound => format!("{} was not found", program.display()),
            _ => e.to_string(),
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(match status.code() {
            Some(code) => format!("exit code {code}"),
            None => "killed".into(),
        })
    }
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}
