//! Searching the notebook: cell code, text outputs, errors, table cells and JSON nodes.
//!
//! A search can read a 100,000-row table, so it runs on a worker: the UI loop takes a
//! [`SearchTarget`] per cell (the outputs are shared, not copied) and [`find`] scans them.

use super::cell::{Cell, CellOutput};
use super::events::CellId;
use crate::output::json_tree::JsonTree;
use crate::output::sanitize::strip_all;
use crate::output::table::{Table, value_text};
use std::sync::Arc;

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
    /// A worker is looking; `matches` is not there yet.
    pub searching: bool,
}

/// What a search reads of one cell: its code, and its output shared with the cell.
#[derive(Clone)]
pub struct SearchTarget {
    cell: CellId,
    code: Vec<String>,
    output: Option<Searchable>,
}

#[derive(Clone)]
enum Searchable {
    Text(Arc<Vec<String>>),
    Error { head: [String; 2], traceback: Vec<String> },
    Table(Arc<Table>),
    Json(Arc<JsonTree>),
}

impl std::fmt::Debug for SearchTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SearchTarget({:?})", self.cell)
    }
}

impl PartialEq for SearchTarget {
    /// Same cell, same code, the very same output.
    fn eq(&self, other: &Self) -> bool {
        let same_output = match (&self.output, &other.output) {
            (None, None) => true,
            (Some(Searchable::Text(a)), Some(Searchable::Text(b))) => Arc::ptr_eq(a, b),
            (Some(Searchable::Table(a)), Some(Searchable::Table(b))) => Arc::ptr_eq(a, b),
            (Some(Searchable::Json(a)), Some(Searchable::Json(b))) => Arc::ptr_eq(a, b),
            (
                Some(Searchable::Error { head, traceback }),
                Some(Searchable::Error {
                    head: h2,
                    traceback: t2,
                }),
            ) => head == h2 && traceback == t2,
            _ => false,
        };
        self.cell == other.cell && self.code == other.code && same_output
    }
}

/// What a search of `cells` reads; cheap (outputs are shared), so it is taken on the UI loop.
pub fn targets(cells: &[Cell]) -> Vec<SearchTarget> {
    cells
        .iter()
        .map(|cell| SearchTarget {
            cell: cell.id,
            code: cell.editor.lines().to_vec(),
            output: match &cell.output {
                Some(CellOutput::Text(lines)) => Some(Searchable::Text(lines.clone())),
                Some(CellOutput::Error {
                    ename,
                    evalue,
                    traceback,
                }) => Some(Searchable::Error {
                    head: [ename.clone(), evalue.clone()],
                    traceback: traceback.clone(),
                }),
                Some(CellOutput::Table(t)) => Some(Searchable::Table(t.table.clone())),
                Some(CellOutput::Json(j)) => Some(Searchable::Json(j.tree.clone())),
                _ => None,
            },
        })
        .collect()
}

/// Every match of `query` (case-insensitive) in the targets, in notebook order.
pub fn find(targets: &[SearchTarget], query: &str) -> Vec<Match> {
    if query.is_empty() {
        return Vec::new();
    }
    let q = query.to_lowercase();
    let hit = |text: &str| text.to_lowercase().contains(&q);
    let mut out = Vec::new();
    for target in targets {
        for (line, text) in target.code.iter().enumerate() {
            if hit(text) {
                out.push(Match {
                    cell: target.cell,
                    place: Place::Code { line },
                });
            }
        }
        match &target.output {
            Some(Searchable::Text(lines)) => {
                for (line, text) in lines.iter().enumerate() {
                    if hit(&strip_all(text)) {
                        out.push(Match {
                            cell: target.cell,
                            place: Place::Output { line },
                        });
                    }
                }
            }
            Some(Searchable::Error { head, traceback }) => {
                if head.iter().any(|h| hit(h)) {
                    out.push(Match {
                        cell: target.cell,
                        place: Place::Output { line: 0 },
                    });
                }
                for (line, text) in traceback.iter().enumerate() {
                    if hit(&strip_all(text)) {
                        out.push(Match {
                            cell: target.cell,
                            place: Place::Output { line },
                        });
                    }
                }
            }
            Some(Searchable::Table(table)) => {
                for (row, values) in table.rows.iter().enumerate() {
                    for (col, value) in values.iter().enumerate() {
                        if hit(&value_text(value)) {
                            out.push(Match {
                                cell: target.cell,
                                place: Place::Table { row, col },
                            });
                        }
                    }
                }
            }
            Some(Searchable::Json(tree)) => {
                for node in 0..tree.node_count() {
                    if tree.node_matches(node, query) {
                        out.push(Match {
                            cell: target.cell,
                            place: Place::Json { node },
                        });
                    }
                }
            }
            None => {}
        }
    }
    out
}
