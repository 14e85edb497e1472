//! The Livy REST client.
