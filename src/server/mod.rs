//! A Livy-compatible HTTP server (filled in by the server work).
