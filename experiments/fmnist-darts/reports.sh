#!/usr/bin/env bash
# The DARTS section's report, run by experiments/fmnist/collect.sh inside results/ (ROOT: the repository root).
set -euo pipefail
runs=(); for d in spos-s* gdas-s*; do [[ -f "$d/result.json" ]] && runs+=("$d"); done
node "$ROOT/packages/lmreg/dist/cli.js" report "${runs[@]}" -o report.html --title "DARTS space on Fashion-MNIST (16x16, C = 8, 5 cells)"
