//! Drawing the notebook with ratatui.

pub mod highlight;
