#!/usr/bin/env bash
# Peak memory (max RSS) against the horizon: one bundled example run at several horizons, once
# with `dcfs-sim run` (streamed tables, files, charts and report written) and once with the
# simulation alone (`benches` example `stream_memory`: rows streamed to a sink that drops them).
# Prints a Markdown table for BENCHMARKS.md.
#
# Usage: benches/memory.sh [EXAMPLE [DAYS...]]
#   benches/memory.sh                                   # baseline.toml at 10 90 365 730 days
#   benches/memory.sh partition-healing.toml 1 3 10
# Needs GNU time (/usr/bin/time). Builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."

example="${1:-baseline.toml}"
shift || true
days=("$@")
if [ ${#days[@]} -eq 0 ]; then days=(10 90 365 730); fi

if [ ! -x /usr/bin/time ]; then
  echo "memory.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2
  exit 2
fi
cargo build --release --locked -q -p dcfs-sim
cargo build --release --locked -q -p benches --example stream_memory
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "| scenario | horizon | \`dcfs-sim run\` time | its peak RSS | simulation alone: peak RSS |"
echo "|---|---|---|---|---|"
for d in "${days[@]}"; do
  file="$work/${example%.toml}-$d.toml"
  sed "s/^horizon_days = .*/horizon_days = $d/" "scenarios/examples/$example" > "$file"
  grep -q "^horizon_days = $d\$" "$file" || { echo "no horizon_days line in $example" >&2; exit 2; }
  /usr/bin/time -f "%e %M" -o "$work/time" ./target/release/dcfs-sim run "$file" --out "$work/out-$d" > /dev/null
  read -r secs kb < "$work/time"
  alone="$(./target/release/examples/stream_memory "$file" | sed 's/.*peak RSS \([0-9]* MB\).*/\1/')"
  echo "| \`$example\` | $d days | $secs s | $((kb / 1024)) MB | $alone |"
  rm -rf "$work/out-$d"
done
