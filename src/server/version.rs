//! The Livy version the server impersonates; several response shapes depend on it.

use serde_json::{Value, json};

/// A parsed Livy version such as `0.7.1-incubating` (the suffix is ignored for comparisons).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LivyVersion {
    /// Major component (always 0 so far).
    pub major: u32,
    /// Minor component: the one that gates features.
    pub minor: u32,
    /// Patch component.
    pub patch: u32,
}

impl LivyVersion {
    /// Parses `0.7.1-incubating`, `0.8.0`, `0.9`; missing parts count as 0.
    pub fn parse(text: &str) -> Option<LivyVersion> {
        let core = text.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>());
        let major = parts.next()?.ok()?;
        let minor = parts.next().unwrap_or(Ok(0)).ok()?;
        let patch = parts.next().unwrap_or(Ok(0)).ok()?;
        Some(LivyVersion { major, minor, patch })
    }

    /// True when this version is `major.minor` or newer.
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

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
