//! A statement left running when the app went away (a dropped ssh, SIGHUP, `kill`): its cell
//! records it under `metadata.livy_tui.running` as `{"session": "7", "statement": "3"}`, so
//! that reopening the notebook can follow it to its end. Written only while a statement runs.

use serde_json::{Map, Value};

const OUR_KEY: &str = "livy_tui";
const RUNNING: &str = "running";

/// The statement a cell was running (ids as strings: some servers use UUIDs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunningMark {
    pub session: String,
    pub statement: String,
}

impl RunningMark {
    /// Records the mark in a cell's metadata.
    pub fn write(&self, metadata: &mut Map<String, Value>) {
        let mut ours = match metadata.remove(OUR_KEY) {
            Some(Value::Object(o)) => o,
            _ => Map::new(),
        };
        let mut mark = Map::new();
        mark.insert("session".into(), self.session.clone().into());
        mark.insert("statement".into(), self.statement.clone().into());
        ours.insert(RUNNING.into(), Value::Object(mark));
        metadata.insert(OUR_KEY.into(), Value::Object(ours));
    }

    /// Takes a mark out of a cell's metadata; one this version cannot read is left there.
    pub fn take(metadata: &mut Map<String, Value>) -> Option<RunningMark> {
        let Some(Value::Object(ours)) = metadata.get_mut(OUR_KEY) else {
            return None;
        };
        let mark = ours.get(RUNNING)?.as_object()?;
        let id = |key: &str| match mark.get(key)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let found = RunningMark {
            session: id("session")?,
            statement: id("statement")?,
        };
        ours.remove(RUNNING);
        if ours.is_empty() {
            metadata.remove(OUR_KEY);
        }
        Some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_read_back_and_leave_no_trace() {
        let mut metadata = Map::new();
        metadata.insert(OUR_KEY.into(), serde_json::json!({"future": 1}));
        let mark = RunningMark {
            session: "7".into(),
            statement: "3".into(),
        };
        mark.write(&mut metadata);
        assert_eq!(metadata[OUR_KEY]["running"]["statement"], "3");
        assert_eq!(RunningMark::take(&mut metadata), Some(mark));
        assert_eq!(
            Value::Object(metadata.clone()),
            serde_json::json!({"livy_tui": {"future": 1}})
        );
        let mut numeric = serde_json::json!({"livy_tui": {"running": {"session": 7, "statement": 0}}});
        let numeric = numeric.as_object_mut().unwrap();
        assert_eq!(RunningMark::take(numeric).unwrap().statement, "0");
        assert!(numeric.is_empty());
        let mut odd = serde_json::json!({"livy_tui": {"running": {"session": 7}}});
        let odd = odd.as_object_mut().unwrap();
        assert_eq!(RunningMark::take(odd), None);
        assert!(odd.contains_key(OUR_KEY));
    }
}
