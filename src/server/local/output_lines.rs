//! A child process's output read a line at a time, for the log of a local session or batch.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Calls `each` with every line of `stream` as it comes, until the stream ends. A line a
/// console progress bar redrew with `\r` counts as its last state; bytes that are not UTF-8
/// are replaced, never an error.
pub(super) async fn each_line(stream: impl AsyncRead + Unpin, mut each: impl FnMut(&str)) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text
            .trim_end_matches(['\n', '\r'])
            .rsplit('\r')
            .next()
            .unwrap_or_default();
        each(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_keep_the_last_redraw_and_survive_bad_bytes() {
        let input: &[u8] = b"one\r\n[==  ] 10%\r[====] 100%\nbad \xff byte\nlast";
        let mut seen = Vec::new();
        each_line(input, |line| seen.push(line.to_string())).await;
        assert_eq!(seen, ["one", "[====] 100%", "bad \u{fffd} byte", "last"]);
    }
}
