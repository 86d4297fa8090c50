import { selectBackend, type BackendRequest, type SelectedBackend } from '@lmreg/train';
import * as tf from '@tensorflow/tfjs-core';

import type { CliIo } from './standalone-command.js';

/**
 * Selects the tfjs backend for a command and reports it in ONE line (`backend: wasm (why)`), unless
 * `quiet`; the probing details (which optional backends are missing, why) only with `verbose`.
 * Silences tfjs' "install our node backend" banner (it is advice for tfjs users, and the line above
 * already says what runs) unless `verbose`.
 */
export async function chooseBackend(
  request: BackendRequest,
  options: { readonly quiet: boolean; readonly verbose: boolean; readonly threads?: number },
  io: CliIo,
): Promise<SelectedBackend> {
  if (!options.verbose) tf.env().set('PROD', true);
  const backend = await selectBackend(request, {
    log: (m) => (options.verbose ? io.err(`${m}\n`) : undefined),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  if (!options.quiet) io.err(`backend: ${backend.name} (${backend.reason})\n`);
  return backend;
}
