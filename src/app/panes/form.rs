//! The panes' forms: a new session (the fields the command line has for one) and a batch
//! (what `batch submit` takes). One line of text per field, Tab between them, Enter sends;
//! what was typed is checked when sent, and the first problem is said in one line.

use crate::livy::requests::conf_pair;
use crate::livy::{CreateBatch, CreateSession, Resources, SessionKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A field of a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Kind,
    Name,
    ProxyUser,
    DriverMemory,
    DriverCores,
    ExecutorMemory,
    ExecutorCores,
    Executors,
    Queue,
    Conf,
    File,
    ClassName,
    Args,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Kind => "kind",
            Field::Name => "name",
            Field::ProxyUser => "proxy user",
            Field::DriverMemory => "driver memory",
            Field::DriverCores => "driver cores",
            Field::ExecutorMemory => "executor memory",
            Field::ExecutorCores => "executor cores",
            Field::Executors => "executors",
            Field::Queue => "queue",
            Field::Conf => "conf",
            Field::File => "file",
            Field::ClassName => "class",
            Field::Args => "args",
        }
    }

    /// What to type, shown under the form for the field being edited.
    pub fn hint(self) -> &'static str {
        match self {
            Field::Kind => "spark, pyspark, sparkr or sql (or shared: each statement says its own)",
            Field::Name => "optional; unique on the server",
            Field::ProxyUser => "optional: the user the session runs as",
            Field::DriverMemory | Field::ExecutorMemory => "optional, e.g. 4g",
            Field::DriverCores | Field::ExecutorCores | Field::Executors => "optional: a whole number",
            Field::Queue => "optional: the YARN queue",
            Field::Conf => "key=value pairs separated by spaces; quote one that has spaces",
            Field::File => "the jar or .py to run: a path the cluster can read (hdfs:///…), a file here with --local",
            Field::ClassName => "the main class of a jar (optional when its manifest names one)",
            Field::Args => "arguments separated by spaces; quote one that has spaces",
        }
    }
}

const SESSION_FIELDS: [Field; 10] = [
    Field::Kind,
    Field::Name,
    Field::ProxyUser,
    Field::DriverMemory,
    Field::DriverCores,
    Field::ExecutorMemory,
    Field::ExecutorCores,
    Field::Executors,
    Field::Queue,
    Field::Conf,
];

const BATCH_FIELDS: [Field; 5] = [Field::File, Field::ClassName, Field::Args, Field::Name, Field::Conf];

/// A form being filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    /// Each field and what is typed in it, in order.
    pub fields: Vec<(Field, String)>,
    /// The field being edited.
    pub focus: usize,
    /// Why the last Enter sent nothing.
    pub error: Option<String>,
}

/// What a key did to a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKey {
    Editing,
    Cancel,
    Submit,
}

impl Form {
    fn with(fields: &[Field]) -> Form {
        Form {
            fields: fields.iter().map(|f| (*f, String::new())).collect(),
            focus: 0,
            error: None,
        }
    }

    /// A new session, of the notebook's kind unless changed.
    pub fn new_session(kind: &SessionKind) -> Form {
        let mut form = Form::with(&SESSION_FIELDS);
        form.fields[0].1 = kind.to_string();
        form
    }

    /// A new batch.
    pub fn new_batch() -> Form {
        Form::with(&BATCH_FIELDS)
    }

    /// Whether this is the new-session form.
    pub fn is_session(&self) -> bool {
        self.fields.first().is_some_and(|(f, _)| *f == Field::Kind)
    }

    /// Tab/↓ and Shift+Tab/↑ move between fields, Enter sends, Esc cancels; the rest edits
    /// the field (Ctrl+U empties it).
    pub fn key(&mut self, key: KeyEvent) -> FormKey {
        let n = self.fields.len();
        let control = key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Enter => return FormKey::Submit,
            KeyCode::Esc => return FormKey::Cancel,
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % n,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + n - 1) % n,
            KeyCode::Backspace => {
                self.fields[self.focus].1.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => self.fields[self.focus].1.clear(),
            KeyCode::Char(c) if !control => self.fields[self.focus].1.push(c),
            _ => {}
        }
        FormKey::Editing
    }

    /// What is typed in `field`, trimmed ("" when the form has no such field).
    fn value(&self, field: Field) -> &str {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, v)| v.trim())
    }

    fn text(&self, field: Field) -> Option<String> {
        Some(self.value(field).to_string()).filter(|v| !v.is_empty())
    }

    fn number(&self, field: Field) -> Result<Option<u32>, String> {
        match self.value(field) {
            "" => Ok(None),
            v => v
                .parse()
                .map(Some)
                .map_err(|_| format!("{}: {v:?} is not a whole number", field.label())),
        }
    }

    /// The Spark resources the form has fields for.
    fn resources(&self) -> Result<Resources, String> {
        let mut conf = std::collections::BTreeMap::new();
        for pair in words(self.value(Field::Conf)).map_err(|e| format!("conf: {e}"))? {
            let (key, value) = conf_pair(&pair).ok_or_else(|| format!("conf: {pair:?} is not key=value"))?;
            conf.insert(key, value);
        }
        Ok(Resources {
            proxy_user: self.text(Field::ProxyUser),
            driver_memory: self.text(Field::DriverMemory),
            driver_cores: self.number(Field::DriverCores)?,
            executor_memory: self.text(Field::ExecutorMemory),
            executor_cores: self.number(Field::ExecutorCores)?,
            num_executors: self.number(Field::Executors)?,
            queue: self.text(Field::Queue),
            conf,
            ..Resources::default()
        })
    }

    /// The new session's body from the form alone.
    pub fn session_request(&self) -> Result<CreateSession, String> {
        let kind = match self.value(Field::Kind) {
            "" | "shared" => None,
            typed => match SessionKind::parse(typed) {
                SessionKind::Unknown(_) => return Err(format!("kind: {typed:?}; {}", Field::Kind.hint())),
                kind => Some(kind),
            },
        };
        Ok(CreateSession {
            kind,
            name: self.text(Field::Name),
            resources: self.resources()?,
            ..CreateSession::default()
        })
    }

    /// The batch's body from the form alone.
    pub fn batch_request(&self) -> Result<CreateBatch, String> {
        let Some(file) = self.text(Field::File) else {
            return Err(format!("file: {}", Field::File.hint()));
        };
        Ok(CreateBatch {
            file,
            class_name: self.text(Field::ClassName),
            args: words(self.value(Field::Args)).map_err(|e| format!("args: {e}"))?,
            name: self.text(Field::Name),
            resources: self.resources()?,
            ..CreateBatch::default()
        })
    }
}

/// Words separated by spaces; `'…'` or `"…"` keeps spaces in one.
fn words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(q) = quote {
        return Err(format!("a {q} is not closed"));
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_spaces_and_quotes_keep_them() {
        assert_eq!(
            words(r#" a  "b c" d'e f'g '' "#).unwrap(),
            ["a", "b c", "de fg", ""].map(String::from)
        );
        assert!(words("").unwrap().is_empty());
        assert_eq!(words("'open").unwrap_err(), "a ' is not closed");
    }

    #[test]
    fn the_session_form_makes_the_body_and_says_what_is_wrong() {
        let mut form = Form::new_session(&SessionKind::PySpark);
        let set = |form: &mut Form, field: Field, value: &str| {
            form.fields.iter_mut().find(|(f, _)| *f == field).unwrap().1 = value.into();
        };
        set(&mut form, Field::Conf, "spark.a=1 'spark.opts=-Dx -Dy'");
        set(&mut form, Field::Executors, " 4 ");
        let body = form.session_request().unwrap();
        assert_eq!(body.kind, Some(SessionKind::PySpark));
        assert_eq!(body.resources.num_executors, Some(4));
        assert_eq!(body.resources.conf["spark.opts"], "-Dx -Dy");
        set(&mut form, Field::Executors, "four");
        assert_eq!(
            form.session_request().unwrap_err(),
            r#"executors: "four" is not a whole number"#
        );
        set(&mut form, Field::Executors, "");
        set(&mut form, Field::Kind, "cobol");
        assert!(form.session_request().unwrap_err().starts_with(r#"kind: "cobol""#));
        set(&mut form, Field::Kind, "shared");
        assert_eq!(form.session_request().unwrap().kind, None);
        set(&mut form, Field::Conf, "novalue");
        assert_eq!(
            form.session_request().unwrap_err(),
            r#"conf: "novalue" is not key=value"#
        );
    }
}
