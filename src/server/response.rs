//! Response builders with the exact headers Livy (Jetty + Scalatra) sends.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

/// `Content-Type` of every JSON answer.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";
/// `Content-Type` of Jetty's HTML error pages.
pub const HTML_CONTENT_TYPE: &str = "text/html;charset=iso-8859-1";

/// A JSON response with Livy's content type.
pub fn json(status: StatusCode, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    resp
}

/// A 201 JSON response with a `Location` header, as Livy answers creations.
pub fn created(location: &str, body: &Value) -> Response {
    let mut resp = json(StatusCode::CREATED, body);
    if let Ok(value) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    resp
}

/// The HTML page Jetty's `sendError` writes (see `csrf-post-without-header.json`).
pub fn jetty_error_page(status: StatusCode, path: &str, reason: &str) -> String {
    let code = status.as_u16();
    format!(
        "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=ISO-8859-1\"/>\n\
         <title>Error {code} </title>\n</head>\n<body>\n<h2>HTTP ERROR: {code}</h2>\n\
         <p>Problem accessing {path}. Reason:\n<pre>    {reason}</pre></p>\n\
         <hr /><a href=\"http://eclipse.org/jetty\">Powered by Jetty:// 9.3.24.v20180605</a><hr/>\n\
         </body>\n</html>\n"
    )
}

/// A Jetty HTML error response.
pub fn html_error(status: StatusCode, path: &str, reason: &str) -> Response {
    let mut resp = Response::new(Body::from(jetty_error_page(status, path, reason)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(HTML_CONTENT_TYPE));
    resp
}
