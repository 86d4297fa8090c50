#!/usr/bin/env bash
# The reports of the NB201 grid, run by collect.sh inside results/ (ROOT: the repository root):
#   results/report.html + docs/report.png   the main grid (SPOS / GDAS / NAO x 5 seeds, with and
#       without landmarks) and the cost settings (5 seeds each; abl-every-4 and abl-rankbatch-32
#       are seed 0 of two of them): results, paired gains with intervals, cost charts
#   results/ablations.html                  SPOS seed 0 with the paper's defaults and each ablation
set -euo pipefail
main=(); for d in spos-s* gdas-s* nao-s* cost-* abl-every-4 abl-rankbatch-32; do [[ -f "$d/result.json" ]] && main+=("$d"); done
abl=(); for d in spos-s0 abl-*; do [[ -f "$d/result.json" ]] && abl+=("$d"); done
node "$ROOT/packages/lmreg/dist/cli.js" report "${main[@]}" -o report.html --png "$ROOT/docs/report.png" --png-figures-only
node "$ROOT/packages/lmreg/dist/cli.js" report "${abl[@]}" -o ablations.html
