//! Loading memory is linear in the file size (issue 17: a valid 389 KB scenario, an
//! inline manifest with long keys and 20,000 entries, needed 2.0 GB to load: the
//! position index kept every node's path, and below long keys each path is long).
//! This test binary counts its own allocations with a global allocator and holds one
//! test only, so nothing else allocates beside the measurement; past a budget the
//! allocator refuses, so a regression fails at once instead of eating the machine.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Bytes the allocator may hand out at once (unlimited until the test sets it).
static BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Count `by` more bytes, or refuse them (false) past the budget.
fn grow(by: usize) -> bool {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    if now > BUDGET.load(Relaxed) {
        LIVE.fetch_sub(by, Relaxed);
        let msg =
            b"tests/memory.rs: loading went past its memory budget (40x the file): aborting\n";
        // SAFETY: a write of a static buffer to stderr; no allocation here
        unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
        return false;
    }
    PEAK.fetch_max(now, Relaxed);
    true
}

// SAFETY: every call is passed on to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !grow(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !grow(layout.size()) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !grow(new_size) {
            return std::ptr::null_mut();
        }
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            LIVE.fetch_sub(new_size, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most bytes held at once while `f` runs, beyond what was held before.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed).saturating_sub(before))
}

/// A valid scenario of about `bytes` bytes: an inline ConfigMap whose data sits
/// below `levels` keys of `key_len` characters each, with as many entries as fit.
/// With long keys above them, every entry's path is long: the shape that took
/// 5,000x its size. `levels: 0` is a flat map of long keys.
fn big_scenario(bytes: usize, levels: usize, key_len: usize) -> String {
    let mut s = String::from(
        "apiVersion: kdrill.dev/v1alpha1\nkind: Scenario\nname: a big inline manifest\nsteps:\n  - apply:\n      manifest:\n        apiVersion: v1\n        kind: ConfigMap\n        metadata: {name: big}\n        data:\n",
    );
    let mut indent = " ".repeat(10);
    for level in 0..levels {
        let _ = writeln!(s, "{indent}level-{level}-{}:", "k".repeat(key_len));
        indent.push_str("  ");
    }
    let mut i = 0;
    while s.len() < bytes {
        let _ = writeln!(
            s,
            "{indent}a-rather-long-configuration-key-number-{i:07}.example.com: \"value {i}\""
        );
        i += 1;
    }
    s.push_str("  - assert: {object: configmap/big, matches: {metadata: {name: big}}}\n");
    s
}

/// What `kdrill lint FILE` does (discover, load, check, warn), and the most bytes it
/// held at once, as a multiple of the file's size.
fn lint_peak(dir: &std::path::Path, name: &str, text: &str) -> f64 {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let size = text.len();
    BUDGET.store(LIVE.load(Relaxed) + 40 * size, Relaxed);
    let ((scenarios, errors, warnings), peak) = peak_of(|| {
        let (scenarios, errors) = kdrill::scenario::load_all(std::slice::from_ref(&file));
        let warnings: usize = scenarios
            .iter()
            .map(|s| kdrill::lint::warnings(s).len())
            .sum();
        (scenarios.len(), errors, warnings)
    });
    BUDGET.store(usize::MAX, Relaxed);
    assert!(errors.is_empty(), "{name}: {errors:?}");
    assert_eq!((scenarios, warnings), (1, 0), "{name}");
    let ratio = peak as f64 / size as f64;
    eprintln!(
        "{name}: {size} bytes, at most {peak} bytes held at once while linting ({ratio:.1}x)"
    );
    ratio
}

#[test]
fn linting_a_1_mb_scenario_holds_less_than_20x_its_size() {
    let dir = tempfile::tempdir().unwrap();
    const MB: usize = 1024 * 1024;
    for (name, levels, key_len) in [("below-long-keys.yaml", 40, 1000), ("long-keys.yaml", 0, 0)] {
        let ratio = lint_peak(dir.path(), name, &big_scenario(MB, levels, key_len));
        assert!(
            ratio < 20.0,
            "{name}: linting a 1 MB scenario held {ratio:.1}x its size at once (at most 20x)"
        );
    }
}
