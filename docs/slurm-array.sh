#!/usr/bin/env bash
# A ground-truth table built by a Slurm job array: 8 tasks share one table folder on a shared file
# system, each training every 8th job (static sharding, no Redis needed).
#
#   sbatch docs/slurm-array.sh            # then, when all tasks are done:
#   lmreg ground-truth finish --out "$TABLE"
#
# `lmreg ground-truth build` reads its shard from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT
# (task ids counted from SLURM_ARRAY_TASK_MIN, so --array=1-8 works too); no --shard needed.
# A task that dies leaves its remaining jobs unstarted: resubmit that task id
# (sbatch --array=<id> docs/slurm-array.sh); finished rows are kept. For jobs that move to
# whichever machine is free, use the queue instead (lmreg worker + ground-truth build --queue).
#SBATCH --job-name=lmreg-gt
#SBATCH --array=0-7
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=12:00:00
#SBATCH --output=logs/lmreg-gt-%A_%a.out
set -euo pipefail

TABLE=${TABLE:-$HOME/tables/fmnist-nb201}

# The same flags on every task (the first task to start writes config.json; the others must match).
lmreg ground-truth build --out "$TABLE" --backend auto --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet
