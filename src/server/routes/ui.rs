//! `/ui`: where Livy's `GET /` redirects, and what clients fetch to see that Livy is up. Livy
//! serves its web UI there; this is a plain page of the sessions and batches with links to
//! their logs. No scripts, and every string the server holds is escaped: names are whatever
//! a client sent.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::super::livy_server::ServerState;

/// `Content-Type` of the page.
const UI_CONTENT_TYPE: &str = "text/html;charset=utf-8";

/// One row of the page.
struct Row {
    id: u64,
    name: Option<String>,
    kind: &'static str,
    state: &'static str,
    app_id: Option<String>,
}

/// `GET /ui` and `GET /ui/`.
pub(crate) async fn page(State(state): State<Arc<ServerState>>) -> Response {
    let sessions: Vec<Row> = state
        .sessions
        .all()
        .iter()
        .map(|s| Row {
            id: s.id,
            name: s.name.clone(),
            kind: s.kind.as_str(),
            state: s.state().as_str(),
            app_id: s.interpreter().and_then(|i| i.app_id()),
        })
        .collect();
    let batches: Vec<Row> = state
        .batches
        .all()
        .iter()
        .map(|b| Row {
            id: b.id,
            name: b.name.clone(),
            kind: "batch",
            state: b.state().as_str(),
            app_id: b.app_id(),
        })
        .collect();
    let html = render(&state.config.version, &sessions, &batches);
    let mut resp = Response::new(Body::from(html));
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(UI_CONTENT_TYPE));
    // Names are user input: even escaped, nothing on this page may run.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    resp
}

/// The whole page.
fn render(version: &str, sessions: &[Row], batches: &[Row]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Livy</title>\n\
         <style>body{font-family:sans-serif}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style>\n</head>\n<body>\n",
    );
    let _ = writeln!(html, "<h1>Livy {}</h1>", escape(version));
    table(&mut html, "Sessions", "sessions", sessions);
    table(&mut html, "Batches", "batches", batches);
    html.push_str("</body>\n</html>\n");
    html
}

/// One section: a heading and a table, or a line saying there is none.
fn table(html: &mut String, title: &str, path: &str, rows: &[Row]) {
    let _ = writeln!(html, "<h2>{title}</h2>");
    if rows.is_empty() {
        let _ = writeln!(html, "<p>No {}.</p>", title.to_lowercase());
        return;
    }
    html.push_str("<table>\n<tr><th>id</th><th>name</th><th>kind</th><th>state</th><th>appId</th><th>log</th></tr>\n");
    for row in rows {
        let _ = writeln!(
            html,
            "<tr><td>{id}</td><td>{name}</td><td>{kind}</td><td>{state}</td><td>{app}</td>\
             <td><a href=\"/{path}/{id}/log\">log</a></td></tr>",
            id = row.id,
            name = escape(row.name.as_deref().unwrap_or("")),
            kind = escape(row.kind),
            state = escape(row.state),
            app = escape(row.app_id.as_deref().unwrap_or("")),
        );
    }
    html.push_str("</table>\n");
}

/// Text safe in HTML content and in quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_logs_linked() {
        let row = Row {
            id: 3,
            name: Some(r#"<script>alert("x")</script> & 'y'"#.into()),
            kind: "pyspark",
            state: "idle",
            app_id: Some("local-1764752783123".into()),
        };
        let html = render("0.7.1-incubating", &[row], &[]);
        assert!(
            html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("<a href=\"/sessions/3/log\">log</a>"), "{html}");
        assert!(html.contains("<td>local-1764752783123</td>"), "{html}");
        assert!(html.contains("<p>No batches.</p>"), "{html}");
    }
}
