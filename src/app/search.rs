//! Searching the notebook: cell code, text outputs, errors, table cells and JSON nodes; and
//! going from match to match.
//!
//! A search can read a 100,000-row table, so it runs on a worker: the UI loop takes a
//! [`SearchTarget`] per cell (the outputs are shared, not copied) and [`find`] scans them.

use super::App;
use super::cell::{Cell, CellOutput};
use super::events::{CellId, Effect};
use super::output_cursor::VIEW_ROWS;
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
            output: match &cell.output.shown {
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
    let mut places = Vec::new();
    let mut out = Vec::new();
    for target in targets {
        places.clear();
        places.extend(lines_hit(&target.code, &hit, false).map(|line| Place::Code { line }));
        match &target.output {
            Some(Searchable::Text(lines)) => {
                places.extend(lines_hit(lines, &hit, true).map(|line| Place::Output { line }));
            }
            Some(Searchable::Error { head, traceback }) => {
                if head.iter().any(|h| hit(h)) {
                    places.push(Place::Output { line: 0 });
                }
                places.extend(lines_hit(traceback, &hit, true).map(|line| Place::Output { line }));
            }
            Some(Searchable::Table(table)) => places.extend(table_hits(table, &hit)),
            Some(Searchable::Json(tree)) => {
                places.extend(
                    (0..tree.node_count())
                        .filter(|n| tree.node_matches(*n, query))
                        .map(|node| Place::Json { node }),
                );
            }
            None => {}
        }
        out.extend(places.iter().map(|&place| Match {
            cell: target.cell,
            place,
        }));
    }
    out
}

/// The lines that hit (their colours stripped first, when `coloured`).
fn lines_hit<'a>(
    lines: &'a [String],
    hit: &'a impl Fn(&str) -> bool,
    coloured: bool,
) -> impl Iterator<Item = usize> + 'a {
    lines
        .iter()
        .enumerate()
        .filter(move |(_, text)| if coloured { hit(&strip_all(text)) } else { hit(text) })
        .map(|(line, _)| line)
}

/// The table cells that hit, row by row.
fn table_hits<'a>(table: &'a Table, hit: &'a impl Fn(&str) -> bool) -> impl Iterator<Item = Place> + 'a {
    table.rows.iter().enumerate().flat_map(move |(row, values)| {
        values
            .cells()
            .enumerate()
            .filter(move |(_, value)| hit(&value_text(value)))
            .map(move |(col, _)| Place::Table { row, col })
    })
}

impl App {
    /// Sends the typed search to a worker.
    pub(super) fn start_search(&mut self) -> Vec<Effect> {
        let Some(search) = self.notebook.search.as_mut() else {
            return Vec::new();
        };
        search.typing = false;
        if search.query.is_empty() {
            self.notebook.search = None;
            return Vec::new();
        }
        search.searching = true;
        search.matches.clear();
        search.current = None;
        let query = search.query.clone();
        self.say(format!("searching for {query}…"));
        vec![Effect::Search {
            query,
            targets: targets(&self.notebook.cells),
        }]
    }

    /// A worker's matches: goes to the first at or after the focused cell. Results for a
    /// search the user has left or replaced are dropped.
    pub(super) fn searched(&mut self, query: String, matches: Vec<Match>) {
        let notebook = &mut self.notebook;
        let Some(search) = notebook.search.as_mut().filter(|s| s.searching && s.query == query) else {
            return;
        };
        search.searching = false;
        search.matches = matches;
        if search.matches.is_empty() {
            notebook.search = None;
            self.complain(format!("not found: {query}"));
            return;
        }
        let (focus, cells) = (notebook.focus, &notebook.cells);
        let first = search
            .matches
            .iter()
            .position(|m| cells.iter().position(|c| c.id == m.cell).is_some_and(|i| i >= focus))
            .unwrap_or(0);
        search.current = Some(first);
        self.show_match();
    }

    /// Goes to the next (`forward`) or previous match, round the notebook.
    pub(super) fn step_search(&mut self, forward: bool) {
        let Some(search) = self.notebook.search.as_mut().filter(|s| !s.matches.is_empty()) else {
            self.say("no search: / starts one");
            return;
        };
        let n = search.matches.len();
        let i = search.current.unwrap_or(0);
        search.current = Some(if forward { (i + 1) % n } else { (i + n - 1) % n });
        self.show_match();
    }

    /// Focuses the current match's cell and scrolls its output or table to it.
    fn show_match(&mut self) {
        let notebook = &mut self.notebook;
        let Some(search) = &notebook.search else { return };
        let Some(i) = search.current else { return };
        let m = search.matches[i];
        let total = search.matches.len();
        let Some(index) = notebook.index_of(m.cell) else { return };
        notebook.focus = index;
        notebook.editing = false;
        scroll_to(&mut notebook.cells[index], m.place);
        self.say(format!("match {} of {total} · n next · N previous", i + 1));
    }
}

/// Scrolls a cell's output (or moves its table's cursor, or its JSON tree's selection) to
/// a place.
fn scroll_to(cell: &mut Cell, place: Place) {
    let view = &mut cell.view;
    match (place, &mut cell.output.shown) {
        (Place::Code { .. }, _) => {}
        (Place::Output { line }, _) => {
            view.unfolded = true;
            view.scroll = line;
        }
        (Place::Table { row, col }, shown) => {
            if let Some(CellOutput::Table(t)) = shown {
                t.cursor = (row, col);
                t.first_col = t.first_col.min(col);
            }
            if row < view.scroll || row >= view.scroll + VIEW_ROWS {
                view.scroll = row;
            }
        }
        (Place::Json { node }, Some(CellOutput::Json(json))) => {
            let tree = json.tree.clone();
            json.raw = None;
            json.state.select_node(&tree, node);
            json.state.scroll_into_view(VIEW_ROWS);
        }
        (Place::Json { .. }, _) => {}
    }
}
