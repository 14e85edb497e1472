//! Kerberos through SPNEGO (`Authorization: Negotiate`), as `curl --negotiate -u :` does it:
//! the user's ticket from `kinit`, a fresh security context per handshake, mutual
//! authentication, no delegation. The system GSSAPI library is loaded at run time
//! ([`gssapi`]); [`negotiate`] is the HTTP side the client drives.

pub mod gssapi;
pub mod negotiate;

pub use gssapi::{GssError, NameForm};
pub use negotiate::{Handshake, ServiceName, service_name};
