#!/usr/bin/env bash
# Runs this folder's grid (grid.tsv: SPOS and GDAS on DARTS, seeds 0-4 (the issue asks for 3; 2 more
# for the paired statistics), each with and without the landmark term) with experiments/fmnist/run.sh:
# resumable, JOBS runs at a time (default 1 here: the native backend on one thread, leaving a core for
# the rest), into runs/<name>.
# Needs the finished table data/fmnist-darts (README: how it was built; resumable the same way).
# Run from the repository root after `npm ci && npx turbo run build --filter=lmreg...`:
#   JOBS=1 nohup bash experiments/fmnist-darts/run.sh > darts-grid.log 2>&1 &
#   EXP_DIR=experiments/fmnist-darts bash experiments/fmnist/collect.sh   # copy finished runs to results/
here="$(cd "$(dirname "$0")" && pwd)"
EXP_DIR="$here" JOBS="${JOBS:-1}" exec bash "$here/../fmnist/run.sh" "$@"
