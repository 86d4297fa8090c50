#!/usr/bin/env bash
# Runs the reproduction grid (grid.tsv) with `lmreg search`, JOBS runs at a time (default 2,
# one per core: the wasm backend uses one thread), each into runs/<name>. Resumable: finished runs
# (result.json) are skipped and interrupted ones continue with --resume. Optional arguments are
# name patterns (grep -E) selecting rows, e.g. `bash run.sh '^spos|^gdas'`.
# Run from the repository root after `npm ci && npx turbo run build --filter=lmreg...`.
set -euo pipefail
# EXP_DIR: another experiment folder with its own search.yaml and grid.tsv (e.g. experiments/fmnist-darts).
here="$(cd "${EXP_DIR:-$(dirname "$0")}" && pwd)"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
pattern="${1:-.}"
jobs="${JOBS:-2}"
mkdir -p "$here/runs"
run_one() {
  local name="$1"; shift
  local out="$here/runs/$name"
  if [[ -f "$out/result.json" ]]; then echo "skip $name (done)"; return 0; fi
  local resume=()
  [[ -f "$out/config.json" ]] && resume=(--resume)
  echo "start $name: $*"
  if [[ -n "${DRY:-}" ]]; then echo "  node packages/lmreg/dist/cli.js search --config $here/search.yaml $* --out $out ${resume[*]} --quiet"; return 0; fi
  local t0=$SECONDS
  # /usr/bin/time records the process's CPU time (user + sys) in runs/<name>.time: wall time on a
  # shared machine says little, CPU time of a single-threaded (wasm) run does.
  local timer=(); [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -a -o "$here/runs/$name.time" -f '{"userSeconds":%U,"systemSeconds":%S,"wallSeconds":%e,"maxRssKb":%M}')
  if "${timer[@]}" node packages/lmreg/dist/cli.js search --config "$here/search.yaml" "$@" --out "$out" "${resume[@]}" --quiet > "$here/runs/$name.out" 2> "$here/runs/$name.err"; then
    echo "done $name in $((SECONDS - t0)) s"
  else
    echo "FAILED $name (see $here/runs/$name.err)"; return 1
  fi
}
export -f run_one
export here
export DRY="${DRY:-}"
grep -v '^#' "$here/grid.tsv" | grep -E "^($pattern)" | awk -F'\t' 'NF >= 2 { print $1 "\t" $2 }' |
  xargs -P "$jobs" -d '\n' -I{} bash -c 'line="$1"; name="${line%%$'"'"'\t'"'"'*}"; flags="${line#*$'"'"'\t'"'"'}"; run_one "$name" $flags' _ {}
