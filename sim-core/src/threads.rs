//! How many threads one run may use for its own work: settlement chunks, the contracts' thread,
//! the table writer, chart drawing. One process-wide setting, decided once by the front end
//! (`--threads`, the Python `threads=` argument) and read wherever a run could split its work.
//! No reading of it may change a result: it only decides how work is cut and where it runs.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The setting (0: as many as the machine has cores).
static RUN_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads one run may use (0: the machine's cores; 1: the calling thread alone).
pub fn set_run_threads(threads: usize) {
    RUN_THREADS.store(threads, Ordering::Relaxed);
}

/// Threads one run may use from the calling thread: the [`set_run_threads`] setting, and 1 on a
/// rayon pool's thread (a sweep's run, whose siblings already occupy the other cores).
pub fn run_threads() -> usize {
    if rayon::current_thread_index().is_some() {
        return 1;
    }
    match RUN_THREADS.load(Ordering::Relaxed) {
        0 => machine_cores(),
        t => t,
    }
}

/// The machine's cores, asked once: `available_parallelism` reads cgroup files on Linux (an
/// open and reads per call, ~2% of a 10,000-node economy when it was asked every day).
fn machine_cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rayon worker is always held to one thread, whatever the setting.
    #[test]
    fn a_pool_thread_gets_one() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(pool.install(run_threads), 1);
        assert!(run_threads() >= 1);
    }
}
