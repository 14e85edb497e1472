//! Writing a notebook without parsing its outputs: the JSON results a cell holds (kept as the
//! server's text, see `livy::MimeBundle`) go into the written file straight from that text,
//! keys sorted and indented as nbformat writes them, instead of through a tree of values
//! (72 bytes a node: a 30 MB result would take ~350 MB, twice over with the sorted copy, at
//! every save and recovery copy).
//!
//! The notebook is built as a `Value` as before, with each such result left as a placeholder
//! string; [`Writing`] serializes that `Value` with keys sorted and puts each piece's text in
//! its placeholder's place. Reading does the reverse: [`read_notebook`] parses a file into a
//! `Value` with each output's JSON result left as a placeholder for its text.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The JSON pieces left out of a notebook's `Value`, and how their placeholders read.
pub struct RawPieces {
    /// `None`: pieces are parsed into the `Value` (for callers that want the whole tree).
    tag: Option<String>,
    pieces: Vec<Arc<RawValue>>,
}

impl RawPieces {
    /// Pieces are parsed in place.
    pub fn inline() -> RawPieces {
        RawPieces {
            tag: None,
            pieces: Vec::new(),
        }
    }

    /// Pieces are left out, each as a placeholder no notebook text can be mistaken for (a
    /// NUL and a random tag).
    pub fn deferred() -> RawPieces {
        RawPieces {
            tag: Some(format!("\u{0}livy-tui-json-{:016x}-", fastrand::u64(..))),
            pieces: Vec::new(),
        }
    }

    /// `piece` as it goes into the `Value`: parsed, or a placeholder for it.
    pub fn value(&mut self, piece: &Arc<RawValue>) -> Value {
        match &self.tag {
            None => serde_json::from_str(piece.get()).unwrap_or(Value::Null),
            Some(tag) => {
                self.pieces.push(Arc::clone(piece));
                Value::String(format!("{tag}{}", self.pieces.len() - 1))
            }
        }
    }

    fn piece(&self, text: &str) -> Option<&RawValue> {
        self.shared(text).map(|p| &**p)
    }

    /// The piece a placeholder stands for.
    pub fn shared(&self, text: &str) -> Option<&Arc<RawValue>> {
        let index: usize = text.strip_prefix(self.tag.as_deref()?)?.parse().ok()?;
        self.pieces.get(index)
    }

    /// Puts every piece back into `value`, parsed (for parts of a file kept as they were).
    pub fn resolve(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Some(piece) = self.shared(text) {
                    *value = serde_json::from_str(piece.get()).unwrap_or(Value::Null);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.resolve(v)),
            Value::Object(members) => members.values_mut().for_each(|v| self.resolve(v)),
            _ => {}
        }
    }
}

/// Parses a notebook file into a `Value`, leaving each output's JSON results
/// (`cells[].outputs[].data[<json mime>]`) as placeholders for their text in `pieces`.
pub fn read_notebook(text: &str, pieces: &mut RawPieces) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde::de::DeserializeSeed::deserialize(Reading { at: At::Root, pieces }, &mut de)?;
    de.end()?;
    Ok(value)
}

/// Where the reader is in a notebook's JSON.
#[derive(Clone, Copy, PartialEq)]
enum At {
    Root,
    Cells,
    Cell,
    Outputs,
    Output,
    Data,
}

impl At {
    /// Where a member `key` of an object here leads (`None`: an ordinary value).
    fn member(self, key: &str) -> Option<At> {
        match (self, key) {
            (At::Root, "cells") => Some(At::Cells),
            (At::Cell, "outputs") => Some(At::Outputs),
            (At::Output, "data") => Some(At::Data),
            _ => None,
        }
    }

    /// Where an item of an array here leads.
    fn item(self) -> Option<At> {
        match self {
            At::Cells => Some(At::Cell),
            At::Outputs => Some(At::Output),
            _ => None,
        }
    }
}

struct Reading<'p> {
    at: At,
    pieces: &'p mut RawPieces,
}

impl<'de> serde::de::DeserializeSeed<'de> for Reading<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A JSON result in a bundle: kept as its text.
struct Piece<'p>(&'p mut RawPieces);

impl<'de> serde::de::DeserializeSeed<'de> for Piece<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        Ok(self.0.value(&Arc::from(raw)))
    }
}

impl<'de> serde::de::Visitor<'de> for Reading<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = match self.at {
                At::Data if super::multiline::is_json_mime(&key) => map.next_value_seed(Piece(self.pieces))?,
                at => match at.member(&key) {
                    Some(next) => map.next_value_seed(Reading {
                        at: next,
                        pieces: self.pieces,
                    })?,
                    None => map.next_value::<Value>()?,
                },
            };
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        match self.at.item() {
            Some(next) => {
                while let Some(item) = seq.next_element_seed(Reading {
                    at: next,
                    pieces: self.pieces,
                })? {
                    items.push(item);
                }
            }
            None => {
                while let Some(item) = seq.next_element::<Value>()? {
                    items.push(item);
                }
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// A notebook `Value` written with every object's keys sorted (as nbformat writes them) and
/// each placeholder replaced by its piece, itself written sorted.
pub struct Writing<'a> {
    pub value: &'a Value,
    pub pieces: &'a RawPieces,
}

impl Serialize for Writing<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let at = |value| Writing {
            value,
            pieces: self.pieces,
        };
        match self.value {
            Value::Object(object) => {
                let mut entries: Vec<(&String, &Value)> = object.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, &at(value))?;
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&at(item))?;
                }
                seq.end()
            }
            Value::String(text) => match self.pieces.piece(text) {
                Some(piece) => SortedJson(piece).serialize(s),
                None => text.serialize(s),
            },
            other => other.serialize(s),
        }
    }
}

/// JSON text written with its objects' keys sorted, reading one level at a time: only the
/// members of the object being written are held (as slices of the text).
struct SortedJson<'a>(&'a RawValue);

impl Serialize for SortedJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.0.get();
        let broken = |e: serde_json::Error| serde::ser::Error::custom(format!("a kept output is not JSON: {e}"));
        match text.trim_start().as_bytes().first() {
            Some(b'{') => {
                // A BTreeMap sorts by the keys' bytes: UTF-8 order is code point order, as
                // Python's `sort_keys`. A repeated key keeps its last value, as a parse would.
                let members: BTreeMap<String, &RawValue> = serde_json::from_str(text).map_err(broken)?;
                let mut map = s.serialize_map(Some(members.len()))?;
                for (key, value) in &members {
                    map.serialize_entry(key, &SortedJson(value))?;
                }
                map.end()
            }
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text).map_err(broken)?;
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&SortedJson(item))?;
                }
                seq.end()
            }
            // A scalar: written as its parsed value is (the same digits, the same escapes).
            _ => serde_json::from_str::<Value>(text).map_err(broken)?.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(text: &str) -> Arc<RawValue> {
        Arc::from(RawValue::from_string(text.to_string()).unwrap())
    }

    fn written(value: &Value, pieces: &RawPieces) -> String {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        Writing { value, pieces }.serialize(&mut ser).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_deferred_piece_is_written_as_its_parsed_and_sorted_value_would_be() {
        let text = r#"{"z": [3.7154226196060236, {"b": "\u001b]0;x", "a": null}], "a": {"y": 1e3, "x": "é"}}"#;
        let mut deferred = RawPieces::deferred();
        let mut inline = RawPieces::inline();
        let doc = |pieces: &mut RawPieces| json!({"outputs": [{"data": {"application/json": pieces.value(&raw(text))}}], "a": 1});
        let with_placeholder = doc(&mut deferred);
        let parsed = doc(&mut inline);
        assert!(with_placeholder.to_string().contains("livy-tui-json-"));
        assert_eq!(written(&with_placeholder, &deferred), written(&parsed, &inline));
        let out = written(&with_placeholder, &deferred);
        assert!(
            out.find("\"a\": 1").unwrap() < out.find("\"outputs\"").unwrap(),
            "{out}"
        );
        assert!(out.contains("3.7154226196060236") && out.contains("1000.0"), "{out}");
    }

    #[test]
    fn reading_leaves_only_outputs_json_results_as_text() {
        let text = r#"{"cells": [
            {"cell_type": "code", "outputs": [{"data": {"application/json": {"b": 3.7154226196060236, "a": [1]},
                "text/plain": ["x\n"], "application/vnd.livy.table.v1+json": {"headers": [], "data": []}}}]},
            {"cell_type": "markdown", "outputs": [{"data": {"application/json": {"kept": true}}}]}],
            "metadata": {"data": {"application/json": 1}}}"#;
        let mut pieces = RawPieces::deferred();
        let mut value = read_notebook(text, &mut pieces).unwrap();
        let data = &value["cells"][0]["outputs"][0]["data"];
        let placeholder = data["application/json"].as_str().unwrap();
        assert_eq!(
            pieces.shared(placeholder).unwrap().get(),
            r#"{"b": 3.7154226196060236, "a": [1]}"#
        );
        assert!(data["application/vnd.livy.table.v1+json"].is_string());
        assert_eq!(data["text/plain"], json!(["x\n"]), "texts are values, to be joined");
        assert_eq!(
            value["metadata"],
            json!({"data": {"application/json": 1}}),
            "only outputs' data"
        );
        pieces.resolve(&mut value);
        assert_eq!(
            value,
            serde_json::from_str::<Value>(text).unwrap(),
            "resolved, it is the file"
        );
        assert!(read_notebook("{\"cells\": [", &mut RawPieces::deferred()).is_err());
        assert!(read_notebook("{} {}", &mut RawPieces::deferred()).is_err());
    }

    #[test]
    fn text_like_a_placeholder_is_only_text() {
        let mut pieces = RawPieces::deferred();
        let _ = pieces.value(&raw("[1]"));
        let fake = "\u{0}livy-tui-json-0000000000000000-0";
        assert_eq!(written(&json!(fake), &pieces), serde_json::to_string(fake).unwrap());
        assert_eq!(written(&json!("plain"), &RawPieces::inline()), "\"plain\"");
    }
}
