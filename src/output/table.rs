//! Tables from Livy's two tabular shapes: the `%table` type
//! (`{"headers":[{"name","type"}],"data":[[…]]}`) and a `sql` statement's
//! `application/json` (`{"schema": <Spark StructType>, "data": [[…]]}`).

use super::rows::Rows;
use crate::livy::SharedJson;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::Arc;

/// A column's name and type as the server named it.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    /// `INT_TYPE`, `STRING_TYPE` (Livy table type) or `integer`, `decimal(2,1)`,
    /// `array<int>` (Spark SQL).
    pub data_type: String,
}

/// Rows of JSON values under typed columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Rows,
    /// Human-readable caveats to show with the table (a server-side row cap, values cut by
    /// `show()`, …): nothing is ever dropped silently.
    pub notes: Vec<String>,
}

/// Livy's default `livy.rsc.sql.num-rows`: a `sql` statement returns at most this many rows,
/// with no flag saying more were left out.
pub const LIVY_SQL_ROW_CAP: usize = 1000;

impl Table {
    /// Livy's `application/vnd.livy.table.v1+json`.
    pub fn from_livy_table(value: &Value) -> Option<Table> {
        Table::from_livy_table_json(&shared(value))
    }

    /// [`Table::from_livy_table`] read from JSON text, with no tree of values in between:
    /// the rows stay in the text (see [`Rows`]).
    pub fn from_livy_table_json(json: &SharedJson) -> Option<Table> {
        let shape: LivyTableShape = from_object_text(json.get())?;
        let columns = shape
            .headers
            .iter()
            .map(|h| Column {
                name: h.get("name").map(value_text).unwrap_or_default(),
                data_type: h.get("type").map(value_text).unwrap_or_default(),
            })
            .collect();
        // An RDD shows at most 10 rows (`take(10)`), but nothing says so reliably: no note.
        Some(Table {
            columns,
            rows: Rows::in_text(json, shape.data)?,
            notes: Vec::new(),
        })
    }

    /// A `sql` statement's `{schema, data}`; `None` for any other JSON. Assumes the server's
    /// default row cap ([`LIVY_SQL_ROW_CAP`]).
    pub fn from_sql_result(value: &Value) -> Option<Table> {
        Table::from_sql_result_json(&shared(value), LIVY_SQL_ROW_CAP)
    }

    /// As [`Table::from_sql_result`] for a server whose `livy.rsc.sql.num-rows` is `cap`: a
    /// result of exactly `cap` rows gets a note that it may be cut.
    pub fn from_sql_result_with_cap(value: &Value, cap: usize) -> Option<Table> {
        Table::from_sql_result_json(&shared(value), cap)
    }

    /// [`Table::from_sql_result_with_cap`] read from JSON text, with no tree of values in
    /// between: the rows stay in the text (see [`Rows`]).
    pub fn from_sql_result_json(json: &SharedJson, cap: usize) -> Option<Table> {
        let shape: SqlResultShape = from_object_text(json.get())?;
        if shape.schema.get("type")?.as_str()? != "struct" {
            return None;
        }
        let columns = shape
            .schema
            .get("fields")?
            .as_array()?
            .iter()
            .map(|f| Column {
                name: f.get("name").map(value_text).unwrap_or_default(),
                data_type: f.get("type").map(spark_type_name).unwrap_or_default(),
            })
            .collect();
        let rows = Rows::in_text(json, shape.data)?;
        let mut notes = Vec::new();
        if cap > 0 && rows.len() == cap {
            notes.push(format!(
                "Livy returns at most {cap} rows for SQL (livy.rsc.sql.num-rows); the result may have more"
            ));
        }
        Some(Table { columns, rows, notes })
    }
}

/// `%table`'s shape; other members are ignored. The rows are left as text.
#[derive(Deserialize)]
struct LivyTableShape<'a> {
    headers: Vec<Value>,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// A `sql` result's shape; other members are ignored. The rows are left as text.
#[derive(Deserialize)]
struct SqlResultShape<'a> {
    schema: Value,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// A value's text, to read a table from (tests and values built in memory).
fn shared(value: &Value) -> SharedJson {
    // A Value always serializes.
    let raw = serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::from_string("null".into()).unwrap());
    SharedJson(Arc::from(raw))
}

/// `T` from JSON text that is an object (serde would also take an array for a struct).
fn from_object_text<'a, T: Deserialize<'a>>(json: &'a str) -> Option<T> {
    if !json.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str(json).ok()
}

/// Spark's JSON type: a string (`"integer"`) or an object for complex types.
fn spark_type_name(t: &Value) -> String {
    match t {
        Value::String(s) => s.clone(),
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("array") => format!(
                "array<{}>",
                o.get("elementType").map(spark_type_name).unwrap_or_default()
            ),
            Some("map") => format!(
                "map<{},{}>",
                o.get("keyType").map(spark_type_name).unwrap_or_default(),
                o.get("valueType").map(spark_type_name).unwrap_or_default()
            ),
            Some("struct") => "struct".into(),
            Some(other) => other.to_string(),
            None => t.to_string(),
        },
        other => other.to_string(),
    }
}

/// A cell or header value as text: strings bare, `null` as `null`, the rest as compact JSON.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sql_schema_types_are_named() {
        let v = json!({"schema":{"type":"struct","fields":[
            {"name":"a","type":"integer","nullable":false,"metadata":{}},
            {"name":"xs","type":{"type":"array","elementType":"integer","containsNull":false},"nullable":true,"metadata":{}}]},
            "data":[[1,[1,2]]]});
        let t = Table::from_sql_result(&v).unwrap();
        assert_eq!(t.columns[1].data_type, "array<integer>");
        assert_eq!(t.rows, vec![vec![json!(1), json!([1, 2])]]);
        assert!(Table::from_sql_result(&json!({"a": 1})).is_none());
        assert!(t.notes.is_empty());
    }

    fn sql_rows(n: usize) -> Value {
        let data: Vec<Value> = (0..n).map(|i| json!([i])).collect();
        json!({"schema":{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}}]},
            "data": data})
    }

    #[test]
    fn a_sql_result_at_the_row_cap_says_it_may_be_cut() {
        let t = Table::from_sql_result(&sql_rows(LIVY_SQL_ROW_CAP)).unwrap();
        assert_eq!(t.rows.len(), 1000);
        assert_eq!(
            t.notes,
            vec!["Livy returns at most 1000 rows for SQL (livy.rsc.sql.num-rows); the result may have more"]
        );
        for n in [0, 1, 999, 1001] {
            let t = Table::from_sql_result(&sql_rows(n)).unwrap();
            assert!(t.notes.is_empty(), "{n} rows: {:?}", t.notes);
        }
    }

    #[test]
    fn the_sql_row_cap_is_a_parameter() {
        let t = Table::from_sql_result_with_cap(&sql_rows(50), 50).unwrap();
        assert_eq!(
            t.notes,
            vec!["Livy returns at most 50 rows for SQL (livy.rsc.sql.num-rows); the result may have more"]
        );
        assert!(
            Table::from_sql_result_with_cap(&sql_rows(1000), 50)
                .unwrap()
                .notes
                .is_empty()
        );
        // A cap of 0 is no setting: an empty result (DDL) gets no note.
        assert!(
            Table::from_sql_result_with_cap(&sql_rows(0), 0)
                .unwrap()
                .notes
                .is_empty()
        );
    }

    #[test]
    fn livy_tables_have_no_notes() {
        let v =
            json!({"headers":[{"name":"0","type":"BIGINT_TYPE"}],"data":[[1],[2],[3],[4],[5],[6],[7],[8],[9],[10]]});
        let t = Table::from_livy_table(&v).unwrap();
        assert_eq!(t.rows.len(), 10);
        assert!(t.notes.is_empty());
    }
}
