//! Process groups of local drivers. A driver runs in its own group, and the JVM that
//! pyspark starts joins it, so killing the group leaves nothing behind. Every live group is
//! listed so that whoever owns the server can kill them all, even without awaiting.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The groups of the drivers a backend started.
#[derive(Clone, Default)]
pub struct Groups {
    live: Arc<Mutex<HashSet<i32>>>,
}

impl Groups {
    /// Tracks the group led by `pid` (a child started with `process_group(0)`).
    pub(crate) fn track(&self, pid: Option<u32>) -> ProcessGroup {
        let pgid = pid.and_then(|p| i32::try_from(p).ok()).filter(|p| *p > 0);
        if let Some(pgid) = pgid {
            self.lock().insert(pgid);
        }
        ProcessGroup {
            pgid,
            groups: self.clone(),
        }
    }

    /// Kills every group still tracked (SIGKILL): the last resort when the owner exits.
    pub fn kill_all(&self) {
        let groups: Vec<i32> = self.lock().drain().collect();
        for pgid in groups {
            kill_group(pgid);
        }
    }

    /// How many driver groups are alive.
    pub fn live(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<i32>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One driver's process group; killed when dropped.
pub(crate) struct ProcessGroup {
    pgid: Option<i32>,
    groups: Groups,
}

impl ProcessGroup {
    /// Kills the whole group (driver and JVM) with SIGKILL; harmless once it is gone.
    pub fn kill(&self) {
        if let Some(pgid) = self.pgid
            && self.groups.lock().remove(&pgid)
        {
            kill_group(pgid);
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

fn kill_group(pgid: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group we created; at worst the
    // group is already gone (ESRCH).
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}
