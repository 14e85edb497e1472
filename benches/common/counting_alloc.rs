//! A global allocator that counts live bytes and their peak, to show what a result costs
//! in memory. Each binary that uses it declares it:
//! `#[global_allocator] static ALLOC: Counting = Counting;`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting.
pub struct Counting;

// SAFETY: every call goes to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(live, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            let live = LIVE.fetch_add(new_size, Relaxed) + new_size;
            PEAK.fetch_max(live, Relaxed);
        }
        q
    }
}

/// Live and peak bytes of what `work` allocates (what existed before does not count), and
/// what it returns. Not for concurrent use: other threads' allocations count too.
pub fn measure<T>(work: impl FnOnce() -> T) -> (T, Usage) {
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let value = work();
    let usage = Usage {
        peak: PEAK.load(Relaxed).saturating_sub(before),
        kept: LIVE.load(Relaxed).saturating_sub(before),
    };
    (value, usage)
}

/// Bytes allocated by a piece of work.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// The most live at once.
    pub peak: usize,
    /// Still live when it returned (what it kept).
    pub kept: usize,
}
