//! Query-string parameters, parsed the way Scalatra's `params(...).toInt` fails.

use super::super::error::ApiError;

/// Decoded query parameters.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Parses a raw query string.
    pub fn parse(query: Option<&str>) -> Params {
        Params(
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// An int parameter; 400 `{"msg":"For input string: \"x\""}` when it is not one.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => text
                .parse::<i32>()
                .map(|n| Some(i64::from(n)))
                .map_err(|_| ApiError::bad_number(text)),
        }
    }

    /// `doAs`, the impersonation parameter every endpoint takes.
    pub fn do_as(&self) -> Option<String> {
        self.get("doAs").filter(|s| !s.is_empty()).map(str::to_string)
    }
}

/// Parses a path id like Scala's `toInt`.
pub(crate) fn parse_id(text: &str) -> Result<u64, ApiError> {
    text.parse::<i32>()
        .ok()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| ApiError::bad_number(text))
}
