//! The notebook being edited: its cells, which one has focus and whether keys type into it,
//! the cells deleted (to bring back), the file behind them, and a search over them.

use super::cell::{Cell, PreparedOutput};
use super::document::Document;
use super::events::CellId;
use super::search::Search;
use crate::livy::SessionKind;
use crate::notebook::{Kernel, Notebook};
use std::path::PathBuf;

/// The cells and what goes with them.
pub struct NotebookState {
    /// Never empty: a notebook without cells gets an empty one to type in.
    pub cells: Vec<Cell>,
    /// The focused cell's index ([`NotebookState::focused`] keeps it in range).
    pub focus: usize,
    /// Keys type into the focused cell.
    pub editing: bool,
    /// The file behind the cells.
    pub document: Document,
    /// The current search over cells and outputs.
    pub search: Option<Search>,
    /// Deleted cells and where they were, the last on top.
    deleted: Vec<(usize, Cell)>,
    next_cell_id: u64,
}

impl NotebookState {
    /// An untitled notebook of `kind` with one empty cell in edit mode, to type at once.
    pub(super) fn new(kind: SessionKind) -> NotebookState {
        let mut notebook = NotebookState {
            cells: Vec::new(),
            focus: 0,
            editing: true,
            document: Document::new(None, Notebook::new(Some(kind.clone()))),
            search: None,
            deleted: Vec::new(),
            next_cell_id: 1,
        };
        let id = notebook.new_cell_id();
        notebook.cells.push(Cell::new(id, kind));
        notebook
    }

    /// Takes a notebook file's cells and the file (`prepared[i]` is cell i's saved output,
    /// made ready to show off the UI loop); a cell's kind is its own, its magic's, or
    /// `default`. An empty notebook gets one empty cell to type in; one with cells opens
    /// for reading, not typing.
    pub(super) fn open(
        &mut self,
        mut notebook: Notebook,
        mut prepared: Vec<Option<PreparedOutput>>,
        path: Option<PathBuf>,
        default: &SessionKind,
    ) {
        let docs = std::mem::take(&mut notebook.cells);
        prepared.resize_with(docs.len(), || None);
        let mut cells = Vec::with_capacity(docs.len().max(1));
        for (doc, prepared) in docs.into_iter().zip(prepared) {
            let kind = doc
                .kind
                .clone()
                .or_else(|| doc.magic_kind().and_then(|m| m.implied_kind()))
                .unwrap_or_else(|| default.clone());
            let id = self.new_cell_id();
            cells.push(Cell::from_doc(id, doc, kind, prepared));
        }
        if cells.is_empty() {
            let id = self.new_cell_id();
            cells.push(Cell::new(id, default.clone()));
        } else {
            self.editing = false;
        }
        self.cells = cells;
        self.focus = 0;
        self.document = Document::new(path, notebook);
    }

    /// An id no cell has had.
    pub(super) fn new_cell_id(&mut self) -> CellId {
        let id = CellId(self.next_cell_id);
        self.next_cell_id += 1;
        id
    }

    /// Adds a cell holding `code` at the end (for tests and benches).
    pub fn push_cell(&mut self, kind: SessionKind, code: &str) -> CellId {
        let id = self.new_cell_id();
        self.cells.push(Cell::with_code(id, kind, code));
        id
    }

    /// The focused cell's index, in range.
    pub fn focus_index(&self) -> usize {
        self.focus.min(self.cells.len() - 1)
    }

    /// The focused cell.
    pub fn focused(&self) -> &Cell {
        &self.cells[self.focus_index()]
    }

    pub(super) fn focused_mut(&mut self) -> &mut Cell {
        let i = self.focus_index();
        &mut self.cells[i]
    }

    /// Whether the cell at `focus` is this one.
    pub fn is_focused(&self, id: CellId) -> bool {
        self.cells.get(self.focus).is_some_and(|c| c.id == id)
    }

    /// Index of a cell by id.
    pub fn index_of(&self, id: CellId) -> Option<usize> {
        self.cells.iter().position(|c| c.id == id)
    }

    pub(super) fn cell_mut(&mut self, id: CellId) -> Option<&mut Cell> {
        self.cells.iter_mut().find(|c| c.id == id)
    }

    /// The cell whose statement is in flight, if any.
    pub fn running_cell(&self) -> Option<&Cell> {
        self.cells.iter().find(|c| c.run.in_flight())
    }

    pub(super) fn running_cell_mut(&mut self) -> Option<&mut Cell> {
        self.cells.iter_mut().find(|c| c.run.in_flight())
    }

    /// The kernel the cells are written for (the file's kernelspec and the cells' magics).
    pub(super) fn kernel(&self) -> Kernel {
        Kernel::detect(&self.document.base.metadata, self.cells.iter().filter_map(Cell::magic))
    }

    /// Keeps a deleted cell to bring back.
    pub(super) fn remember_deleted(&mut self, index: usize, cell: Cell) {
        self.deleted.push((index, cell));
    }

    /// The last deleted cell and where it was.
    pub(super) fn take_deleted(&mut self) -> Option<(usize, Cell)> {
        self.deleted.pop()
    }
}
