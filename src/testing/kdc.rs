//! `TestKdc`: a throwaway MIT Kerberos realm on 127.0.0.1 for the SPNEGO tests.
//!
//! Everything lives in a temp directory: `krb5.conf` (no DNS, no reverse lookups, the KDC on
//! a free loopback port, TCP only), `kdc.conf`, the database (`kdb5_util create -s`),
//! principals (`kadmin.local addprinc`), keytabs (`ktadd`) and ticket caches (`kinit`, the
//! password on stdin). Nothing reads or changes this process's environment: each tool, and
//! each `livy-tui` under test, gets `KRB5_CONFIG` and `KRB5CCNAME` on its own command
//! ([`TestKdc::configure`]).
//!
//! `krb5kdc -n` runs under a small `sh` that stops it, and removes the directory, when its
//! stdin closes: when the `TestKdc` is dropped, and also when the test process dies without
//! dropping it.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Set to `1` (CI) to make a missing Kerberos tool fail the tests instead of skipping them.
pub const REQUIRE_KERBEROS_ENV: &str = "LIVY_TUI_REQUIRE_KERBEROS";

/// The realm's name.
pub const REALM: &str = "LIVY.TEST";

/// The programs a realm needs: (name, found at).
struct Tools {
    krb5kdc: PathBuf,
    kdb5_util: PathBuf,
    kadmin_local: PathBuf,
    kinit: PathBuf,
}

impl Tools {
    /// Looks in PATH and in the sbin directories (the KDC tools live there, often outside a
    /// user's PATH).
    fn find() -> Result<Tools, String> {
        let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        for extra in [
            "/usr/sbin",
            "/sbin",
            "/usr/local/sbin",
            "/opt/homebrew/opt/krb5/sbin",
            "/opt/homebrew/opt/krb5/bin",
            "/usr/local/opt/krb5/sbin",
            "/usr/local/opt/krb5/bin",
        ] {
            dirs.push(PathBuf::from(extra));
        }
        let find = |name: &str| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file());
        let mut missing = Vec::new();
        let mut get = |name: &'static str| {
            find(name).unwrap_or_else(|| {
                missing.push(name);
                PathBuf::new()
            })
        };
        let tools = Tools {
            krb5kdc: get("krb5kdc"),
            kdb5_util: get("kdb5_util"),
            kadmin_local: get("kadmin.local"),
            kinit: get("kinit"),
        };
        if missing.is_empty() {
            Ok(tools)
        } else {
            Err(format!(
                "MIT Kerberos tools not found: {} (Debian/Ubuntu: apt-get install krb5-kdc krb5-admin-server krb5-user)",
                missing.join(", ")
            ))
        }
    }
}

/// A running realm; its KDC stops and its directory goes when dropped.
pub struct TestKdc {
    dir: PathBuf,
    port: u16,
    tools: Tools,
    watchdog: Child,
    watchdog_stdin: Option<ChildStdin>,
    caches: AtomicUsize,
    started_in: Duration,
}

static REALMS: AtomicUsize = AtomicUsize::new(0);

impl TestKdc {
    /// A realm for a test, or `None` (after saying why on stderr) when the Kerberos tools
    /// are not installed. With `LIVY_TUI_REQUIRE_KERBEROS=1` a missing tool panics instead,
    /// so CI cannot skip these tests silently.
    pub fn start_or_skip(test: &str) -> Option<TestKdc> {
        match TestKdc::start() {
            Ok(kdc) => Some(kdc),
            Err(why) if std::env::var(REQUIRE_KERBEROS_ENV).as_deref() == Ok("1") => {
                panic!("{test}: {why} (and {REQUIRE_KERBEROS_ENV}=1)")
            }
            Err(why) => {
                // Straight to the stderr handle: the test harness captures `eprintln!` of
                // passing tests, and a skip must be seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED {test}: {why}; set {REQUIRE_KERBEROS_ENV}=1 to make this an error"
                );
                None
            }
        }
    }

    /// Creates and starts a realm with no principals but `krbtgt`. `Err` when a tool is
    /// missing; panics when a present tool fails.
    pub fn start() -> Result<TestKdc, String> {
        let tools = Tools::find()?;
        let began = Instant::now();
        let n = REALMS.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("livy-tui-kdc-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("TestKdc: cannot create {}: {e}", dir.display()));
        write_configs(&dir, free_port());
        run(
            Command::new(&tools.kdb5_util)
                .args(["create", "-s", "-r", REALM, "-P", "master-key-password"])
                .envs(base_env(&dir)),
            "kdb5_util create",
        );
        let mut last_failure = String::new();
        // A port found free may be taken before the KDC binds it: try a few.
        for attempt in 0..3 {
            let port = if attempt == 0 { config_port(&dir) } else { free_port() };
            write_configs(&dir, port);
            let (mut watchdog, stdin) = spawn_kdc(&tools.krb5kdc, &dir);
            if wait_ready(&mut watchdog, port, Duration::from_secs(5)) {
                return Ok(TestKdc {
                    dir,
                    port,
                    tools,
                    watchdog,
                    watchdog_stdin: Some(stdin),
                    caches: AtomicUsize::new(0),
                    started_in: began.elapsed(),
                });
            }
            last_failure = std::fs::read_to_string(dir.join("kdc.log")).unwrap_or_default();
            let mut stdin = stdin;
            let _ = writeln!(stdin, "keep");
            stop(&mut watchdog, stdin);
        }
        let _ = std::fs::remove_dir_all(&dir);
        panic!("TestKdc: krb5kdc did not start: {last_failure}");
    }

    /// How long creating the database and starting the KDC took.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// The KDC's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The realm's `krb5.conf`, for `KRB5_CONFIG`.
    pub fn krb5_conf(&self) -> PathBuf {
        self.dir.join("krb5.conf")
    }

    /// The temp directory of the realm.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Adds a user with a password.
    pub fn add_user(&self, name: &str, password: &str) {
        self.kadmin(&format!("addprinc -pw {password} {name}"), "created");
    }

    /// Adds a service principal (e.g. `HTTP/localhost`) with a random key and writes its
    /// keytab; returns the keytab's path.
    pub fn add_service(&self, principal: &str) -> PathBuf {
        let file: String = principal
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let keytab = self.dir.join(format!("{file}.keytab"));
        self.kadmin(&format!("addprinc -randkey {principal}"), "created");
        self.kadmin(&format!("ktadd -k {} {principal}", keytab.display()), "added to keytab");
        keytab
    }

    /// `kinit` for `user` with `password` (on stdin) into a new ticket cache file; returns
    /// the cache, for `KRB5CCNAME`. `lifetime` is kinit's `-l` (e.g. `"2s"`).
    pub fn kinit(&self, user: &str, password: &str, lifetime: Option<&str>) -> PathBuf {
        let cache = self.new_cache_path();
        let mut command = Command::new(&self.tools.kinit);
        command
            .envs(base_env(&self.dir))
            .env("KRB5CCNAME", format!("FILE:{}", cache.display()));
        if let Some(lifetime) = lifetime {
            command.args(["-l", lifetime]);
        }
        command.arg(format!("{user}@{REALM}"));
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("TestKdc: cannot run kinit: {e}"));
        let mut stdin = child.stdin.take().expect("kinit stdin");
        writeln!(stdin, "{password}").expect("kinit: write the password");
        drop(stdin);
        let out = child.wait_with_output().expect("kinit ran");
        assert!(
            out.status.success(),
            "TestKdc: kinit {user} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        cache
    }

    /// A ticket cache path with no cache in it (no `kinit` done).
    pub fn new_cache_path(&self) -> PathBuf {
        let n = self.caches.fetch_add(1, Ordering::SeqCst);
        self.dir.join(format!("ccache-{n}"))
    }

    /// Points a command at this realm and at the ticket cache `cache`, and keeps the
    /// developer's own Kerberos settings out.
    pub fn configure(&self, command: &mut Command, cache: &Path) {
        command
            .envs(base_env(&self.dir))
            .env("KRB5CCNAME", format!("FILE:{}", cache.display()))
            // No client keytab to get tickets from behind the test's back.
            .env(
                "KRB5_CLIENT_KTNAME",
                format!("FILE:{}", self.dir.join("no-client.keytab").display()),
            )
            .env_remove("KRB5_KTNAME")
            .env_remove("KRB5_TRACE");
    }

    /// The KDC's log, for diagnostics.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("kdc.log")).unwrap_or_default()
    }

    fn kadmin(&self, query: &str, expect: &str) {
        let out = Command::new(&self.tools.kadmin_local)
            .envs(base_env(&self.dir))
            .args(["-r", REALM, "-q", query])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("TestKdc: cannot run kadmin.local: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && text.contains(expect),
            "TestKdc: kadmin.local -q {query:?} failed: {text}"
        );
    }
}

impl Drop for TestKdc {
    fn drop(&mut self) {
        if let Some(stdin) = self.watchdog_stdin.take() {
            stop(&mut self.watchdog, stdin);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What every Kerberos tool run for this realm gets: its config, and no default cache of the
/// developer's.
fn base_env(dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("KRB5_CONFIG", dir.join("krb5.conf").display().to_string()),
        ("KRB5_KDC_PROFILE", dir.join("kdc.conf").display().to_string()),
        ("KRB5CCNAME", format!("FILE:{}", dir.join("admin-ccache").display())),
    ]
}

/// A port free for both TCP and UDP on 127.0.0.1, right now.
fn free_port() -> u16 {
    for _ in 0..50 {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = tcp.local_addr().expect("local addr").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("TestKdc: no free port on 127.0.0.1");
}

fn write_configs(dir: &Path, port: u16) {
    let d = dir.display();
    // TCP only (udp_preference_limit = 1): a stopped KDC is "connection refused" at once,
    // not a UDP timeout. A one-second clock skew lets a short ticket expire quickly.
    let krb5_conf = format!(
        "[libdefaults]
  default_realm = {REALM}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
  clockskew = 1
  forwardable = false
  default_ccache_name = FILE:{d}/no-default-ccache
  default_keytab_name = FILE:{d}/no-default.keytab
  kdc_timeout = 2s
  max_retries = 1

[realms]
  {REALM} = {{
    kdc = 127.0.0.1:{port}
  }}

[domain_realm]
  localhost = {REALM}
  127.0.0.1 = {REALM}
"
    );
    let kdc_conf = format!(
        "[kdcdefaults]
  kdc_listen = 127.0.0.1:{port}
  kdc_tcp_listen = 127.0.0.1:{port}

[realms]
  {REALM} = {{
    database_name = {d}/principal
    key_stash_file = {d}/stash
    acl_file = {d}/kadm5.acl
    max_life = 1h
    max_renewable_life = 0
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }}

[logging]
  kdc = FILE:{d}/kdc.log
"
    );
    std::fs::write(dir.join("krb5.conf"), krb5_conf).expect("write krb5.conf");
    std::fs::write(dir.join("kdc.conf"), kdc_conf).expect("write kdc.conf");
}

/// `krb5kdc -n` under `sh`, which kills it when its stdin reaches end of file or a line.
fn spawn_kdc(krb5kdc: &Path, dir: &Path) -> (Child, ChildStdin) {
    // The KDC runs in the background of a non-interactive shell, so its stdin is /dev/null
    // and only the shell holds the pipe.
    // End of file without a line (the test process ended, however it ended) also removes the
    // realm's directory; a line ("keep") leaves it for another try.
    let script = r#""$0" -n -r "$1" & kdc=$!
if read -r _; then keep=1; else keep=0; fi
kill "$kdc" 2>/dev/null; wait "$kdc"
[ "$keep" = 1 ] || rm -rf "$2""#;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(krb5kdc)
        .arg(REALM)
        .arg(dir)
        .envs(base_env(dir))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("TestKdc: cannot start krb5kdc: {e}"));
    let stdin = child.stdin.take().expect("watchdog stdin");
    (child, stdin)
}

/// The port the current `krb5.conf` names.
fn config_port(dir: &Path) -> u16 {
    let conf = std::fs::read_to_string(dir.join("krb5.conf")).expect("read krb5.conf");
    conf.split("kdc = 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .and_then(|p| p.trim().parse().ok())
        .expect("a kdc port in krb5.conf")
}

/// Waits until the KDC accepts TCP connections; false if it exits or `limit` passes.
fn wait_ready(watchdog: &mut Child, port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return true;
        }
        if matches!(watchdog.try_wait(), Ok(Some(_))) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

/// Closes the watchdog's stdin (the shell then stops the KDC) and waits a little for it.
fn stop(watchdog: &mut Child, stdin: ChildStdin) {
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match watchdog.try_wait() {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) if Instant::now() > deadline => {
                let _ = watchdog.kill();
                let _ = watchdog.wait();
                return;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn run(command: &mut Command, what: &str) {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("TestKdc: cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "TestKdc: {what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
