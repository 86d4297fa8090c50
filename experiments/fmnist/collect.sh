#!/usr/bin/env bash
# Copies every finished run's summary (config.json, result.json, variant-*.json, log.jsonl and the
# CLI's printed table) from runs/ (git-ignored: it also holds the super-net checkpoints) into
# results/, which is committed, then writes the reports from the committed copies (the
# experiment's reports.sh: for this grid results/report.html, docs/report.png, results/ablations.html).
# Run from anywhere after run.sh; needs Debian's chromium for the PNG.
set -euo pipefail
# EXP_DIR: another experiment folder (runs/ -> results/, then its own reports.sh).
here="$(cd "${EXP_DIR:-$(dirname "$0")}" && pwd)"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mkdir -p "$here/results" docs
for run in "$here"/runs/*/; do
  name="$(basename "$run")"
  [[ -f "$run/result.json" ]] || { echo "skip $name (not finished)"; continue; }
  mkdir -p "$here/results/$name"
  cp "$run"/config.json "$run"/result.json "$run"/log.jsonl "$here/results/$name/"
  cp "$run"/variant-*.json "$here/results/$name/" 2>/dev/null || true
  [[ -f "$here/runs/$name.out" ]] && cp "$here/runs/$name.out" "$here/results/$name/summary.txt"
  [[ -f "$here/runs/$name.time" ]] && cp "$here/runs/$name.time" "$here/results/$name/cpu-time.jsonl"
done
cd "$here/results"
# The experiment's reports, written from the committed copies.
[[ -f "$here/reports.sh" ]] && ROOT="$root" bash "$here/reports.sh"
