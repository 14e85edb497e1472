//! Searching the notebook: cell code, text outputs, errors and table cells.

use super::cell::{Cell, CellOutput};
use super::events::CellId;
use crate::output::sanitize::strip_all;
use crate::output::table::value_text;

/// Where a match is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A line of the cell's code.
    Code { line: usize },
    /// A line of a text output (or of an error's traceback).
    Output { line: usize },
    /// A table cell.
    Table { row: usize, col: usize },
    /// A node of a JSON tree.
    Json { node: usize },
}

/// One match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub cell: CellId,
    pub place: Place,
}

/// A search over the notebook.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Search {
    pub query: String,
    /// The query is still being typed.
    pub typing: bool,
    pub matches: Vec<Match>,
    /// Index into `matches` of the current one.
    pub current: Option<usize>,
}

/// Every match of `query` (case-insensitive) in the cells, in notebook order.
pub fn find(cells: &[Cell], query: &str) -> Vec<Match> {
    if query.is_empty() {
        return Vec::new();
    }
    let q = query.to_lowercase();
    let hit = |text: &str| text.to_lowercase().contains(&q);
    let mut out = Vec::new();
    for cell in cells {
        for (line, text) in cell.editor.lines().iter().enumerate() {
            if hit(text) {
                out.push(Match {
                    cell: cell.id,
                    place: Place::Code { line },
                });
            }
        }
        match &cell.output {
            Some(CellOutput::Text(lines)) => {
                for (line, text) in lines.iter().enumerate() {
                    if hit(&strip_all(text)) {
                        out.push(Match {
                            cell: cell.id,
                            place: Place::Output { line },
                        });
                    }
                }
            }
            Some(CellOutput::Error {
                ename,
                evalue,
                traceback,
            }) => {
                if hit(ename) || hit(evalue) {
                    out.push(Match {
                        cell: cell.id,
                        place: Place::Output { line: 0 },
                    });
                }
                for (line, text) in traceback.iter().enumerate() {
                    if hit(&strip_all(text)) {
                        out.push(Match {
                            cell: cell.id,
                            place: Place::Output { line },
                        });
                    }
                }
            }
            Some(CellOutput::Table(t)) => {
                for (row, values) in t.table.rows.iter().enumerate() {
                    for (col, value) in values.iter().enumerate() {
                        if hit(&value_text(value)) {
                            out.push(Match {
                                cell: cell.id,
                                place: Place::Table { row, col },
                            });
                        }
                    }
                }
            }
            Some(CellOutput::Json(j)) => {
                for node in 0..j.tree.node_count() {
                    if j.tree.node_matches(node, query) {
                        out.push(Match {
                            cell: cell.id,
                            place: Place::Json { node },
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}
