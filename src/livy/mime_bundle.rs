//! A statement's mime bundle kept as the server's JSON text, one piece per type.
//!
//! A `serde_json::Value` takes 72 bytes per node (with `preserve_order`), so a 30 MB
//! `application/json` result parsed into a tree takes ~350 MB before anything is shown.
//! Kept as text it takes its size once; each consumer (a table, the JSON tree, `exec`'s
//! printer) reads the text straight into its own compact form. The text is also exactly
//! what the server sent: numbers and key order come back unchanged when saved.
//! Pieces are shared (`Arc`): the cell's output, its saved form and its other views hold
//! one copy.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;

/// Mime type → its value as JSON text, in the server's order.
#[derive(Clone, Default)]
pub struct MimeBundle(Vec<(String, Arc<RawValue>)>);

impl MimeBundle {
    /// An empty bundle.
    pub fn new() -> MimeBundle {
        MimeBundle::default()
    }

    /// The value of `mime` as JSON text.
    pub fn get(&self, mime: &str) -> Option<&RawValue> {
        self.0.iter().find(|(m, _)| m == mime).map(|(_, v)| &**v)
    }

    /// The value of `mime`, shared.
    pub fn get_shared(&self, mime: &str) -> Option<Arc<RawValue>> {
        self.0.iter().find(|(m, _)| m == mime).map(|(_, v)| Arc::clone(v))
    }

    /// The value of `mime` parsed: for small values (a string, an error reply), never for
    /// a result that may be big.
    pub fn value(&self, mime: &str) -> Option<Value> {
        serde_json::from_str(self.get(mime)?.get()).ok()
    }

    /// The value of `mime` when it is a JSON string.
    pub fn string(&self, mime: &str) -> Option<String> {
        serde_json::from_str(self.get(mime)?.get()).ok()
    }

    pub fn contains_key(&self, mime: &str) -> bool {
        self.get(mime).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The mime types, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(m, _)| m.as_str())
    }

    /// Each mime type with its JSON text, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.0.iter().map(|(m, v)| (m.as_str(), &**v))
    }

    /// Each mime type with its JSON text, shared, in order.
    pub fn iter_shared(&self) -> impl Iterator<Item = (&str, &Arc<RawValue>)> {
        self.0.iter().map(|(m, v)| (m.as_str(), v))
    }

    /// Sets `mime` to `value` (in place when present, else at the end).
    pub fn insert(&mut self, mime: impl Into<String>, value: &Value) {
        // A Value always serializes.
        let raw = serde_json::value::to_raw_value(value).unwrap_or_else(|_| null());
        self.insert_raw(mime, Arc::from(raw));
    }

    /// Sets `mime` to JSON text already checked.
    pub fn insert_raw(&mut self, mime: impl Into<String>, value: Arc<RawValue>) {
        let mime = mime.into();
        match self.0.iter_mut().find(|(m, _)| *m == mime) {
            Some(slot) => slot.1 = value,
            None => self.0.push((mime, value)),
        }
    }

    /// Removes `mime`, returning its text.
    pub fn remove(&mut self, mime: &str) -> Option<Arc<RawValue>> {
        let at = self.0.iter().position(|(m, _)| m == mime)?;
        Some(self.0.remove(at).1)
    }

    /// The bundle as a JSON object (a parsed copy: for small bundles and tests).
    pub fn to_map(&self) -> Map<String, Value> {
        self.0
            .iter()
            .map(|(m, v)| (m.clone(), serde_json::from_str(v.get()).unwrap_or(Value::Null)))
            .collect()
    }
}

/// JSON text shared between the outputs that show it; equal when the texts are.
#[derive(Clone)]
pub struct SharedJson(pub Arc<RawValue>);

impl SharedJson {
    /// The text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for SharedJson {
    fn eq(&self, other: &SharedJson) -> bool {
        same_json(self.get(), other.get())
    }
}

impl fmt::Debug for SharedJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedJson({} bytes)", self.get().len())
    }
}

fn null() -> Box<RawValue> {
    RawValue::from_string("null".into()).expect("null is JSON")
}

impl From<Map<String, Value>> for MimeBundle {
    fn from(map: Map<String, Value>) -> MimeBundle {
        let mut bundle = MimeBundle::new();
        for (mime, value) in map {
            bundle.insert(mime, &value);
        }
        bundle
    }
}

impl FromIterator<(String, Value)> for MimeBundle {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(items: I) -> MimeBundle {
        MimeBundle::from(items.into_iter().collect::<Map<String, Value>>())
    }
}

/// Same types with the same values, in any order (as JSON objects compare). Texts that
/// differ (spacing, after a save) are compared parsed.
impl PartialEq for MimeBundle {
    fn eq(&self, other: &MimeBundle) -> bool {
        self.0.len() == other.0.len()
            && self.iter().all(|(mime, text)| {
                other
                    .get(mime)
                    .is_some_and(|theirs| same_json(text.get(), theirs.get()))
            })
    }
}

fn same_json(a: &str, b: &str) -> bool {
    a == b || serde_json::from_str::<Value>(a).ok() == serde_json::from_str::<Value>(b).ok()
}

impl fmt::Debug for MimeBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Sizes, not contents: a bundle can hold megabytes.
        f.debug_map()
            .entries(self.iter().map(|(m, v)| (m, format!("{} bytes", v.get().len()))))
            .finish()
    }
}

impl Serialize for MimeBundle {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (mime, value) in &self.0 {
            map.serialize_entry(mime, &**value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for MimeBundle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MimeBundle, D::Error> {
        d.deserialize_option(BundleVisitor)
    }
}

struct BundleVisitor;

impl<'de> Visitor<'de> for BundleVisitor {
    type Value = MimeBundle;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mime bundle (an object) or null")
    }

    fn visit_none<E>(self) -> Result<MimeBundle, E> {
        Ok(MimeBundle::new())
    }

    fn visit_unit<E>(self) -> Result<MimeBundle, E> {
        Ok(MimeBundle::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<MimeBundle, D::Error> {
        d.deserialize_map(BundleVisitor)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MimeBundle, A::Error> {
        let mut bundle = MimeBundle::new();
        while let Some((mime, value)) = map.next_entry::<String, Box<RawValue>>()? {
            bundle.insert_raw(mime, Arc::from(value));
        }
        Ok(bundle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_text_and_order_as_sent() {
        let text = r#"{"text/plain":"x","application/json":{"b":3.7154226196060236,"a":[1,2]}}"#;
        let bundle: MimeBundle = serde_json::from_str(text).unwrap();
        assert_eq!(bundle.keys().collect::<Vec<_>>(), ["text/plain", "application/json"]);
        assert_eq!(
            bundle.get("application/json").unwrap().get(),
            r#"{"b":3.7154226196060236,"a":[1,2]}"#
        );
        assert_eq!(serde_json::to_string(&bundle).unwrap(), text);
        assert_eq!(bundle.string("text/plain").as_deref(), Some("x"));
        assert_eq!(bundle.string("application/json"), None);
    }

    #[test]
    fn null_is_empty_and_values_parse_from_a_tree_too() {
        let bundle: MimeBundle = serde_json::from_str("null").unwrap();
        assert!(bundle.is_empty());
        let bundle: MimeBundle = serde_json::from_value(json!({"a": {"x": 1}})).unwrap();
        assert_eq!(bundle.value("a"), Some(json!({"x": 1})));
        assert!(serde_json::from_str::<MimeBundle>("[1]").is_err());
    }

    #[test]
    fn insert_replaces_in_place() {
        let mut bundle = MimeBundle::from(json!({"a": 1, "b": 2}).as_object().unwrap().clone());
        bundle.insert("a", &json!("one"));
        bundle.insert("c", &json!(null));
        assert_eq!(
            bundle.to_map(),
            *json!({"a": "one", "b": 2, "c": null}).as_object().unwrap()
        );
        assert_eq!(bundle.remove("b").unwrap().get(), "2");
        let reordered: MimeBundle = serde_json::from_str(r#"{"c": null, "a" : "one"}"#).unwrap();
        assert_eq!(bundle, reordered);
        assert_ne!(bundle, MimeBundle::new());
        assert_eq!(bundle.len(), 2);
    }
}
