//! The Livy version the server impersonates; several response shapes depend on it.

use serde_json::{Value, json};

pub use crate::livy::LivyVersion;

/// The body of `GET /version`, shaped like the real build info of that release.
pub fn version_body(version: &str) -> Value {
    let parsed = LivyVersion::parse(version).unwrap_or(LivyVersion {
        major: 0,
        minor: 7,
        patch: 1,
    });
    // The real build info of 0.7.1 (see `version.json`); other versions get an obviously
    // synthetic revision rather than an invented one, so the field is never missing.
    let (revision, date) = if (parsed.major, parsed.minor, parsed.patch) == (0, 7, 1) {
        ("972b600d72629884140aec315ea925858eb67884", "2021-02-04T04:56:50Z")
    } else {
        ("0000000000000000000000000000000000000000", "1970-01-01T00:00:00Z")
    };
    json!({
        "url": "https://github.com/apache/incubator-livy.git",
        "branch": format!("branch-{}.{}", parsed.major, parsed.minor),
        "revision": revision,
        "version": version,
        "date": date,
        "user": "root",
    })
}

#[cfg(test)]
mod tests {
    use super::LivyVersion;

    #[test]
    fn parses_and_compares() {
        let v = LivyVersion::parse("0.7.1-incubating").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (0, 7, 1));
        assert!(v.at_least(0, 7) && !v.at_least(0, 8));
        assert!(LivyVersion::parse("0.9").unwrap().at_least(0, 9));
        assert!(LivyVersion::parse("banana").is_none());
    }
}
