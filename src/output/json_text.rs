//! JSON text handled as text: pretty-printed and searched without building a tree of values
//! (a `serde_json::Value` takes 72 bytes a node, ten times the text it came from).

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::{self, Write};

/// Writes `json` indented, streaming: memory stays small whatever its size. Numbers are
/// written as a parsed value shows them.
pub fn write_pretty(json: &str, out: impl Write) -> io::Result<()> {
    let mut de = serde_json::Deserializer::from_str(json);
    let mut ser = serde_json::Serializer::pretty(out);
    serde_transcode::transcode(&mut de, &mut ser).map_err(io::Error::other)?;
    de.end().map_err(io::Error::other)
}

/// `json` indented; `None` when it is not JSON.
pub fn pretty(json: &str) -> Option<String> {
    let mut out = Vec::with_capacity(json.len() + json.len() / 2);
    write_pretty(json, &mut out).ok()?;
    String::from_utf8(out).ok()
}

/// The value at a JSON pointer (`/a/0/b`), parsing only that value: the rest is skipped.
pub fn pointer(json: &str, pointer: &str) -> Option<Value> {
    if !(pointer.is_empty() || pointer.starts_with('/')) {
        return None;
    }
    let path: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut de = serde_json::Deserializer::from_str(json);
    Find { path: &path }.deserialize(&mut de).ok().flatten()
}

/// Walks down `path`, skipping every other member or item.
struct Find<'p> {
    path: &'p [String],
}

impl<'de> DeserializeSeed<'de> for Find<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        match self.path {
            [] => Value::deserialize(d).map(Some),
            _ => d.deserialize_any(self),
        }
    }
}

use serde::Deserialize as _;

impl<'de> Visitor<'de> for Find<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or array on the pointer's path")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Value>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if found.is_none() && key == self.path[0] {
                found = map.next_value_seed(Find { path: &self.path[1..] })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        let wanted: Option<usize> = self.path[0].parse().ok();
        let mut found = None;
        let mut index = 0usize;
        loop {
            let item = if Some(index) == wanted {
                seq.next_element_seed(Find { path: &self.path[1..] })?
                    .map(|v| found = v)
            } else {
                seq.next_element::<IgnoredAny>()?.map(|_| ())
            };
            if item.is_none() {
                return Ok(found);
            }
            index += 1;
        }
    }

    // A scalar on the way: the pointer goes nowhere.
    fn visit_bool<E>(self, _: bool) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Option<Value>, E> {
        Ok(None)
    }
}

/// A writer that escapes, in JSON text, what JSON leaves raw but a terminal obeys: DEL and
/// the C1 controls (U+0080–U+009F, as UTF-8 `C2 80`–`C2 9F`) become `\u007f`, `\u0085`…
/// The JSON means the same; only the bytes a terminal would act on change. Valid only for
/// JSON text, where such characters can only be inside strings.
pub struct EscapeC1<W: Write> {
    out: W,
    /// A `C2` byte seen at the end of the last write.
    pending_c2: bool,
}

impl<W: Write> EscapeC1<W> {
    pub fn new(out: W) -> Self {
        EscapeC1 { out, pending_c2: false }
    }

    /// Writes what is held back and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if std::mem::take(&mut self.pending_c2) {
            self.out.write_all(&[0xC2])?;
        }
        Ok(self.out)
    }
}

impl<W: Write> Write for EscapeC1<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut plain = 0;
        let mut i = 0;
        if self.pending_c2 {
            self.pending_c2 = false;
            match buf.first() {
                Some(&b @ 0x80..=0x9F) => {
                    write!(self.out, "\\u{:04x}", b)?;
                    plain = 1;
                    i = 1;
                }
                _ => self.out.write_all(&[0xC2])?,
            }
        }
        while i < buf.len() {
            let b = buf[i];
            if b == 0x7F {
                self.out.write_all(&buf[plain..i])?;
                self.out.write_all(b"\\u007f")?;
                plain = i + 1;
            } else if b == 0xC2 && i + 1 == buf.len() {
                self.out.write_all(&buf[plain..i])?;
                self.pending_c2 = true;
                plain = i + 1;
            } else if b == 0xC2 && (0x80..=0x9F).contains(&buf[i + 1]) {
                self.out.write_all(&buf[plain..i])?;
                write!(self.out, "\\u{:04x}", buf[i + 1])?;
                i += 1;
                plain = i + 1;
            }
            i += 1;
        }
        self.out.write_all(&buf[plain..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pretty_keeps_order_and_exact_numbers() {
        let text = r#"{"b":[1,2.5,3.7154226196060236],"a":{"x":null,"y":"s"}}"#;
        let expected = serde_json::to_string_pretty(&serde_json::from_str::<Value>(text).unwrap()).unwrap();
        assert_eq!(pretty(text).unwrap(), expected);
        assert!(pretty("{oops").is_none());
        assert!(pretty("[1] [2]").is_none());
    }

    #[test]
    fn pointer_finds_one_value() {
        let text = r#"{"a":[{"x":1},{"y/z":[true,"two"]}],"b~":3}"#;
        assert_eq!(pointer(text, ""), Some(serde_json::from_str(text).unwrap()));
        assert_eq!(pointer(text, "/a/1/y~1z/1"), Some(json!("two")));
        assert_eq!(pointer(text, "/b~0"), Some(json!(3)));
        assert_eq!(pointer(text, "/a/0"), Some(json!({"x": 1})));
        assert_eq!(pointer(text, "/a/5"), None);
        assert_eq!(pointer(text, "/b~0/x"), None);
        assert_eq!(pointer(text, "/nope"), None);
        assert_eq!(pointer(text, "a"), None);
    }

    #[test]
    fn c1_and_del_are_escaped_even_split_across_writes() {
        let text = "\"a\u{85}b\u{7f}c\u{9b}2J\u{e9}\u{100}\"";
        let expected = r#""a\u0085b\u007fc\u009b2Jé"#.to_string() + "\u{100}\"";
        for split in 0..=text.len() {
            let mut w = EscapeC1::new(Vec::new());
            w.write_all(&text.as_bytes()[..split]).unwrap();
            w.write_all(&text.as_bytes()[split..]).unwrap();
            let out = String::from_utf8(w.finish().unwrap()).unwrap();
            assert_eq!(out, expected, "split at {split}");
            assert_eq!(
                serde_json::from_str::<String>(&out).unwrap(),
                serde_json::from_str::<String>(text).unwrap()
            );
        }
    }
}
