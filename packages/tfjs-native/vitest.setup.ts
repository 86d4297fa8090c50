import { isNativeAvailable, nativeAddonPath } from './src/addon/load.js';
import { nativeSkipNotice } from './src/kernels/skip-notice.js';

/** Says in one line when the native kernel suites are skipped (the addon is not built). */
export default function setup(): void {
  const notice = nativeSkipNotice(isNativeAvailable(), nativeAddonPath());
  if (notice !== undefined) process.stderr.write(`\n${notice}\n\n`);
}
