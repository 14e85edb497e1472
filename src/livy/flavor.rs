//! Vendor flavors of the Livy API: what differs from Apache Livy behind HDInsight, Knox,
//! EMR, Synapse, Fabric and Huawei DLI (see the variants reference). Paths below the base
//! URL, states and statement shapes are Livy's everywhere; a flavor changes the token header,
//! the fields a create body must or must not carry, the error body shape, and whether the API
//! has interactive sessions at all.

use super::requests::CreateSession;
use serde_json::Value;
use url::Url;

/// Which server the URL points at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flavor {
    /// Apache Livy itself (also EMR on EC2, Dataproc, Oracle BDS).
    #[default]
    Livy,
    /// Azure HDInsight's gateway (`https://CLUSTER.azurehdinsight.net/livy`): basic auth.
    HdInsight,
    /// Apache Knox in front of Livy (Cloudera CDP): rewrites `proxyUser` to the signed-in user.
    Knox,
    /// Amazon EMR on EC2 or EKS: Apache Livy.
    Emr,
    /// Azure Synapse Spark pools: bearer token, a session needs a name.
    Synapse,
    /// Microsoft Fabric lakehouses: bearer token, no session kind (statements carry it).
    Fabric,
    /// Huawei Cloud DLI: `X-Auth-Token`, batches only.
    Dli,
}

impl Flavor {
    pub const ALL: [Flavor; 7] = [
        Flavor::Livy,
        Flavor::HdInsight,
        Flavor::Knox,
        Flavor::Emr,
        Flavor::Synapse,
        Flavor::Fabric,
        Flavor::Dli,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Flavor::Livy => "livy",
            Flavor::HdInsight => "hdinsight",
            Flavor::Knox => "knox",
            Flavor::Emr => "emr",
            Flavor::Synapse => "synapse",
            Flavor::Fabric => "fabric",
            Flavor::Dli => "dli",
        }
    }

    /// The product's name, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Flavor::Livy => "Apache Livy",
            Flavor::HdInsight => "Azure HDInsight",
            Flavor::Knox => "Apache Knox",
            Flavor::Emr => "Amazon EMR",
            Flavor::Synapse => "Azure Synapse",
            Flavor::Fabric => "Microsoft Fabric",
            Flavor::Dli => "Huawei DLI",
        }
    }

    /// `livy`, `hdinsight`, … (case-insensitive).
    pub fn parse(text: &str) -> Option<Flavor> {
        Flavor::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text.trim()))
    }

    /// The names, for messages: "livy, hdinsight, …".
    pub fn names() -> String {
        Flavor::ALL.map(Flavor::name).join(", ")
    }

    /// The flavor a URL shows unambiguously, if any.
    pub fn detect(url: &Url) -> Option<Flavor> {
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let has = |name: &str| segments.iter().any(|s| s.eq_ignore_ascii_case(name));
        if (host.ends_with(".azurehdinsight.net") || host.ends_with(".azurehdinsight.cn")) && has("livy") {
            return Some(Flavor::HdInsight);
        }
        if has("livyApi") {
            if host.ends_with(".azuresynapse.net") || has("sparkPools") {
                return Some(Flavor::Synapse);
            }
            if host == "api.fabric.microsoft.com" || has("lakehouses") {
                return Some(Flavor::Fabric);
            }
        }
        if segments.first().is_some_and(|s| s.eq_ignore_ascii_case("v2.0")) && segments.len() >= 2 {
            return Some(Flavor::Dli);
        }
        if has("gateway") && segments.iter().any(|s| s.starts_with("cdp-proxy")) {
            return Some(Flavor::Knox);
        }
        None
    }

    /// The header a token goes in, when it is not `Authorization: Bearer`.
    pub fn token_header(self) -> Option<&'static str> {
        match self {
            Flavor::Dli => Some("X-Auth-Token"),
            _ => None,
        }
    }

    /// Whether the API has interactive sessions (DLI's Livy-shaped API is batches only).
    pub fn has_sessions(self) -> bool {
        self != Flavor::Dli
    }

    /// Whether the API has `/sessions/{id}/log` and `/state` (and the same for batches).
    /// Synapse and Fabric have neither: the object itself carries its state and last lines.
    pub fn has_log_and_state_endpoints(self) -> bool {
        !matches!(self, Flavor::Synapse | Flavor::Fabric)
    }

    /// Whether the server takes fields Apache Livy does not know (vendor `extra`).
    pub fn takes_extra_fields(self) -> bool {
        matches!(self, Flavor::Dli | Flavor::Synapse | Flavor::Fabric)
    }

    /// Fits a create body to what the server wants: Synapse needs a name, Fabric takes no
    /// kind, Knox replaces `proxyUser`. Returns what was changed, for the user to read.
    pub fn fit_session(self, request: &mut CreateSession, default_name: impl FnOnce() -> String) -> Vec<String> {
        let mut notes = Vec::new();
        match self {
            Flavor::Synapse if request.name.is_none() => {
                let name = default_name();
                notes.push(format!("Synapse needs a session name: using {name}"));
                request.name = Some(name);
            }
            Flavor::Fabric if request.kind.is_some() => {
                // Fabric sessions run every language; each statement says which.
                request.kind = None;
            }
            Flavor::Knox if request.resources.proxy_user.is_some() => {
                notes.push("Knox runs the session as the user you signed in as: proxyUser is ignored".into());
            }
            _ => {}
        }
        notes
    }
}

/// The message of a vendor error body: DLI's `{error_code, error_msg}`, Azure's
/// `{error: {code, message}}`, Fabric's `{errorCode, message}`; `None` for other shapes.
pub fn vendor_error_text(body: &Value) -> Option<String> {
    fn text(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
    let with_code = |message: &str, code: Option<&str>| match code {
        Some(code) => format!("{message} ({code})"),
        None => message.to_string(),
    };
    if let Some(message) = text(body.get("error_msg")) {
        return Some(with_code(message, text(body.get("error_code"))));
    }
    if let Some(error) = body.get("error").filter(|e| e.is_object())
        && let Some(message) = text(error.get("message"))
    {
        return Some(with_code(message, text(error.get("code"))));
    }
    if let Some(code) = text(body.get("errorCode"))
        && let Some(message) = text(body.get("message"))
    {
        return Some(with_code(message, Some(code)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn detect(url: &str) -> Option<Flavor> {
        Flavor::detect(&Url::parse(url).unwrap())
    }

    #[test]
    fn urls_that_say_which_server_they_are() {
        assert_eq!(detect("https://c1.azurehdinsight.net/livy"), Some(Flavor::HdInsight));
        assert_eq!(detect("https://c1.azurehdinsight.cn/livy/"), Some(Flavor::HdInsight));
        assert_eq!(
            detect("https://ws.dev.azuresynapse.net/livyApi/versions/2020-12-01/sparkPools/p1"),
            Some(Flavor::Synapse)
        );
        assert_eq!(
            detect("https://api.fabric.microsoft.com/v1/workspaces/w/lakehouses/l/livyApi/versions/2023-12-01"),
            Some(Flavor::Fabric)
        );
        assert_eq!(
            detect("https://dli.eu-west-101.myhuaweicloud.eu/v2.0/0123abcd"),
            Some(Flavor::Dli)
        );
        assert_eq!(
            detect("https://gw.example:8443/gateway/cdp-proxy-api/livy"),
            Some(Flavor::Knox)
        );
        for plain in [
            "http://localhost:8998",
            "https://edge.example.com:8998/",
            "https://c1.example.net/livy",
            "https://gw.example/gateway/default/livy",
        ] {
            assert_eq!(detect(plain), None, "{plain}");
        }
    }

    #[test]
    fn names_round_trip() {
        for flavor in Flavor::ALL {
            assert_eq!(Flavor::parse(flavor.name()), Some(flavor));
        }
        assert_eq!(Flavor::parse("HDInsight"), Some(Flavor::HdInsight));
        assert_eq!(Flavor::parse("databricks"), None);
        assert_eq!(Flavor::names(), "livy, hdinsight, knox, emr, synapse, fabric, dli");
    }

    #[test]
    fn vendor_error_bodies_become_their_message() {
        assert_eq!(
            vendor_error_text(&json!({"error_code": "DLI.0001", "error_msg": "Queue analytics does not exist"})),
            Some("Queue analytics does not exist (DLI.0001)".into())
        );
        assert_eq!(
            vendor_error_text(&json!({"error": {"code": "InvalidRequest", "message": "name is required"}})),
            Some("name is required (InvalidRequest)".into())
        );
        assert_eq!(
            vendor_error_text(
                &json!({"errorCode": "RequestBlocked", "message": "Too many requests", "requestId": "r"})
            ),
            Some("Too many requests (RequestBlocked)".into())
        );
        assert_eq!(vendor_error_text(&json!({"msg": "Session '3' not found."})), None);
        assert_eq!(vendor_error_text(&json!({"error": "plain"})), None);
    }

    #[test]
    fn create_bodies_fit_the_server() {
        let mut r = CreateSession {
            kind: Some(crate::livy::SessionKind::PySpark),
            ..CreateSession::default()
        };
        let notes = Flavor::Synapse.fit_session(&mut r, || "livy-tui-1".into());
        assert_eq!(r.name.as_deref(), Some("livy-tui-1"));
        assert_eq!(notes, ["Synapse needs a session name: using livy-tui-1"]);
        let notes = Flavor::Fabric.fit_session(&mut r, || unreachable!());
        assert_eq!((r.kind.clone(), notes.len()), (None, 0));
        let mut r = CreateSession::default();
        r.resources.proxy_user = Some("bob".into());
        assert_eq!(Flavor::Knox.fit_session(&mut r, String::new).len(), 1);
        assert!(Flavor::Livy.fit_session(&mut r, String::new).is_empty());
    }
}
