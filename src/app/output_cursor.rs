//! The selected value of an output: a table's cell cursor and a JSON tree's selected node
//! (moved with the output keys), column widths, and the inspector that shows one value whole.

use super::cell::CellOutput;
use super::command::Command;
use super::events::Effect;
use super::{App, Overlay};
use crate::output::sanitize::strip_all;
use crate::output::table::value_text;
use crate::output::table_layout::MIN_WIDTH;
use std::sync::Arc;

/// Rows of an output view in a cell (the UI's `MAX_OUTPUT_ROWS`): a table's cursor and a
/// JSON tree's selection stay inside them.
pub(super) const VIEW_ROWS: usize = 15;

/// Columns a width key adds or takes.
const WIDTH_STEP: u16 = 4;

/// The widest a column can be made.
const MAX_COLUMN_WIDTH: u16 = 400;

/// The inspector shows at most this much of a value (copying takes all of it).
const INSPECT_CHARS: usize = 200_000;

impl App {
    /// Output keys act on a focused table; true when the command was taken.
    pub(super) fn table_command(&mut self, command: Command) -> bool {
        let cell = self.notebook.focused_mut();
        let Some(CellOutput::Table(t)) = &mut cell.output.shown else {
            return false;
        };
        let rows = t.table.rows.len();
        let cols = t.table.columns.len();
        let (row, col) = t.cursor;
        let page = VIEW_ROWS.saturating_sub(1).max(1);
        t.cursor = match command {
            Command::ScrollOutputUp => (row.saturating_sub(1), col),
            Command::ScrollOutputDown => (row + 1, col),
            Command::PageOutputUp => (row.saturating_sub(page), col),
            Command::PageOutputDown => (row + page, col),
            Command::ScrollOutputLeft => (row, col.saturating_sub(1)),
            Command::ScrollOutputRight => (row, col + 1),
            Command::WidenColumn | Command::NarrowColumn => {
                let Some(width) = t.layout.widths.get(col).copied() else {
                    return true;
                };
                let width = if command == Command::WidenColumn {
                    width.saturating_add(WIDTH_STEP).min(MAX_COLUMN_WIDTH)
                } else {
                    width.saturating_sub(WIDTH_STEP).max(MIN_WIDTH)
                };
                Arc::make_mut(&mut t.layout).widths[col] = width;
                self.say(format!("column {} is {width} wide", col + 1));
                return true;
            }
            _ => return false,
        };
        t.cursor.0 = t.cursor.0.min(rows.saturating_sub(1));
        t.cursor.1 = t.cursor.1.min(cols.saturating_sub(1));
        // Columns: start no later than the cursor; the grid scrolls right as far as needed.
        t.first_col = t.first_col.min(t.cursor.1);
        // Rows: keep the cursor inside the view.
        let top = &mut cell.view.scroll;
        if t.cursor.0 < *top {
            *top = t.cursor.0;
        } else if t.cursor.0 >= *top + VIEW_ROWS {
            *top = t.cursor.0 + 1 - VIEW_ROWS;
        }
        true
    }

    /// Output keys act on a focused JSON tree; true when the command was taken.
    pub(super) fn json_command(&mut self, command: Command) -> bool {
        let cell = self.notebook.focused_mut();
        let Some(CellOutput::Json(json)) = &mut cell.output.shown else {
            return false;
        };
        if json.raw.is_some() && command != Command::ToggleRaw {
            return false;
        }
        let tree = json.tree.clone();
        let page = VIEW_ROWS;
        match command {
            Command::ScrollOutputDown => json.state.select_next(&tree),
            Command::ScrollOutputUp => json.state.select_prev(&tree),
            Command::ToggleOutput => json.state.toggle(&tree),
            Command::ScrollOutputRight => json.state.expand_or_enter(&tree),
            Command::ScrollOutputLeft => json.state.collapse_or_leave(&tree),
            Command::PageOutputDown => json.state.scroll_by(&tree, page as isize, page),
            Command::PageOutputUp => json.state.scroll_by(&tree, -(page as isize), page),
            Command::ExpandAll if json.state.visible_rows(&tree) == tree.node_count() => json.state.collapse_all(&tree),
            Command::ExpandAll => json.state.expand_all(&tree),
            Command::ToggleRaw => {
                if json.raw.take().is_none() {
                    let value = cell
                        .output
                        .raw
                        .as_ref()
                        .and_then(|o| o.data.get(crate::livy::MIME_JSON));
                    let text = value.map_or("null", |v| v.get());
                    json.raw = Some(Arc::new(crate::output::json_tree::pretty_text(text)));
                }
                cell.view.scroll = 0;
                return true;
            }
            _ => return false,
        }
        json.state.scroll_into_view(page);
        true
    }

    /// The focused output's selected value: a table cell (with its column) or a JSON node
    /// (with its path), as (title, text).
    fn selected_value(&self) -> Option<(String, String)> {
        let output = &self.notebook.focused().output;
        match &output.shown {
            Some(CellOutput::Table(t)) => {
                let value = t.selected_value()?;
                let (row, col) = t.cursor;
                let column = t.table.columns.get(col)?;
                let kind = if column.data_type.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", column.data_type)
                };
                let text = match &value {
                    serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                        serde_json::to_string_pretty(&value).unwrap_or_default()
                    }
                    other => value_text(other),
                };
                Some((strip_all(&format!("row {} · {}{kind}", row + 1, column.name)), text))
            }
            Some(CellOutput::Json(json)) if json.raw.is_none() => {
                let node = json.state.selected();
                let raw = output.raw.as_ref()?.data.get(crate::livy::MIME_JSON)?;
                // Only the selected value is parsed, however big the whole.
                let value = crate::output::json_text::pointer(raw.get(), &json.tree.pointer(node))?;
                let text = match &value {
                    serde_json::Value::String(s) => s.clone(),
                    other => serde_json::to_string_pretty(other).unwrap_or_default(),
                };
                Some((strip_all(&json.tree.path(node)), text))
            }
            _ => None,
        }
    }

    /// Opens the inspector on the selected value.
    pub(super) fn inspect_value(&mut self) {
        let Some((title, text)) = self.selected_value() else {
            self.say("select a table cell or a JSON value first (←→ [ ] move)");
            return;
        };
        let total = text.chars().count();
        let mut shown = strip_all(&text);
        if total > INSPECT_CHARS {
            let cut = shown.char_indices().nth(INSPECT_CHARS).map_or(shown.len(), |(i, _)| i);
            shown.truncate(cut);
            shown.push_str(&format!(
                "\n… the first {} of {} characters; Y copies it all",
                crate::human::grouped(INSPECT_CHARS),
                crate::human::grouped(total)
            ));
        }
        let rows = shown.lines().count();
        self.overlays.open(Overlay::Inspect {
            title,
            text: Arc::new(shown),
            full: Arc::new(text),
            scroll: 0,
        });
        // until the first frame tells how the text wraps, a scroll can go one row a line
        self.layout.inspect_last_scroll = rows;
    }

    /// Copies the selected value.
    pub(super) fn copy_value(&mut self) -> Vec<Effect> {
        match self.selected_value() {
            Some((title, text)) => self.clipboard(text, &title),
            None => {
                self.say("select a table cell or a JSON value first (←→ [ ] move)");
                Vec::new()
            }
        }
    }
}
