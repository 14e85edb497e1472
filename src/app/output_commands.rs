//! What the output keys do: scrolling and folding an output, showing it as another of its
//! types, copying it and saving a table or image to a file. (Tables and JSON trees take the
//! moving keys first: `output_cursor`.)

use super::App;
use super::cell::{CellOutput, PreparedOutput};
use super::command::Command;
use super::events::{CellId, Effect, ExportFormat};
use crate::output::export::to_tsv;
use crate::output::sanitize::strip_all;
use std::sync::Arc;

/// Terminals accept only so much through OSC 52 (some cap it far lower).
const MAX_CLIPBOARD: usize = 1 << 20;

/// Rows a scroll key moves an output by…
const STEP: usize = 5;

/// …and a page key.
const PAGE: usize = 10;

impl App {
    /// An output key on the focused cell (tables and JSON trees took theirs already).
    pub(super) fn output_command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::CycleMime => return self.cycle_mime(),
            Command::CopyOutput => return self.copy_output(),
            Command::CopyValue => return self.copy_value(),
            Command::ExportCsv => return self.export(ExportFormat::Csv),
            Command::ExportJsonLines => return self.export(ExportFormat::JsonLines),
            Command::InspectValue => self.inspect_value(),
            Command::ScrollOutputLeft | Command::ScrollOutputRight => self.say("only tables scroll sideways"),
            Command::ExpandAll | Command::ToggleRaw => self.say("only JSON outputs have a tree"),
            Command::WidenColumn | Command::NarrowColumn => self.say("only table columns have widths"),
            _ => self.scroll_output(command),
        }
        Vec::new()
    }

    /// Folds or unfolds a traceback; scrolls the output by steps or pages.
    fn scroll_output(&mut self, command: Command) {
        let view = &mut self.notebook.focused_mut().view;
        match command {
            Command::ToggleOutput => view.unfolded = !view.unfolded,
            Command::ScrollOutputUp => view.scroll = view.scroll.saturating_sub(STEP),
            Command::ScrollOutputDown => view.scroll += STEP,
            Command::PageOutputUp => view.scroll = view.scroll.saturating_sub(PAGE),
            Command::PageOutputDown => view.scroll += PAGE,
            _ => {}
        }
    }

    /// Copies the focused cell's output: a table as TSV (pastes into spreadsheets), text
    /// as text, an error with its traceback.
    fn copy_output(&mut self) -> Vec<Effect> {
        let output = &self.notebook.focused().output;
        let text = match &output.shown {
            Some(CellOutput::Table(t)) => to_tsv(&t.table),
            Some(CellOutput::Text(lines)) => strip_all(&lines.join("\n")),
            Some(CellOutput::Styled(lines)) => lines
                .iter()
                .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>())
                .collect::<Vec<_>>()
                .join("\n"),
            Some(CellOutput::Json(_)) => {
                let json = output.raw.as_ref().and_then(|o| o.data.get(crate::livy::MIME_JSON));
                json.map(|j| crate::output::json_text::pretty(j.get()).unwrap_or_else(|| j.get().to_string()))
                    .unwrap_or_default()
            }
            Some(CellOutput::Error {
                ename,
                evalue,
                traceback,
            }) => {
                format!("{ename}: {evalue}\n{}", strip_all(&traceback.join("\n")))
            }
            _ => {
                self.say("nothing to copy here");
                return Vec::new();
            }
        };
        self.clipboard(text, "the output")
    }

    /// Puts `text` (described as `what`) on the clipboard, if the terminal can take it.
    pub(super) fn clipboard(&mut self, text: String, what: &str) -> Vec<Effect> {
        if text.len() > MAX_CLIPBOARD {
            let mb = text.len() as f64 / 1e6;
            self.complain(format!(
                "{mb:.1} MB is too much for the terminal clipboard; save it with e (CSV) instead"
            ));
            return Vec::new();
        }
        let size = if text.len() < 1024 {
            format!("{} bytes", text.len())
        } else {
            format!("{} KB", text.len().div_ceil(1024))
        };
        self.say(format!(
            "copied {what} ({size}) to the clipboard (in tmux this needs set-clipboard on)"
        ));
        vec![Effect::Clipboard(text)]
    }

    /// Saves the focused cell's table (or image) to a file.
    fn export(&mut self, format: ExportFormat) -> Vec<Effect> {
        let n = self.notebook.focus + 1;
        let output = &self.notebook.focused().output;
        let effect = match &output.shown {
            Some(CellOutput::Image(img)) => Effect::SaveImage {
                png: img.image.png.clone(),
                base: format!("livy-cell{n}-image"),
            },
            Some(CellOutput::Table(t)) => Effect::Export {
                table: t.table.clone(),
                format,
                base: match &output.execution_count {
                    Some(count) => format!("livy-cell{n}-run{count}"),
                    None => format!("livy-cell{n}"),
                },
            },
            _ => {
                self.say("only tables are saved as files; y copies other output");
                return Vec::new();
            }
        };
        self.say("saving…");
        vec![effect]
    }

    /// Asks a worker to prepare the focused cell's output as the next type it carries.
    fn cycle_mime(&mut self) -> Vec<Effect> {
        let cell = self.notebook.focused();
        let output = &cell.output;
        let Some(raw) = output.raw.clone() else {
            self.say("no output to show another way");
            return Vec::new();
        };
        if output.mimes.len() < 2 {
            let only = output.mime.clone().unwrap_or_else(|| "text".into());
            self.say(format!("this output is only {only}"));
            return Vec::new();
        }
        let i = output.mime_index().map_or(0, |i| i + 1);
        let mime = output.mimes[i % output.mimes.len()].clone();
        let id = cell.id;
        self.say(format!("preparing {mime}…"));
        vec![Effect::Prepare { cell: id, raw, mime }]
    }

    /// A worker's output for a type the user picked; dropped when the cell has a newer
    /// output by now.
    pub(super) fn prepared(&mut self, id: CellId, prepared: PreparedOutput) {
        let Some(cell) = self.notebook.cell_mut(id) else { return };
        let same_output = match (&cell.output.raw, &prepared.raw) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        if !same_output || cell.is_busy() {
            return;
        }
        let output = &mut cell.output;
        output.shown = Some(prepared.output);
        output.mime = prepared.mime;
        cell.view.scroll = 0;
        let n = output.mimes.len();
        let i = output.mime_index().map_or(0, |i| i + 1);
        let mime = output.mime.clone().unwrap_or_default();
        self.say(format!("showing {mime} ({i} of {n}; m for the next)"));
    }
}
