//! `livy-tui export`: convert a notebook between `.ipynb` and a percent script. Local only:
//! no server, no credentials.

use super::args::{ExportArgs, ExportTo};
use super::failure::{CliResult, Failure};
use crate::notebook::{self, Format, Notebook, ScriptLanguage};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the converted text goes.
enum Destination {
    Stdout,
    File(PathBuf),
}

/// Runs the command.
pub fn run(args: &ExportArgs) -> CliResult {
    let to_stdout = args.output.as_deref().is_some_and(|p| p.as_os_str() == "-");
    // The output's extension, when it names a format, decides the language of a script.
    let named = match &args.output {
        Some(path) if !to_stdout => Some(Format::from_path(path).map_err(|e| Failure::usage(format!("-o: {e}")))?),
        _ => None,
    };
    let nb = notebook::load(&args.notebook).map_err(|e| Failure::usage(e.to_string()))?;
    let format = target_format(args, named, &nb)?;
    let destination = match &args.output {
        _ if to_stdout => Destination::Stdout,
        Some(path) => Destination::File(path.clone()),
        None => Destination::File(args.notebook.with_extension(extension(format))),
    };
    let text = nb.render(format);
    match destination {
        Destination::Stdout => write_stdout(&text),
        Destination::File(path) => {
            write_file(&path, &text, args.force)?;
            eprintln!("wrote {}{}", path.display(), dropped_outputs(&nb, format));
            Ok(0)
        }
    }
}

/// The format to convert to: `--to`, with the language of a script from `-o`'s extension
/// or the notebook's kind; else the format `-o` names.
fn target_format(args: &ExportArgs, named: Option<Format>, nb: &Notebook) -> Result<Format, Failure> {
    match (args.to, named) {
        (Some(ExportTo::Ipynb), None | Some(Format::Ipynb)) => Ok(Format::Ipynb),
        (Some(ExportTo::Script), Some(Format::Script(lang))) => Ok(Format::Script(lang)),
        (Some(ExportTo::Script), None) => Ok(Format::Script(ScriptLanguage::for_kind(nb.default_kind.as_ref()))),
        (Some(to), Some(_)) => {
            let out = args.output.as_deref().unwrap_or(Path::new(""));
            Err(Failure::usage(format!(
                "-o {} does not name {} file",
                out.display(),
                match to {
                    ExportTo::Ipynb => "an .ipynb",
                    ExportTo::Script => "a script (.py, .scala, .r, .sql)",
                }
            )))
        }
        (None, Some(format)) => Ok(format),
        (None, None) => Err(Failure::usage(
            "say what to convert to: --to script or --to ipynb (or give -o with an extension)",
        )),
    }
}

fn write_stdout(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::failed(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(0),
    }
}

/// Writes `text` to `path` atomically; an existing file only with `--force`.
fn write_file(path: &Path, text: &str, force: bool) -> Result<(), Failure> {
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(Failure::usage(format!(
            "{} already exists; use --force to overwrite it (the old file is kept as {}~)",
            path.display(),
            path.display()
        )));
    }
    notebook::save_atomic(path, text.as_bytes()).map_err(|e| Failure::failed(format!("cannot write the notebook: {e}")))
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Ipynb => "ipynb",
        Format::Script(lang) => lang.extension(),
    }
}

/// A note when converting to a script leaves outputs behind.
fn dropped_outputs(nb: &Notebook, format: Format) -> String {
    let with_outputs = nb.cells.iter().filter(|c| !c.outputs.is_empty()).count();
    match (format, with_outputs) {
        (Format::Script(_), 1) => " (a script holds no outputs: 1 cell's outputs were left out)".into(),
        (Format::Script(_), n) if n > 1 => format!(" (a script holds no outputs: {n} cells' outputs were left out)"),
        _ => String::new(),
    }
}
