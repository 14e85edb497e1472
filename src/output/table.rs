//! Tables from Livy's two tabular shapes: the `%table` type
//! (`{"headers":[{"name","type"}],"data":[[…]]}`) and a `sql` statement's
//! `application/json` (`{"schema": <Spark StructType>, "data": [[…]]}`).

use serde_json::Value;

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
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// Livy's `application/vnd.livy.table.v1+json`.
    pub fn from_livy_table(value: &Value) -> Option<Table> {
        let headers = value.get("headers")?.as_array()?;
        let columns = headers
            .iter()
            .map(|h| Column {
                name: h.get("name").map(value_text).unwrap_or_default(),
                data_type: h.get("type").map(value_text).unwrap_or_default(),
            })
            .collect();
        Some(Table {
            columns,
            rows: rows(value.get("data")?)?,
        })
    }

    /// A `sql` statement's `{schema, data}`; `None` for any other JSON.
    pub fn from_sql_result(value: &Value) -> Option<Table> {
        let schema = value.get("schema")?;
        if schema.get("type")?.as_str()? != "struct" {
            return None;
        }
        let columns = schema
            .get("fields")?
            .as_array()?
            .iter()
            .map(|f| Column {
                name: f.get("name").map(value_text).unwrap_or_default(),
                data_type: f.get("type").map(spark_type_name).unwrap_or_default(),
            })
            .collect();
        Some(Table {
            columns,
            rows: rows(value.get("data")?)?,
        })
    }
}

fn rows(data: &Value) -> Option<Vec<Vec<Value>>> {
    Some(
        data.as_array()?
            .iter()
            .map(|row| match row {
                Value::Array(cells) => cells.clone(),
                other => vec![other.clone()],
            })
            .collect(),
    )
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
    }
}
