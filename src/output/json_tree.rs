//! A JSON output (`application/json` that is not a table) as a collapsible tree.
//!
//! [`JsonTree`] flattens a [`Value`] once, off the UI loop, into nodes in document order
//! (pre-order): a node's descendants are the nodes right after it, up to its `end`, so a
//! subtree is skipped in one step. The texts shown (keys and scalar previews) are made
//! drawable and cut once, into one string arena: a node costs a few words however large
//! the value.
//!
//! [`JsonTreeState`] holds which nodes are expanded and keeps the list of visible nodes,
//! changed only by expanding and collapsing, so [`JsonTreeState::rows`] costs only the rows
//! asked for.

use super::table_layout::display_char;
use serde_json::Value;
use std::fmt;

/// Longest preview of a string value, in characters; longer ones are cut with `…`.
pub const PREVIEW_CHARS: usize = 200;
/// Longest key shown, in characters; longer ones are cut with `…`.
pub const KEY_CHARS: usize = 200;

/// No parent: the root.
const NONE: u32 = u32::MAX;

/// The type of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JsonKind {
    Null,
    Bool,
    Number,
    String,
    Object,
    Array,
}

impl JsonKind {
    fn of(value: &Value) -> JsonKind {
        match value {
            Value::Null => JsonKind::Null,
            Value::Bool(_) => JsonKind::Bool,
            Value::Number(_) => JsonKind::Number,
            Value::String(_) => JsonKind::String,
            Value::Object(_) => JsonKind::Object,
            Value::Array(_) => JsonKind::Array,
        }
    }

    /// An object or an array.
    pub fn is_container(self) -> bool {
        matches!(self, JsonKind::Object | JsonKind::Array)
    }
}

/// One flattened value. Indices are `u32`: a tree of 4 billion nodes would need far more
/// memory than a statement output can have.
#[derive(Clone, Copy, Debug)]
struct Node {
    depth: u32,
    /// [`NONE`] for the root.
    parent: u32,
    /// One past the last descendant: the next sibling, when there is one.
    end: u32,
    /// Number of children (members or items).
    children: u32,
    /// Index among its siblings (the `[i]` of an array item).
    position: u32,
    /// Where the key, then the text, start in the arena.
    start: u32,
    /// Bytes of the key (0 for an array item or the root).
    key_len: u32,
    /// Bytes of the text (a scalar's preview; 0 for a container).
    text_len: u32,
    kind: JsonKind,
    /// Whether the parent is an object (so the node has a key, maybe empty).
    keyed: bool,
}

/// A JSON value flattened for display; built once off the UI loop.
#[derive(Clone)]
pub struct JsonTree {
    /// In document order; the root is node 0.
    nodes: Vec<Node>,
    /// Keys and scalar previews, drawable and cut, one after another.
    arena: String,
}

impl fmt::Debug for JsonTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonTree")
            .field("nodes", &self.nodes.len())
            .field("text_bytes", &self.arena.len())
            .finish()
    }
}

/// Children of a container still to flatten.
enum Pending<'a> {
    Object(serde_json::map::Iter<'a>),
    Array(std::slice::Iter<'a, Value>),
}

/// Where a node goes: its key, parent, depth and index among its siblings.
#[derive(Clone, Copy)]
struct Place<'k> {
    key: Option<&'k str>,
    parent: u32,
    depth: u32,
    position: u32,
}

/// Reads one value of JSON text into the tree (its children recursively, as the parser
/// hands them over).
struct NodeSeed<'t, 'k> {
    tree: &'t mut JsonTree,
    at: Place<'k>,
}

impl<'de> serde::de::DeserializeSeed<'de> for NodeSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl NodeSeed<'_, '_> {
    fn scalar<E>(self, kind: JsonKind, text: &str) -> Result<(), E> {
        self.tree.push_node(self.at, kind, Some(text), 0);
        Ok(())
    }

    /// Pushes the container's node; its children and end are set when they are read.
    fn open(&mut self, kind: JsonKind) -> u32 {
        let index = self.tree.len32();
        self.tree.push_node(self.at, kind, None, 0);
        index
    }

    fn close(self, index: u32, children: u32) {
        let end = self.tree.len32();
        if let Some(node) = self.tree.nodes.get_mut(index as usize) {
            node.children = children;
            node.end = end;
        }
    }

    fn child<'s, 'k>(&'s mut self, index: u32, key: Option<&'k str>, position: u32) -> NodeSeed<'s, 'k> {
        let depth = self.at.depth + 1;
        NodeSeed {
            tree: self.tree,
            at: Place {
                key,
                parent: index,
                depth,
                position,
            },
        }
    }
}

impl<'de> serde::de::Visitor<'de> for NodeSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.scalar(JsonKind::Null, "null")
    }

    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.scalar(JsonKind::Bool, if v { "true" } else { "false" })
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.scalar(JsonKind::Number, &v.to_string())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.scalar(JsonKind::Number, &v.to_string())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // As a parsed `Value` shows it (the shortest text that reads back as the same double).
        let text = serde_json::Number::from_f64(v).map_or_else(|| "null".to_string(), |n| n.to_string());
        self.scalar(JsonKind::Number, &text)
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.scalar(JsonKind::String, v)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let index = self.open(JsonKind::Array);
        let mut count = 0u32;
        while seq.next_element_seed(self.child(index, None, count))?.is_some() {
            count = count.saturating_add(1);
        }
        self.close(index, count);
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let index = self.open(JsonKind::Object);
        let mut count = 0u32;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            map.next_value_seed(self.child(index, Some(&key), count))?;
            count = count.saturating_add(1);
        }
        self.close(index, count);
        Ok(())
    }
}

impl JsonTree {
    /// Flattens `value` (without recursion: any depth is fine).
    pub fn new(value: &Value) -> JsonTree {
        let mut tree = JsonTree {
            nodes: Vec::new(),
            arena: String::new(),
        };
        tree.push(value, None, NONE, 0, 0);
        // (node, its children still to flatten, how many were flattened)
        let mut stack: Vec<(u32, Pending<'_>, u32)> = Vec::new();
        if let Some(pending) = children_of(value) {
            stack.push((0, pending, 0));
        }
        while let Some((parent, pending, done)) = stack.last_mut() {
            let next = match pending {
                Pending::Object(iter) => iter.next().map(|(k, v)| (Some(k.as_str()), v)),
                Pending::Array(iter) => iter.next().map(|v| (None, v)),
            };
            let Some((key, child)) = next else {
                let parent = *parent as usize;
                tree.nodes[parent].end = tree.len32();
                stack.pop();
                continue;
            };
            let depth = tree.nodes[*parent as usize].depth + 1;
            let position = *done;
            *done += 1;
            let index = tree.len32();
            tree.push(child, key, *parent, depth, position);
            if let Some(pending) = children_of(child) {
                stack.push((index, pending, 0));
            }
        }
        tree.nodes.shrink_to_fit();
        tree.arena.shrink_to_fit();
        tree
    }

    fn len32(&self) -> u32 {
        u32::try_from(self.nodes.len()).unwrap_or(NONE)
    }

    fn push(&mut self, value: &Value, key: Option<&str>, parent: u32, depth: u32, position: u32) {
        let number;
        let scalar = match value {
            Value::Null => Some("null"),
            Value::Bool(b) => Some(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                number = n.to_string();
                Some(number.as_str())
            }
            Value::String(s) => Some(s.as_str()),
            Value::Object(_) | Value::Array(_) => None,
        };
        let children = match value {
            Value::Object(map) => map.len(),
            Value::Array(items) => items.len(),
            _ => 0,
        };
        let at = Place {
            key,
            parent,
            depth,
            position,
        };
        self.push_node(at, JsonKind::of(value), scalar, children);
    }

    /// Appends one node: its key and scalar text go into the arena, cut.
    fn push_node(&mut self, at: Place<'_>, kind: JsonKind, scalar: Option<&str>, children: usize) {
        // Past 4 GiB of text (only a value built in memory could get there) texts are empty.
        let room = |arena: &String| arena.len() < (u32::MAX as usize) - 4 * (KEY_CHARS + PREVIEW_CHARS) - 64;
        let start = self.arena.len();
        if let Some(key) = at.key
            && room(&self.arena)
        {
            push_cut(&mut self.arena, key, KEY_CHARS);
        }
        let key_len = self.arena.len() - start;
        if let Some(text) = scalar
            && room(&self.arena)
        {
            push_cut(&mut self.arena, text, PREVIEW_CHARS);
        }
        let text_len = self.arena.len() - start - key_len;
        let index = self.len32();
        self.nodes.push(Node {
            depth: at.depth,
            parent: at.parent,
            end: index.saturating_add(1),
            children: u32::try_from(children).unwrap_or(NONE),
            position: at.position,
            start: u32::try_from(start).unwrap_or(NONE),
            key_len: u32::try_from(key_len).unwrap_or(0),
            text_len: u32::try_from(text_len).unwrap_or(0),
            kind,
            keyed: at.key.is_some(),
        });
    }

    /// Flattens JSON text straight into the tree, with no tree of values in between (a
    /// `Value` takes 72 bytes a node: ten times the text). `None` for text that is not JSON
    /// or nests deeper than the parser allows (128 levels).
    pub fn from_json_text(text: &str) -> Option<JsonTree> {
        let mut tree = JsonTree {
            nodes: Vec::new(),
            arena: String::new(),
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let root = NodeSeed {
            tree: &mut tree,
            at: Place {
                key: None,
                parent: NONE,
                depth: 0,
                position: 0,
            },
        };
        serde::de::DeserializeSeed::deserialize(root, &mut de).ok()?;
        de.end().ok()?;
        tree.nodes.shrink_to_fit();
        tree.arena.shrink_to_fit();
        Some(tree)
    }

    /// Number of nodes (every value, the root included).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The type of `node`'s value (`Null` for a node out of range).
    pub fn kind(&self, node: usize) -> JsonKind {
        self.nodes.get(node).map_or(JsonKind::Null, |n| n.kind)
    }

    /// Depth of `node`: 0 for the root.
    pub fn depth(&self, node: usize) -> usize {
        self.nodes.get(node).map_or(0, |n| n.depth as usize)
    }

    /// The parent of `node`; `None` for the root.
    pub fn parent(&self, node: usize) -> Option<usize> {
        self.nodes
            .get(node)
            .and_then(|n| (n.parent != NONE).then_some(n.parent as usize))
    }

    /// Number of children (members of an object, items of an array).
    pub fn child_count(&self, node: usize) -> usize {
        self.nodes.get(node).map_or(0, |n| n.children as usize)
    }

    /// One past `node`'s last descendant: its next sibling, when it has one.
    pub fn subtree_end(&self, node: usize) -> usize {
        self.nodes.get(node).map_or(node, |n| n.end as usize)
    }

    /// The key of an object member, drawable and cut; `None` for an array item and the root.
    pub fn key(&self, node: usize) -> Option<&str> {
        let n = self.nodes.get(node)?;
        n.keyed.then(|| self.slice(n.start, n.key_len))
    }

    /// A scalar's text, drawable and cut (a string without its quotes); empty for a container.
    pub fn text(&self, node: usize) -> &str {
        self.nodes
            .get(node)
            .map_or("", |n| self.slice(n.start.saturating_add(n.key_len), n.text_len))
    }

    fn slice(&self, start: u32, len: u32) -> &str {
        let start = start as usize;
        self.arena.get(start..start + len as usize).unwrap_or("")
    }

    /// What a row shows before the value: the key (`""` for an empty one), `[index]` for an
    /// array item, nothing for the root.
    pub fn label(&self, node: usize) -> String {
        match self.nodes.get(node) {
            Some(n) if n.keyed && n.key_len == 0 => "\"\"".to_string(),
            Some(n) if n.keyed => self.slice(n.start, n.key_len).to_string(),
            Some(n) if n.parent != NONE => format!("[{}]", n.position),
            _ => String::new(),
        }
    }

    /// The value as a row shows it: a scalar's text (a string in quotes), else `{`/`[` when
    /// `expanded`, else `{3 keys}`/`[5 items]` (`{}`/`[]` when empty).
    pub fn preview(&self, node: usize, expanded: bool) -> String {
        let Some(n) = self.nodes.get(node) else {
            return String::new();
        };
        let count = n.children;
        match n.kind {
            JsonKind::String => format!("\"{}\"", self.text(node)),
            JsonKind::Object if count == 0 => "{}".to_string(),
            JsonKind::Array if count == 0 => "[]".to_string(),
            JsonKind::Object if expanded => "{".to_string(),
            JsonKind::Array if expanded => "[".to_string(),
            JsonKind::Object => format!("{{{count} {}}}", if count == 1 { "key" } else { "keys" }),
            JsonKind::Array => format!("[{count} {}]", if count == 1 { "item" } else { "items" }),
            _ => self.text(node).to_string(),
        }
    }

    /// A jq-style path to `node`: `.` for the root, else e.g. `.b[2].c` (keys that are not
    /// plain identifiers quoted: `."a b"`).
    pub fn path(&self, node: usize) -> String {
        let mut parts = Vec::new();
        let mut at = node;
        while let Some(parent) = self.parent(at) {
            parts.push(at);
            at = parent;
        }
        if parts.is_empty() {
            return ".".to_string();
        }
        let mut out = String::new();
        for &n in parts.iter().rev() {
            match self.key(n) {
                Some(key) if is_identifier(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Some(key) => {
                    out.push_str(".\"");
                    out.push_str(&key.replace('\\', "\\\\").replace('"', "\\\""));
                    out.push('"');
                }
                None => {
                    if out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&self.label(n));
                }
            }
        }
        out
    }

    /// The JSON pointer (RFC 6901) of `node` in the value the tree was made from, for
    /// `Value::pointer`: `""` for the root, else e.g. `/b/2/c`.
    pub fn pointer(&self, node: usize) -> String {
        let mut parts = Vec::new();
        let mut at = node;
        while let Some(parent) = self.parent(at) {
            parts.push(at);
            at = parent;
        }
        let mut out = String::new();
        for &n in parts.iter().rev() {
            out.push('/');
            match self.key(n) {
                Some(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
                None => out.push_str(self.label(n).trim_start_matches('[').trim_end_matches(']')),
            }
        }
        out
    }

    /// Whether `node` is an object or array with at least one child.
    fn expandable(&self, node: usize) -> bool {
        self.nodes.get(node).is_some_and(|n| n.children > 0)
    }

    /// Whether the key or the value of `node` contains `needle` (already lower case).
    /// Whether a node's key or value contains `query` (case-insensitive).
    pub fn node_matches(&self, node: usize, query: &str) -> bool {
        self.matches(node, &query.to_lowercase())
    }

    fn matches(&self, node: usize, needle: &str) -> bool {
        contains_ci(self.key(node).unwrap_or(""), needle) || contains_ci(self.text(node), needle)
    }
}

fn children_of(value: &Value) -> Option<Pending<'_>> {
    match value {
        Value::Object(map) if !map.is_empty() => Some(Pending::Object(map.iter())),
        Value::Array(items) if !items.is_empty() => Some(Pending::Array(items.iter())),
        _ => None,
    }
}

/// Appends `text` made drawable ([`display_char`]: `␛` for ESC, `↵` for a newline, `�` for
/// C1 controls and bidirectional overrides), at most `max` characters, then `…` if cut.
fn push_cut(out: &mut String, text: &str, max: usize) {
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            return;
        }
        out.push(display_char(c));
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Case-insensitive `contains`; `needle` is lower case already.
fn contains_ci(haystack: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        // Bytes of multi-byte characters are never ASCII, so bytewise is exact.
        n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(needle)
    }
}

/// One visible row of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonRow {
    pub node: usize,
    pub depth: usize,
    /// The key, `[index]` for an array item, empty for the root.
    pub label: String,
    /// The value (a string in quotes), or `{3 keys}`/`[5 items]` when collapsed, `{`/`[`
    /// when expanded.
    pub preview: String,
    pub kind: JsonKind,
    /// An object or array with children that shows them.
    pub expanded: bool,
    pub selected: bool,
}

/// Which nodes are expanded; by default the root and its first level are expanded, deeper
/// collapsed. Also the selected node and the top row of the view, and the visible nodes,
/// kept in step with the expanded set.
///
/// A state belongs to one tree; given another tree (or used as `Default`), the changing
/// methods start it afresh with [`JsonTreeState::new`].
#[derive(Clone, Debug, PartialEq, Default)]
pub struct JsonTreeState {
    /// Node count of the tree this state is for.
    nodes: usize,
    /// One bit per node.
    expanded: Vec<u64>,
    /// The visible nodes, in document order (so sorted).
    visible: Vec<u32>,
    /// The selected node; always visible.
    selected: usize,
    /// The first row shown.
    top: usize,
}

impl JsonTreeState {
    pub fn new(tree: &JsonTree) -> JsonTreeState {
        let n = tree.node_count();
        let mut state = JsonTreeState {
            nodes: n,
            expanded: vec![0; n.div_ceil(64)],
            visible: Vec::new(),
            selected: 0,
            top: 0,
        };
        if n > 0 {
            state.set_bit(0, true);
            let mut child = 1;
            while child < tree.subtree_end(0) {
                state.set_bit(child, tree.expandable(child));
                child = tree.subtree_end(child);
            }
        }
        state.rebuild(tree);
        state
    }

    /// Starts afresh when this state is not for `tree`.
    fn sync(&mut self, tree: &JsonTree) {
        if self.nodes != tree.node_count() || self.expanded.len() != self.nodes.div_ceil(64) {
            *self = JsonTreeState::new(tree);
        }
    }

    fn bit(&self, node: usize) -> bool {
        self.expanded
            .get(node / 64)
            .is_some_and(|word| word & (1 << (node % 64)) != 0)
    }

    fn set_bit(&mut self, node: usize, on: bool) {
        if let Some(word) = self.expanded.get_mut(node / 64) {
            if on {
                *word |= 1 << (node % 64);
            } else {
                *word &= !(1 << (node % 64));
            }
        }
    }

    /// Whether `node` is expanded (shows its children); false for a scalar or empty container.
    pub fn is_expanded(&self, tree: &JsonTree, node: usize) -> bool {
        self.bit(node) && tree.expandable(node)
    }

    /// The visible descendants of `node` (whose ancestors up to `node` are expanded), in order.
    fn visible_below(&self, tree: &JsonTree, node: usize, out: &mut Vec<u32>) {
        let end = tree.subtree_end(node);
        let mut i = node + 1;
        while i < end {
            out.push(i as u32);
            i = if self.is_expanded(tree, i) {
                i + 1
            } else {
                tree.subtree_end(i)
            };
        }
    }

    fn rebuild(&mut self, tree: &JsonTree) {
        self.visible.clear();
        if tree.node_count() > 0 {
            self.visible.push(0);
            if self.is_expanded(tree, 0) {
                let mut visible = std::mem::take(&mut self.visible);
                self.visible_below(tree, 0, &mut visible);
                self.visible = visible;
            }
        }
        self.visible.shrink_to_fit();
    }

    /// The row of `node` when it is visible.
    fn row_of(&self, node: usize) -> Option<usize> {
        let node = u32::try_from(node).ok()?;
        self.visible.binary_search(&node).ok()
    }

    /// Expands or collapses `node`, keeping the visible list in step: a visible node's
    /// newly shown or hidden descendants are spliced in or out; a hidden one changes nothing
    /// visible.
    fn set_expanded(&mut self, tree: &JsonTree, node: usize, on: bool) {
        if !tree.expandable(node) || self.bit(node) == on {
            return;
        }
        self.set_bit(node, on);
        let Some(row) = self.row_of(node) else { return };
        if on {
            let mut below = Vec::new();
            self.visible_below(tree, node, &mut below);
            self.visible.splice(row + 1..row + 1, below);
        } else {
            let end = tree.subtree_end(node) as u32;
            let last = row + 1 + self.visible[row + 1..].partition_point(|&n| n < end);
            self.visible.drain(row + 1..last);
        }
    }

    /// Moves the selection to its topmost collapsed ancestor when it is hidden.
    fn reveal_selection(&mut self, tree: &JsonTree) {
        let mut at = self.selected.min(tree.node_count().saturating_sub(1));
        let mut shown = at;
        while let Some(parent) = tree.parent(at) {
            if !self.is_expanded(tree, parent) {
                shown = parent;
            }
            at = parent;
        }
        self.selected = shown;
    }

    /// Rows currently shown (nodes whose ancestors are all expanded).
    pub fn visible_rows(&self, _tree: &JsonTree) -> usize {
        self.visible.len()
    }

    /// The visible rows `from..from + count` (fewer at the end); costs only those rows.
    pub fn rows(&self, tree: &JsonTree, from: usize, count: usize) -> Vec<JsonRow> {
        let from = from.min(self.visible.len());
        let to = from.saturating_add(count).min(self.visible.len());
        self.visible[from..to]
            .iter()
            .map(|&n| n as usize)
            .filter(|&n| n < tree.node_count())
            .map(|node| {
                let expanded = self.is_expanded(tree, node);
                JsonRow {
                    node,
                    depth: tree.depth(node),
                    label: tree.label(node),
                    preview: tree.preview(node, expanded),
                    kind: tree.kind(node),
                    expanded,
                    selected: node == self.selected,
                }
            })
            .collect()
    }

    /// The selected node.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The row of the selected node (0 when nothing is shown).
    pub fn selected_row(&self) -> usize {
        self.row_of(self.selected).unwrap_or(0)
    }

    /// The first row shown, as last stored (see [`JsonTreeState::view_top`]).
    pub fn top(&self) -> usize {
        self.top
    }

    /// The first row to show in a view of `height` rows: the stored top, moved as little as
    /// needed for the selected row to show, and no further down than the last full page.
    pub fn view_top(&self, height: usize) -> usize {
        let height = height.max(1);
        let selected = self.selected_row();
        let mut top = self.top;
        if selected < top {
            top = selected;
        } else if selected >= top + height {
            top = selected + 1 - height;
        }
        top.min(self.visible.len().saturating_sub(height))
    }

    /// Stores [`JsonTreeState::view_top`] for a view of `height` rows: call it after moving
    /// the selection, with the height the view is drawn at, so the view scrolls only when
    /// the selection leaves it.
    pub fn scroll_into_view(&mut self, height: usize) {
        self.top = self.view_top(height);
    }

    /// Scrolls the view by `delta` rows without moving the selection past the view: the
    /// selection follows when it would leave a view of `height` rows.
    pub fn scroll_by(&mut self, tree: &JsonTree, delta: isize, height: usize) {
        self.sync(tree);
        let height = height.max(1);
        let max = self.visible.len().saturating_sub(height);
        self.top = self.top.saturating_add_signed(delta).min(max);
        let row = self.selected_row().clamp(self.top, self.top + height - 1);
        self.select_row(tree, row);
    }

    /// Selects the node at visible `row` (clamped to the last row).
    pub fn select_row(&mut self, tree: &JsonTree, row: usize) {
        self.sync(tree);
        if let Some(&node) = self.visible.get(row.min(self.visible.len().saturating_sub(1))) {
            self.selected = node as usize;
        }
    }

    /// Expands or collapses the selected node (nothing for a scalar or empty container).
    pub fn toggle(&mut self, tree: &JsonTree) {
        self.sync(tree);
        let node = self.selected;
        let on = !self.bit(node);
        self.set_expanded(tree, node, on);
    }

    /// Expands the selected node when it is collapsed, else selects its first child.
    pub fn expand_or_enter(&mut self, tree: &JsonTree) {
        self.sync(tree);
        let node = self.selected;
        if !tree.expandable(node) {
            return;
        }
        if self.bit(node) {
            self.selected = node + 1;
        } else {
            self.set_expanded(tree, node, true);
        }
    }

    /// Collapses the selected node when it is expanded, else selects its parent.
    pub fn collapse_or_leave(&mut self, tree: &JsonTree) {
        self.sync(tree);
        let node = self.selected;
        if self.is_expanded(tree, node) {
            self.set_expanded(tree, node, false);
        } else if let Some(parent) = tree.parent(node) {
            self.selected = parent;
        }
    }

    /// Expands every node.
    pub fn expand_all(&mut self, tree: &JsonTree) {
        self.sync(tree);
        self.expanded.fill(u64::MAX);
        self.visible = (0..tree.len32()).collect();
    }

    /// Collapses every node but the root, so the first level still shows; the selection
    /// moves to its first-level ancestor.
    pub fn collapse_all(&mut self, tree: &JsonTree) {
        self.sync(tree);
        self.expanded.fill(0);
        self.set_bit(0, true);
        self.rebuild(tree);
        self.reveal_selection(tree);
    }

    /// Selects the next visible row (stays on the last).
    pub fn select_next(&mut self, tree: &JsonTree) {
        self.sync(tree);
        self.select_row(tree, self.selected_row().saturating_add(1));
    }

    /// Selects the previous visible row (stays on the first).
    pub fn select_prev(&mut self, tree: &JsonTree) {
        self.sync(tree);
        self.select_row(tree, self.selected_row().saturating_sub(1));
    }

    /// Finds the next node (after the selected, wrapping round to the start) whose key or
    /// value contains `query` (case-insensitive), expands its ancestors, selects it; false
    /// if none (or `query` is empty). Values are searched as previewed: a string only in its
    /// first [`PREVIEW_CHARS`] characters, with controls as their visible symbols.
    pub fn search_next(&mut self, tree: &JsonTree, query: &str) -> bool {
        self.sync(tree);
        let n = tree.node_count();
        if query.is_empty() || n == 0 {
            return false;
        }
        let needle = query.to_lowercase();
        let start = self.selected.min(n - 1) + 1;
        let Some(found) = (start..n).chain(0..start).find(|&i| tree.matches(i, &needle)) else {
            return false;
        };
        self.select_node(tree, found);
        true
    }

    /// Selects a node, expanding its ancestors so it is shown.
    pub fn select_node(&mut self, tree: &JsonTree, node: usize) {
        self.sync(tree);
        let Some(found) = (node < tree.node_count()).then_some(node) else {
            return;
        };
        let mut ancestors = Vec::new();
        let mut at = found;
        while let Some(parent) = tree.parent(at) {
            ancestors.push(parent);
            at = parent;
        }
        // from the root down, so each one is visible when expanded and splices its children in
        for &a in ancestors.iter().rev() {
            self.set_expanded(tree, a, true);
        }
        self.selected = found;
    }
}

/// The raw pretty view: the value as indented JSON, one string a line, drawable (C1
/// controls, DEL and bidirectional overrides, which JSON leaves unescaped, shown as visible
/// symbols).
pub fn pretty(value: &Value) -> Vec<String> {
    pretty_lines(&serde_json::to_string_pretty(value).unwrap_or_default())
}

/// [`pretty`] for JSON text, with no tree of values in between (text that is not JSON is
/// shown as it is).
pub fn pretty_text(json: &str) -> Vec<String> {
    pretty_lines(&super::json_text::pretty(json).unwrap_or_else(|| json.to_string()))
}

fn pretty_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.chars().map(display_char).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({"a": 1, "b": [1, 2, {"c": null}], "s": "x", "f": 1.5, "t": true})
    }

    fn labels(state: &JsonTreeState, tree: &JsonTree) -> Vec<String> {
        state
            .rows(tree, 0, usize::MAX)
            .into_iter()
            .map(|r| format!("{}{}={}", "  ".repeat(r.depth), r.label, r.preview))
            .collect()
    }

    #[test]
    fn flattens_objects_arrays_and_scalars() {
        let tree = JsonTree::new(&sample());
        assert_eq!(tree.node_count(), 10);
        let kinds: Vec<JsonKind> = (0..10).map(|i| tree.kind(i)).collect();
        use JsonKind::*;
        assert_eq!(
            kinds,
            [
                Object, Number, Array, Number, Number, Object, Null, String, Number, Bool
            ]
        );
        assert_eq!(tree.child_count(0), 5);
        assert_eq!(tree.child_count(2), 3);
        assert_eq!(tree.subtree_end(2), 7);
        assert_eq!(tree.subtree_end(0), 10);
        assert_eq!(tree.parent(6), Some(5));
        assert_eq!(tree.parent(0), None);
        assert_eq!(tree.depth(6), 3);
        assert_eq!(tree.label(0), "");
        assert_eq!(tree.label(4), "[1]");
        assert_eq!(tree.label(6), "c");
        assert_eq!(tree.preview(7, false), "\"x\"");
        assert_eq!(tree.preview(8, false), "1.5");
        assert_eq!(tree.preview(5, false), "{1 key}");
        assert_eq!(tree.preview(2, false), "[3 items]");
        assert_eq!(tree.preview(2, true), "[");
        assert_eq!(tree.preview(0, true), "{");
        assert_eq!(tree.path(6), ".b[2].c");
        assert_eq!(tree.path(0), ".");
        let tree = JsonTree::new(&json!({"": 1, "a b": 2}));
        assert_eq!((tree.key(1), tree.label(1).as_str()), (Some(""), "\"\""));
        assert_eq!(tree.path(2), ".\"a b\"");

        for (value, preview) in [
            (json!(null), "null"),
            (json!(false), "false"),
            (json!(-3), "-3"),
            (json!("hi"), "\"hi\""),
            (json!({}), "{}"),
            (json!([]), "[]"),
        ] {
            let tree = JsonTree::new(&value);
            let state = JsonTreeState::new(&tree);
            assert_eq!(tree.node_count(), 1);
            let rows = state.rows(&tree, 0, 10);
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].preview, preview);
            assert!(!rows[0].expanded);
            assert!(rows[0].selected);
        }
    }

    #[test]
    fn default_expansion_is_root_and_first_level() {
        let tree = JsonTree::new(&json!({"a": {"b": {"c": {"d": 1}}}, "e": [[1], [2]]}));
        let state = JsonTreeState::new(&tree);
        assert_eq!(
            labels(&state, &tree),
            [
                "={",
                "  a={",
                "    b={1 key}",
                "  e=[",
                "    [0]=[1 item]",
                "    [1]=[1 item]"
            ]
        );
        assert_eq!(state.visible_rows(&tree), 6);
    }

    #[test]
    fn toggle_expand_all_collapse_all() {
        let tree = JsonTree::new(&sample());
        let mut state = JsonTreeState::new(&tree);
        // root, a, b, [0], [1], [2], s, f, t
        assert_eq!(state.visible_rows(&tree), 9);
        // collapse b
        state.select_next(&tree);
        state.select_next(&tree);
        assert_eq!(state.selected(), 2);
        state.toggle(&tree);
        assert_eq!(state.visible_rows(&tree), 6);
        assert_eq!(state.rows(&tree, 2, 1)[0].preview, "[3 items]");
        state.toggle(&tree);
        assert_eq!(state.visible_rows(&tree), 9);
        // expand b[2]
        state.select_row(&tree, 5);
        assert_eq!(state.selected(), 5);
        state.toggle(&tree);
        assert_eq!(state.visible_rows(&tree), 10);
        // a scalar does not toggle
        state.select_row(&tree, 6);
        state.toggle(&tree);
        assert_eq!(state.visible_rows(&tree), 10);
        assert_eq!(state.selected(), 6);

        state.collapse_all(&tree);
        assert_eq!(state.visible_rows(&tree), 6);
        // the selection (b[2].c) moved to its first-level ancestor
        assert_eq!(state.selected(), 2);
        state.expand_all(&tree);
        assert_eq!(state.visible_rows(&tree), 10);
        assert_eq!(state.rows(&tree, 0, 100).len(), 10);
        // collapsing the root leaves one row
        state.select_row(&tree, 0);
        state.toggle(&tree);
        assert_eq!(state.visible_rows(&tree), 1);
        state.select_next(&tree);
        assert_eq!(state.selected(), 0);
        state.toggle(&tree);
        // children come back as they were (all expanded)
        assert_eq!(state.visible_rows(&tree), 10);
    }

    #[test]
    fn the_visible_list_matches_a_rebuild() {
        let tree = JsonTree::new(&json!({"x": [{"a": [1, 2]}, {"b": {"c": [3]}}], "y": {"z": [4, [5, 6]]}}));
        let mut state = JsonTreeState::new(&tree);
        for step in 0..200 {
            let row = (step * 7) % state.visible_rows(&tree);
            state.select_row(&tree, row);
            state.toggle(&tree);
            let mut fresh = state.clone();
            fresh.rebuild(&tree);
            assert_eq!(state.visible, fresh.visible, "step {step}");
        }
    }

    #[test]
    fn enter_and_leave() {
        let tree = JsonTree::new(&sample());
        let mut state = JsonTreeState::new(&tree);
        state.select_row(&tree, 5); // b[2], collapsed
        state.expand_or_enter(&tree);
        assert!(state.is_expanded(&tree, 5));
        state.expand_or_enter(&tree);
        assert_eq!(state.selected(), 6);
        state.collapse_or_leave(&tree);
        assert_eq!(state.selected(), 5);
        state.collapse_or_leave(&tree);
        assert!(!state.is_expanded(&tree, 5));
        state.collapse_or_leave(&tree);
        assert_eq!(state.selected(), 2);
    }

    #[test]
    fn row_windows() {
        let items: Vec<Value> = (0..50).map(|i| json!(i)).collect();
        let tree = JsonTree::new(&Value::Array(items));
        let state = JsonTreeState::new(&tree);
        assert_eq!(state.visible_rows(&tree), 51);
        let start = state.rows(&tree, 0, 5);
        assert_eq!(start.iter().map(|r| r.node).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        assert!(start[0].selected && !start[1].selected);
        let middle = state.rows(&tree, 20, 3);
        assert_eq!(
            middle.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(),
            ["[19]", "[20]", "[21]"]
        );
        assert_eq!(middle[0].preview, "19");
        let end = state.rows(&tree, 48, 10);
        assert_eq!(end.len(), 3);
        assert_eq!(end[2].label, "[49]");
        assert!(state.rows(&tree, 51, 10).is_empty());
        assert!(state.rows(&tree, usize::MAX, usize::MAX).is_empty());
    }

    #[test]
    fn search_expands_ancestors_and_wraps() {
        let tree = JsonTree::new(&json!({"a": {"b": {"c": {"Needle": 1}}}, "z": "a NEEDLE"}));
        let mut state = JsonTreeState::new(&tree);
        assert_eq!(state.visible_rows(&tree), 4);
        assert!(state.search_next(&tree, "needle"));
        let found = state.selected();
        assert_eq!(tree.key(found), Some("Needle"));
        assert_eq!(tree.path(found), ".a.b.c.Needle");
        assert_eq!(state.visible_rows(&tree), 6);
        assert!(state.rows(&tree, 0, 10).iter().any(|r| r.node == found && r.selected));
        // next: the string value, then round to the key again
        assert!(state.search_next(&tree, "NeEdLe"));
        assert_eq!(tree.key(state.selected()), Some("z"));
        assert!(state.search_next(&tree, "needle"));
        assert_eq!(state.selected(), found);
        assert!(!state.search_next(&tree, "absent"));
        assert_eq!(state.selected(), found);
        assert!(!state.search_next(&tree, ""));
        // values of every kind, and non-ASCII
        let tree = JsonTree::new(&json!([null, true, 12.5, "Ünïcode"]));
        let mut state = JsonTreeState::new(&tree);
        assert!(state.search_next(&tree, "12.5"));
        assert_eq!(state.selected(), 3);
        assert!(state.search_next(&tree, "TRUE"));
        assert_eq!(state.selected(), 2);
        assert!(state.search_next(&tree, "üNÏ"));
        assert_eq!(state.selected(), 4);
        // array labels are not searched
        assert!(!state.search_next(&tree, "[0]"));
    }

    #[test]
    fn control_characters_are_made_visible() {
        let tree = JsonTree::new(&json!({"k\u{1b}[2J": "a\u{1b}]0;x\u{7}b\u{9b}c\nd\u{202e}e"}));
        assert_eq!(tree.key(1), Some("k␛[2J"));
        assert_eq!(tree.preview(1, false), "\"a␛]0;x␇b\u{fffd}c↵d\u{fffd}e\"");
        let rows = JsonTreeState::new(&tree).rows(&tree, 0, 5);
        for row in rows {
            assert!(!row.label.chars().chain(row.preview.chars()).any(char::is_control));
        }
        let lines = pretty(&json!({"a": "x\u{9b}y\u{1b}"}));
        assert_eq!(lines, ["{", "  \"a\": \"x\u{fffd}y\\u001b\"", "}"]);
    }

    #[test]
    fn long_texts_are_cut() {
        let long = "é".repeat(1000);
        let tree = JsonTree::new(&json!({ long.clone(): long }));
        let key = tree.key(1).unwrap();
        assert_eq!(key.chars().count(), KEY_CHARS + 1);
        assert!(key.ends_with('…'));
        assert_eq!(tree.text(1).chars().count(), PREVIEW_CHARS + 1);
        let exact = "x".repeat(PREVIEW_CHARS);
        let tree = JsonTree::new(&json!(exact));
        assert_eq!(tree.text(0), exact);
    }

    #[test]
    fn big_arrays_and_deep_nesting() {
        let items: Vec<Value> = (0..200_000)
            .map(|i| json!({"id": i, "name": format!("n{i}")}))
            .collect();
        let tree = JsonTree::new(&Value::Array(items));
        assert_eq!(tree.node_count(), 1 + 200_000 * 3);
        let mut state = JsonTreeState::new(&tree);
        assert_eq!(state.visible_rows(&tree), 1 + 200_000 * 3);
        let rows = state.rows(&tree, 0, 20);
        assert_eq!(rows.len(), 20);
        assert_eq!(state.rows(&tree, 300_000, 20).len(), 20);
        state.collapse_all(&tree);
        assert_eq!(state.visible_rows(&tree), 200_001);
        assert!(state.search_next(&tree, "n199999"));
        assert_eq!(tree.path(state.selected()), ".[199999].name");
        assert_eq!(state.visible_rows(&tree), 200_003);

        // deeper than any recursion would like
        let mut deep = json!("bottom");
        for _ in 0..5_000 {
            deep = Value::Array(vec![deep]);
        }
        let tree = JsonTree::new(&deep);
        assert_eq!(tree.node_count(), 5_001);
        let mut state = JsonTreeState::new(&tree);
        state.expand_all(&tree);
        let last = state.rows(&tree, 5_000, 1);
        assert_eq!(last[0].depth, 5_000);
        assert_eq!(last[0].preview, "\"bottom\"");
        // serde_json's own drop of such a value recurses: leak it in the test
        std::mem::forget(deep);
    }

    #[test]
    fn a_state_for_another_tree_starts_afresh() {
        let tree = JsonTree::new(&sample());
        let mut state = JsonTreeState::default();
        assert_eq!(state.visible_rows(&tree), 0);
        assert!(state.rows(&tree, 0, 10).is_empty());
        state.select_next(&tree);
        assert_eq!(state.visible_rows(&tree), 9);
        let small = JsonTree::new(&json!([1]));
        state.toggle(&small);
        assert_eq!(state.visible_rows(&small), 1);
        let empty = JsonTree {
            nodes: Vec::new(),
            arena: String::new(),
        };
        let mut state = JsonTreeState::new(&empty);
        state.toggle(&empty);
        state.select_next(&empty);
        state.expand_all(&empty);
        state.collapse_all(&empty);
        assert!(!state.search_next(&empty, "x"));
        assert!(state.rows(&empty, 0, 5).is_empty());
    }

    #[test]
    fn view_top_follows_the_selection() {
        let tree = JsonTree::new(&Value::Array((0..100).map(|i| json!(i)).collect()));
        let mut state = JsonTreeState::new(&tree);
        assert_eq!(state.view_top(10), 0);
        state.select_row(&tree, 15);
        assert_eq!(state.view_top(10), 6);
        state.scroll_into_view(10);
        state.select_row(&tree, 10);
        assert_eq!(state.view_top(10), 6);
        state.select_row(&tree, 2);
        assert_eq!(state.view_top(10), 2);
        state.scroll_into_view(10);
        state.scroll_by(&tree, 50, 10);
        assert_eq!(state.top(), 52);
        assert_eq!(state.selected_row(), 52);
        state.scroll_by(&tree, 1000, 10);
        assert_eq!(state.top(), 91);
        assert_eq!(state.view_top(0), 91);
    }
}
