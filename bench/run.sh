#!/usr/bin/env bash
# Runs the side-by-side benchmarks and summarises them with benchstat, one
# column per implementation, so every figure reads as a ratio to udpool in
# the same run. Usage: bench/run.sh [count] [benchtime] [pattern]
set -euo pipefail
cd "$(dirname "$0")"
count=${1:-10}
benchtime=${2:-200ms}
pattern=${3:-.}
out=results/$(date -u +%Y%m%d-%H%M%S).txt
mkdir -p results
command -v benchstat >/dev/null || go install golang.org/x/perf/cmd/benchstat@latest
{
	echo "# $(date -u +%Y-%m-%d) $(go version | cut -d' ' -f3-) $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
	go test -run '^$' -bench "$pattern" -benchmem -count "$count" -benchtime "$benchtime" ./...
} | tee "$out"
benchstat -col /impl "$out"
