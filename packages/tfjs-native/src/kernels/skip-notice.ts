/**
 * The one line the test run prints when the oneDNN addon is not built and the native kernel suites
 * are skipped (otherwise `npm test` would pass without saying that they did not run), or undefined
 * when the addon is built.
 * @internal
 */
export function nativeSkipNotice(built: boolean, addonPath: string): string | undefined {
  if (built) return undefined;
  return (
    `@lmreg/tfjs-native: the oneDNN addon is not built (${addonPath}), so the native kernel tests were skipped; ` +
    'build and run them with `bash .ci/native.sh` (installs libdnnl-dev as root), or `npm run build:native --workspace packages/tfjs-native` then `LMREG_REQUIRE_NATIVE=1 npx vitest run` in packages/tfjs-native.'
  );
}
