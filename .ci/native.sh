#!/usr/bin/env bash
# Builds and tests @lmreg/tfjs-native's oneDNN addon.
# - As root, installs the Debian packages it needs (libdnnl-dev: oneDNN 2.6 headers and library;
#   g++, make, python3 for node-gyp). Otherwise they must already be installed.
# - Builds the addon (node-gyp rebuild, against the Node headers npm is configured with), the
#   TypeScript, and runs the package's tests with LMREG_REQUIRE_NATIVE=1 so that a missing addon
#   fails instead of only testing the "not built" error path; then @lmreg/train's whole-step test
#   (an NB201 super-net trains with the same losses on `--backend native` as on the stock cpu backend).
# Usage: .ci/native.sh            (from anywhere; OMP_NUM_THREADS limits oneDNN's threads)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libdnnl-dev g++ make python3)
if [ "$(id -u)" = "0" ]; then
  missing=()
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
elif ! dpkg -s libdnnl-dev >/dev/null 2>&1; then
  echo "native.sh: libdnnl-dev is not installed and this is not root: apt-get install -y ${packages[*]}" >&2
  exit 1
fi

npm run build:native --workspace packages/tfjs-native
npx turbo run build --filter=@lmreg/tfjs-native... --filter=@lmreg/train...
(cd packages/tfjs-native && LMREG_REQUIRE_NATIVE=1 npx vitest run)
(cd packages/train && LMREG_REQUIRE_NATIVE=1 npx vitest run src/backend/native-trajectory.test.ts)
