/**
 * A child process for the concurrency tests of run-dir.test.ts (bundled with esbuild, run by node).
 *
 *   open DIR resume|new         open the folder, print {ok, notes} or {ok:false, code, pid, message}
 *   hold DIR resume|new         open it, print "held", keep it until stdin closes, then exit (no close())
 *   merge DIR PREFIX COUNT      open it without the folder lock and mergeJson COUNT keys into standalone.json
 */
import { isLmregError, RunLockedError } from '@lmreg/common';

import { RunDir } from '../run/run-dir.js';

const [mode, dir = '', arg = '', count = '0'] = process.argv.slice(2);
const config = { space: 'nb201', epochs: 1 };

function tryOpen(resume: boolean): RunDir | undefined {
  try {
    const run = RunDir.open(dir, config, { resume });
    process.stdout.write(JSON.stringify({ ok: true, notes: run.notes }) + '\n');
    return run;
  } catch (error) {
    if (!isLmregError(error)) throw error;
    process.stdout.write(
      JSON.stringify({ ok: false, code: error.code, pid: error instanceof RunLockedError ? error.pid : undefined, message: error.message }) + '\n',
    );
    return undefined;
  }
}

if (mode === 'open') {
  tryOpen(arg === 'resume')?.close();
} else if (mode === 'hold') {
  if (tryOpen(arg === 'resume') !== undefined) {
    process.stdin.resume();
    process.stdin.on('end', () => process.exit(0));
  }
} else if (mode === 'merge') {
  const run = RunDir.open(dir, config, { resume: true, lock: false });
  for (let i = 0; i < Number(count); i++) run.mergeJson('standalone.json', { [`${arg}-${i}`]: { accuracy: i / 100, pid: process.pid } });
  process.stdout.write(JSON.stringify({ ok: true }) + '\n');
}
