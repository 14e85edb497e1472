//! Strict request-body parsing that fails the way Livy's Jackson does.
//!
//! Livy parses bodies with Jackson and `FAIL_ON_UNKNOWN_PROPERTIES`, whatever the
//! `Content-Type`. A client that sends a field the server version does not know gets a 400
//! with a bare JSON string; reproducing that is what lets the client's version gating be
//! tested. Scalars are coerced like Jackson does (`"1"` is a fine int, `1` a fine string).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::ApiError;

/// Where Jackson says it read the body from.
const SOURCE: &str = "(org.eclipse.jetty.server.HttpInputOverHTTP)";

/// The JSON type a known field must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// `Option[String]`: any scalar, coerced to a string.
    Str,
    /// `Option[Int]`: a number or a numeric string.
    Int,
    /// `List[String]`.
    StrList,
    /// `Map[String, String]`.
    StrMap,
}

/// The Java class and the properties of a request body, in Jackson's listing order.
#[derive(Clone, Debug)]
pub struct BodySchema {
    /// Fully qualified class name, quoted in error messages.
    pub class: &'static str,
    /// Known properties with their types.
    pub fields: Vec<(&'static str, FieldType)>,
}

/// Parses `raw` as a JSON object with only the schema's fields. `Ok(None)` is a literal
/// `null` body, which Jackson accepts and Livy then trips over.
pub fn parse_strict(raw: &[u8], schema: &BodySchema) -> Result<Option<Map<String, Value>>, ApiError> {
    let text = String::from_utf8_lossy(raw);
    if text.trim().is_empty() {
        return Err(ApiError::jackson(format!(
            "No content to map due to end-of-input\n at [Source: {SOURCE}; line: 1, column: 0]"
        )));
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| syntax_error(&text, &e))?;
    let object = match value {
        Value::Object(map) => map,
        Value::Null => return Ok(None),
        other => {
            return Err(ApiError::jackson(format!(
                "Cannot deserialize instance of `{}` out of {} token\n at [Source: {SOURCE}; line: 1, column: 1]",
                schema.class,
                token_name(&other)
            )));
        }
    };
    for (key, value) in &object {
        let Some((_, ty)) = schema.fields.iter().find(|(name, _)| name == key) else {
            return Err(unknown_field(&text, schema, key));
        };
        check_type(&text, schema, key, *ty, value)?;
    }
    Ok(Some(object))
}

fn syntax_error(text: &str, err: &serde_json::Error) -> ApiError {
    let at = format!(
        "\n at [Source: {SOURCE}; line: {}, column: {}]",
        err.line(),
        err.column() + 1
    );
    if err.is_eof() {
        return ApiError::jackson(format!("Unexpected end-of-input within/between Object entries{at}"));
    }
    let ch = text
        .lines()
        .nth(err.line().saturating_sub(1))
        .and_then(|line| line.chars().nth(err.column().saturating_sub(1)))
        .unwrap_or('?');
    ApiError::jackson(format!(
        "Unexpected character ('{ch}' (code {})): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false'){at}",
        ch as u32
    ))
}

fn unknown_field(text: &str, schema: &BodySchema, key: &str) -> ApiError {
    let known: Vec<String> = schema.fields.iter().map(|(name, _)| format!("\"{name}\"")).collect();
    ApiError::jackson(format!(
        "Unrecognized field \"{key}\" (class {class}), not marked as ignorable ({n} known properties: {list}])\n at [Source: {SOURCE}; line: 1, column: {col}] (through reference chain: {class}[\"{key}\"])",
        class = schema.class,
        n = known.len(),
        list = known.join(", "),
        col = value_column(text, key),
    ))
}

fn check_type(text: &str, schema: &BodySchema, key: &str, ty: FieldType, value: &Value) -> Result<(), ApiError> {
    let java_type = match ty {
        FieldType::Str => "java.lang.String",
        FieldType::Int => "int",
        FieldType::StrList => "scala.collection.immutable.List",
        FieldType::StrMap => "scala.collection.immutable.Map",
    };
    let fits = match (ty, value) {
        (_, Value::Null) => true,
        (FieldType::Str, v) => !v.is_array() && !v.is_object(),
        (FieldType::Int, Value::Number(_)) => true,
        (FieldType::Int, Value::String(s)) => {
            if s.trim().parse::<i64>().is_err() {
                return Err(ApiError::jackson(format!(
                    "Cannot deserialize value of type `int` from String \"{s}\": not a valid Integer value\n at [Source: {SOURCE}; line: 1, column: {}] (through reference chain: {}[\"{key}\"])",
                    value_column(text, key),
                    schema.class
                )));
            }
            true
        }
        (FieldType::Int, _) => false,
        (FieldType::StrList, Value::Array(items)) => items.iter().all(|v| !v.is_array() && !v.is_object()),
        (FieldType::StrList, _) => false,
        (FieldType::StrMap, Value::Object(entries)) => entries.values().all(|v| !v.is_array() && !v.is_object()),
        (FieldType::StrMap, _) => false,
    };
    if fits {
        Ok(())
    } else {
        Err(ApiError::jackson(format!(
            "Cannot deserialize instance of `{java_type}` out of {} token\n at [Source: {SOURCE}; line: 1, column: {}] (through reference chain: {}[\"{key}\"])",
            token_name(value),
            value_column(text, key),
            schema.class
        )))
    }
}

/// Jackson's token name for the start of a value.
fn token_name(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
        Value::String(_) => "VALUE_STRING",
        Value::Number(n) if n.is_f64() => "VALUE_NUMBER_FLOAT",
        Value::Number(_) => "VALUE_NUMBER_INT",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Null => "VALUE_NULL",
    }
}

/// The column Jackson reports for a field: just past the opening quote of a string (or
/// bracket), just past the last character of a scalar such as a number.
fn value_column(text: &str, key: &str) -> usize {
    let needle = format!("\"{key}\"");
    let Some(start) = text.find(&needle) else {
        return 1;
    };
    let after_key = start + needle.len();
    let rest = &text[after_key..];
    let skipped = rest
        .char_indices()
        .find(|(_, c)| !c.is_whitespace() && *c != ':')
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let value_start = after_key + skipped;
    let value = &text[value_start..];
    let consumed = match value.chars().next() {
        Some('"' | '[' | '{') | None => 1,
        Some(_) => value
            .find(|c: char| c == ',' || c == '}' || c == ']' || c.is_whitespace())
            .unwrap_or(value.len()),
    };
    text[..value_start].chars().count() + consumed + 1
}

/// A field as a string, coercing scalars the way Jackson does.
pub fn str_field(map: &Map<String, Value>, key: &str) -> Option<String> {
    scalar_string(map.get(key)?)
}

fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A field as an int (numbers are truncated, numeric strings parsed).
pub fn int_field(map: &Map<String, Value>, key: &str) -> Option<i64> {
    match map.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A field as a list of strings.
pub fn list_field(map: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    match map.get(key)? {
        Value::Array(items) => Some(items.iter().filter_map(scalar_string).collect()),
        _ => None,
    }
}

/// A field as a string map.
pub fn map_field(map: &Map<String, Value>, key: &str) -> Option<BTreeMap<String, String>> {
    match map.get(key)? {
        Value::Object(entries) => Some(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), scalar_string(v)?)))
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> BodySchema {
        BodySchema {
            class: "org.apache.livy.server.interactive.CreateInteractiveRequest",
            fields: vec![("kind", FieldType::Str), ("driverCores", FieldType::Int)],
        }
    }

    #[test]
    fn unknown_field_column_matches_jackson() {
        let err = parse_strict(br#"{"kind": "spark", "nope": 1}"#, &schema()).unwrap_err();
        let ApiError::Bare { text, .. } = err else { panic!() };
        assert!(text.starts_with("Unrecognized field \"nope\""), "{text}");
        assert!(text.contains("line: 1, column: 28]"), "{text}");
        let err = parse_strict(br#"{"kind": "spark", "ttl": "banana"}"#, &schema()).unwrap_err();
        let ApiError::Bare { text, .. } = err else { panic!() };
        assert!(text.contains("line: 1, column: 27]"), "{text}");
    }

    #[test]
    fn coercion_and_type_errors() {
        let map = parse_strict(br#"{"driverCores": "2"}"#, &schema()).unwrap().unwrap();
        assert_eq!(int_field(&map, "driverCores"), Some(2));
        assert!(parse_strict(br#"{"driverCores": "x"}"#, &schema()).is_err());
        assert!(parse_strict(br#"{"kind": []}"#, &schema()).is_err());
        assert!(parse_strict(br#"{"kind": "#, &schema()).is_err());
        assert_eq!(parse_strict(b"null", &schema()).unwrap(), None);
    }
}
