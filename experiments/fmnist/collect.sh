#!/usr/bin/env bash
# Copies every finished run's summary (config.json, result.json, variant-*.json, log.jsonl and the
# CLI's printed table) from runs/ (git-ignored: it also holds the super-net checkpoints) into
# results/, which is committed, then writes the reports from the committed copies:
#   results/report.html + docs/report.png   main grid (SPOS / GDAS / NAO x 3 seeds, with and without landmarks)
#   results/ablations.html                  SPOS seed 0 with the paper's defaults and each ablation
# Run from anywhere after run.sh; needs Debian's chromium for the PNG.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
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
main=(); for d in spos-s* gdas-s* nao-s*; do [[ -f "$d/result.json" ]] && main+=("$d"); done
abl=(); for d in spos-s0 abl-*; do [[ -f "$d/result.json" ]] && abl+=("$d"); done
node "$root/packages/lmreg/dist/cli.js" report "${main[@]}" -o report.html --png "$root/docs/report.png" --png-figures-only
node "$root/packages/lmreg/dist/cli.js" report "${abl[@]}" -o ablations.html
