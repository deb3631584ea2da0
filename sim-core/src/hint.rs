//! Cache hints: start loading state a later event will read, without changing any value.
//!
//! A memory-bound event loop (a gossip overlay of 100,000 nodes: ~15 MB of node state read at
//! random) stalls on the first load of each event's state. A plain load issued early does not
//! help much: it still has to complete before the instructions after it retire. A prefetch
//! retires at once. std has no stable prefetch and the workspace forbids `unsafe`, so this uses
//! `safe_arch`'s, which takes a reference (a prefetch never faults). Elsewhere it does nothing.

/// Starts loading the cache line holding `x` into L1.
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_t0(x);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// [`prefetch_once`] of the lines of `items` from the first to the one holding byte
/// `bytes_max - 1` of the slice (fewer if the slice is shorter).
#[inline(always)]
pub fn prefetch_prefix<T>(items: &[T], bytes_max: usize) {
    const LINE_BYTES: usize = 64;
    let size = std::mem::size_of::<T>().max(1);
    let step = (LINE_BYTES / size).max(1);
    let last = items.len().min(bytes_max.div_ceil(size));
    for x in items[..last].iter().step_by(step) {
        prefetch_once(x);
    }
}

/// Starts loading the cache line holding `x` for one use soon (non-temporal: on x86 it does not
/// displace what the outer caches hold).
#[inline(always)]
pub fn prefetch_once<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    safe_arch::prefetch_nta(x);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
