//! Peak memory of the simulation itself: runs a scenario file with a sink that counts and drops
//! the streamed rows (no files, no report) and prints the process's peak RSS (Linux `VmHWM`).
//!
//! `cargo run --release -p benches --example stream_memory -- FILE` (see BENCHMARKS.md).

use std::process::ExitCode;

/// Counts the rows a run streams and drops them.
struct CountingSink(u64);

impl scenarios::TableSink for CountingSink {
    fn write_batch(&mut self, batch: scenarios::Table) -> Result<(), scenarios::SinkError> {
        self.0 += batch.rows() as u64;
        Ok(())
    }
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: stream_memory FILE");
        return ExitCode::from(2);
    };
    let loaded = match scenarios::load(std::path::Path::new(&file)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut sink = CountingSink(0);
    match scenarios::run_streaming(&loaded.spec, &mut sink) {
        Ok(out) => {
            let peak = peak_rss_kb()
                .map_or_else(|| "unknown".to_owned(), |kb| format!("{} MB", kb / 1024));
            println!(
                "{file}: {} days, {} rows streamed, {} tables kept, peak RSS {peak}, digest {}",
                loaded.spec.horizon_days(),
                sink.0,
                out.tables.len(),
                out.digest
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{file}: {e}");
            ExitCode::FAILURE
        }
    }
}
