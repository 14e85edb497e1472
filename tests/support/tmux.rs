//! A private tmux server with one pane, for driving the real binary as a person would:
//! keys, typed text, the screen as text (or with colours), waiting for something to show.
//! The server and its socket file go away on drop.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One pane of a private tmux server.
pub struct Pane {
    socket: String,
    /// The socket's file (`kill-server` leaves it behind).
    socket_path: String,
    /// How long `wait_for` and `wait_until` wait.
    patience: Duration,
}

impl Pane {
    /// Runs the shell `command` in a new `width`×`height` pane with `dir` as its working
    /// directory, on a tmux server of its own named after `name`.
    pub fn start(name: &str, dir: &Path, command: &str, width: u16, height: u16, patience: Duration) -> Pane {
        assert!(
            Command::new("tmux")
                .arg("-V")
                .output()
                .is_ok_and(|o| o.status.success()),
            "these tests need tmux (apt-get install tmux); .ci/test installs it"
        );
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let socket = format!("livy-tui-{name}-{}-{n}", std::process::id());
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .args(["-c", dir.to_str().unwrap()])
            .arg(command)
            .status()
            .unwrap();
        assert!(status.success());
        let mut pane = Pane {
            socket,
            socket_path: String::new(),
            patience,
        };
        pane.socket_path = pane
            .tmux(&["display-message", "-p", "#{socket_path}"])
            .trim()
            .to_string();
        pane
    }

    /// The socket name (`tmux -L NAME`), unique per pane.
    pub fn socket(&self) -> &str {
        &self.socket
    }

    /// Runs a tmux command on this server; its stdout.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "0"])
    }

    /// The screen with its colours (SGR sequences).
    pub fn coloured_screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-e", "-t", "0"])
    }

    /// Sends tmux key names (`C-e`, `Escape`, `Enter`).
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "0", k]);
            if *k == "Escape" {
                // ESC and a key arriving together is how terminals spell Alt+key; a person
                // pauses between them.
                std::thread::sleep(Duration::from_millis(150));
            }
        }
    }

    /// Types `text` literally, in small pieces (tmux cuts long literals).
    pub fn text(&self, text: &str) {
        let chars: Vec<char> = text.chars().collect();
        for piece in chars.chunks(24) {
            let piece: String = piece.iter().collect();
            self.tmux(&["send-keys", "-t", "0", "-l", &piece]);
        }
    }

    /// Types `text` with Enter between its lines.
    pub fn lines(&self, text: &str) {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.keys(&["Enter"]);
            }
            self.text(line);
        }
    }

    /// Waits until the screen shows `what`; the screen.
    pub fn wait_for(&self, what: &str) -> String {
        self.wait_until(what, |s| s.contains(what))
    }

    /// Waits until `check` holds for the screen; `what` names it in the failure.
    pub fn wait_until(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        self.wait_within(what, self.patience, check)
    }

    /// As [`Pane::wait_until`], for at most `limit`.
    pub fn wait_within(&self, what: &str, limit: Duration, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited {limit:?} for {what:?}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// (alternate screen on, mouse reporting on) for the pane.
    pub fn modes(&self) -> (String, String) {
        let out = self.tmux(&["display", "-p", "-t", "0", "#{alternate_on} #{mouse_any_flag}"]);
        let mut parts = out.split_whitespace().map(str::to_string);
        (parts.next().unwrap_or_default(), parts.next().unwrap_or_default())
    }

    /// Kills what runs in the pane and runs `command` there instead.
    pub fn respawn(&self, command: &str) {
        self.tmux(&["respawn-pane", "-k", "-t", "0", command]);
    }

    /// The pid of the pane's shell.
    pub fn shell_pid(&self) -> String {
        self.tmux(&["display-message", "-p", "-t", "0", "#{pane_pid}"])
            .trim()
            .to_string()
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
        if !self.socket_path.is_empty() {
            let _ = std::fs::remove_file(&self.socket_path);
        }
    }
}

/// The shell command a pane runs: livy-tui with a clean environment, its state directory
/// inside `dir` (recovery copies never land in the user's home), then its exit code.
fn command_line(dir: &std::path::Path, url: &str, env: &str, args: &str) -> String {
    let log = dir.join("livy-tui.log");
    format!(
        "env -u LIVY_URL -u LIVY_USER -u LIVY_TOKEN -u NO_COLOR TERM=xterm-256color LIVY_TUI_STATE_DIR={state} {env} {bin} --url {url} --log-file {log} {args}; echo EXITED=$?; sleep 60",
        state = dir.join("state").display(),
        bin = env!("CARGO_BIN_EXE_livy-tui"),
        log = log.display(),
    )
}

/// A private tmux server running livy-tui in one pane; killed on drop.
pub struct NotebookPane {
    pane: Pane,
    /// The working directory of livy-tui (exports land here; its state directory, with
    /// recovery copies, is `state/` in it).
    pub dir: tempfile::TempDir,
    url: String,
    env: String,
}

impl std::ops::Deref for NotebookPane {
    type Target = Pane;

    fn deref(&self) -> &Pane {
        &self.pane
    }
}

impl NotebookPane {
    pub fn start(livy: &super::TestLivy, args: &str, width: u16, height: u16) -> NotebookPane {
        NotebookPane::start_with_env(livy, "", args, width, height)
    }

    pub fn start_with_env(livy: &super::TestLivy, env: &str, args: &str, width: u16, height: u16) -> NotebookPane {
        let dir = tempfile::tempdir().unwrap();
        let command = command_line(dir.path(), &livy.url(), env, args);
        let pane = Pane::start("e2e", dir.path(), &command, width, height, Duration::from_secs(20));
        // Let OSC 52 from the app reach tmux's paste buffer, as a user's terminal would.
        pane.tmux(&["set-option", "-s", "set-clipboard", "on"]);
        NotebookPane {
            pane,
            dir,
            url: livy.url(),
            env: env.to_string(),
        }
    }

    /// Kills livy-tui with SIGKILL (no chance to clean up), as a crash or `kill -9` would.
    pub fn kill_9(&self) {
        let status = Command::new("pkill")
            .args(["-9", "-P", &self.shell_pid()])
            .status()
            .unwrap();
        assert!(status.success(), "livy-tui was running");
    }

    /// Sends livy-tui SIGHUP, as a closed terminal or a dropped ssh connection does.
    pub fn hang_up(&self) {
        let status = Command::new("pkill")
            .args(["-HUP", "-P", &self.shell_pid()])
            .status()
            .unwrap();
        assert!(status.success(), "livy-tui was running");
    }

    /// Quits, discarding unsaved changes and deleting the session the notebook created, and
    /// waits for a clean exit.
    pub fn quit_discarding_and_deleting(&self) {
        self.keys(&["C-q"]);
        self.wait_for("unsaved changes");
        self.keys(&["d"]);
        self.wait_for("Delete it");
        self.keys(&["y"]);
        self.wait_for("EXITED=0");
    }

    /// Starts livy-tui again in the same pane, directory and state directory.
    pub fn restart(&self, args: &str) {
        let command = command_line(self.dir.path(), &self.url, &self.env, args);
        self.respawn(&command);
    }
}
