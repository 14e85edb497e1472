//! What a 401 asks for: the schemes named in `WWW-Authenticate`, turned into a hint that says
//! which credentials to give. A bare "check your credentials" sends a user who gave none
//! hunting; the challenge says whether the server wants a password, a token or Kerberos.

/// The credentials a request carried, so a 401 can say "rejected" rather than "missing".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SentCredentials {
    None,
    Basic,
    Bearer,
    /// An `Authorization` header given with `--header`.
    Header,
    /// A Kerberos (SPNEGO) token.
    Negotiate,
}

/// An authentication scheme a server offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheme {
    Basic,
    Bearer,
    /// Kerberos through SPNEGO (`Negotiate`; some servers say `Kerberos`).
    Negotiate,
    /// Anything else (Digest, NTLM, a vendor's own), as the server spelled it.
    Other(String),
}

/// The schemes in `WWW-Authenticate` values, first occurrence order, without repeats.
/// Several header lines may be passed joined with `, ` (HTTP allows exactly that).
pub fn schemes(www_authenticate: &str) -> Vec<Scheme> {
    let mut found = Vec::new();
    for element in split_outside_quotes(www_authenticate) {
        let element = element.trim();
        let name_len = element.find(|c: char| !is_token_char(c)).unwrap_or(element.len());
        if name_len == 0 {
            continue;
        }
        // `realm="x"` after a comma is a parameter of the previous challenge, not a scheme:
        // a scheme name is followed by nothing, or by a space and then not `=`.
        let after = element[name_len..].trim_start();
        if after.starts_with('=') {
            continue;
        }
        let name = &element[..name_len];
        let scheme = match name.to_ascii_lowercase().as_str() {
            "basic" => Scheme::Basic,
            "bearer" => Scheme::Bearer,
            "negotiate" | "kerberos" => Scheme::Negotiate,
            _ => Scheme::Other(name.to_string()),
        };
        if !found.contains(&scheme) {
            found.push(scheme);
        }
    }
    found
}

/// The hint for a 401: what the server asks for and what to pass. `None` when the server
/// named no scheme.
pub fn hint(www_authenticate: &str, sent: SentCredentials) -> Option<String> {
    let offered = schemes(www_authenticate);
    let hint = match offered.as_slice() {
        [] => return None,
        [Scheme::Basic] if sent == SentCredentials::Basic => {
            "the server rejected the user or password (Basic auth): check --user and the password (LIVY_PASSWORD, --password-command)".to_string()
        }
        [Scheme::Basic] => format!(
            "the server asks for a user and password (Basic auth){}: pass --user NAME, with the password in LIVY_PASSWORD or from --password-command",
            not_what_was_sent(sent)
        ),
        [Scheme::Bearer] if sent == SentCredentials::Bearer => {
            "the server rejected the bearer token: it may have expired; get a fresh one (LIVY_TOKEN, --token-file, --token-command)".to_string()
        }
        [Scheme::Bearer] => format!(
            "the server asks for a bearer token{}: put it in LIVY_TOKEN, or pass --token-file FILE or --token-command CMD",
            not_what_was_sent(sent)
        ),
        [Scheme::Negotiate] if sent == SentCredentials::Negotiate => {
            "the server refused the Kerberos credentials: kinit again, or pass the service principal Livy runs as with --spn HTTP@HOST".to_string()
        }
        [Scheme::Negotiate] => format!(
            "the server asks for Kerberos (Negotiate/SPNEGO){}: run kinit, then pass --auth kerberos",
            not_what_was_sent(sent)
        ),
        [Scheme::Other(name)] => format!(
            "the server asks for {name} authentication, which livy-tui does not support: reach Livy through a gateway that takes --user or a token"
        ),
        several => {
            let rejected = several.iter().any(|s| {
                matches!(
                    (s, sent),
                    (Scheme::Basic, SentCredentials::Basic)
                        | (Scheme::Bearer, SentCredentials::Bearer)
                        | (Scheme::Negotiate, SentCredentials::Negotiate)
                )
            });
            let names: Vec<String> = several.iter().map(describe).collect();
            let (last, rest) = names.split_last()?;
            let list = format!("{} or {last}", rest.join(", "));
            if rejected {
                format!("the server rejected the credentials; it accepts {list}")
            } else {
                format!("the server accepts {list}")
            }
        }
    };
    Some(hint)
}

/// A scheme and how to satisfy it, for the list of several.
fn describe(scheme: &Scheme) -> String {
    match scheme {
        Scheme::Basic => "Basic (a user and password: --user NAME)".into(),
        Scheme::Bearer => "Bearer (a token: LIVY_TOKEN, --token-file or --token-command)".into(),
        Scheme::Negotiate => "Negotiate (Kerberos: kinit, then --auth kerberos)".into(),
        Scheme::Other(name) => format!("{name} (not supported by livy-tui)"),
    }
}

/// Says so when the request carried credentials of another kind than the one asked for.
fn not_what_was_sent(sent: SentCredentials) -> &'static str {
    match sent {
        SentCredentials::None => "",
        SentCredentials::Basic => ", not a user and password",
        SentCredentials::Bearer => ", not a token",
        SentCredentials::Header => ", not the Authorization header given",
        SentCredentials::Negotiate => ", not Kerberos",
    }
}

/// Splits on commas that are not inside a quoted string (`realm="a, b"` stays whole).
fn split_outside_quotes(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// RFC 9110 `tchar`: the characters of a scheme name.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_token68_are_not_schemes() {
        assert_eq!(
            schemes(r#"Basic realm="a, b", charset="UTF-8", Bearer realm = "x", error="invalid_token""#),
            vec![Scheme::Basic, Scheme::Bearer]
        );
        assert_eq!(schemes("Negotiate YIIB=="), vec![Scheme::Negotiate]);
        assert_eq!(
            schemes("negotiate, NTLM, Negotiate"),
            vec![Scheme::Negotiate, Scheme::Other("NTLM".into())]
        );
        assert_eq!(schemes(""), vec![]);
        assert_eq!(schemes(" , "), vec![]);
    }

    #[test]
    fn the_hint_follows_what_was_asked_and_what_was_sent() {
        let basic = hint(r#"Basic realm="livy""#, SentCredentials::None).unwrap();
        assert!(basic.contains("--user NAME") && !basic.contains("rejected"), "{basic}");
        let basic = hint(r#"Basic realm="livy""#, SentCredentials::Basic).unwrap();
        assert!(basic.contains("rejected"), "{basic}");
        let basic = hint("Basic", SentCredentials::Bearer).unwrap();
        assert!(basic.contains("not a token"), "{basic}");
        let bearer = hint("Bearer", SentCredentials::None).unwrap();
        assert!(
            bearer.contains("LIVY_TOKEN") && !bearer.contains("rejected"),
            "{bearer}"
        );
        let bearer = hint("Bearer", SentCredentials::Bearer).unwrap();
        assert!(bearer.contains("expired"), "{bearer}");
        let kerberos = hint("Negotiate", SentCredentials::Basic).unwrap();
        assert_eq!(
            kerberos,
            "the server asks for Kerberos (Negotiate/SPNEGO), not a user and password: run kinit, then pass --auth kerberos"
        );
        let kerberos = hint("Negotiate", SentCredentials::Negotiate).unwrap();
        assert!(
            kerberos.contains("refused") && kerberos.contains("kinit") && kerberos.contains("--spn"),
            "{kerberos}"
        );
        let digest = hint(r#"Digest realm="x", nonce="1""#, SentCredentials::None).unwrap();
        assert!(
            digest.starts_with("the server asks for Digest authentication"),
            "{digest}"
        );
        assert_eq!(hint("", SentCredentials::None), None);
    }

    #[test]
    fn several_schemes_are_all_named() {
        let h = hint("Negotiate, Basic realm=\"x\", Bearer", SentCredentials::None).unwrap();
        assert_eq!(
            h,
            "the server accepts Negotiate (Kerberos: kinit, then --auth kerberos), Basic (a user and password: --user NAME) or Bearer (a token: LIVY_TOKEN, --token-file or --token-command)"
        );
        let h = hint("Negotiate, Basic", SentCredentials::Basic).unwrap();
        assert!(
            h.starts_with("the server rejected the credentials; it accepts Negotiate"),
            "{h}"
        );
    }
}
