import fs from 'node:fs';
import path from 'node:path';

import { FileFormatError } from '@lmreg/common';
import { LANDMARK_SET_FORMAT, LandmarkSet } from '@lmreg/core';
import type { SearchSpace } from '@lmreg/spaces';

import type { StandaloneResult } from '@lmreg/train';

/**
 * Reads architectures trained alone earlier, to be added as landmarks at the start of a search
 * (Algorithm 1's "previously trained stand-alone models"). Accepts:
 * - a `standalone.json` written by `lmreg standalone -o DIR` or `lmreg search` (key → result), or
 *   the folder holding it;
 * - a landmark-set file (`saveLandmarkSet` of `@lmreg/core`) whose metrics are accuracies in [0, 1].
 *
 * Their accuracies must come from the same recipe as the run's own ground truth (same data,
 * network size and epochs): the landmark term only uses their order, and mixing recipes mixes
 * orders. Every architecture is parsed with the run's space.
 *
 * @throws FileFormatError naming the file and the problem (missing, not JSON, unknown layout, an
 *   architecture the space rejects, an accuracy outside [0, 1]).
 */
export function readExtraLandmarks<A>(file: string, space: SearchSpace<A>): { arch: A; result: StandaloneResult }[] {
  let target = file;
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) target = path.join(target, 'standalone.json');
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(target, 'utf8'));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new FileFormatError(
      target,
      code === 'ENOENT'
        ? 'file of previously trained landmarks does not exist (give a standalone.json of `lmreg standalone -o DIR`, its folder, or a landmark-set file).'
        : `cannot read previously trained landmarks: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const entries: { arch: string; accuracy: unknown; params?: unknown; seconds?: unknown; loss?: unknown; seed?: unknown }[] = [];
  if (typeof json === 'object' && json !== null && (json as { format?: unknown }).format === LANDMARK_SET_FORMAT) {
    const named = (json as { space?: unknown }).space;
    if (named !== space.name) {
      throw new FileFormatError(target, `landmark set is for space '${String(named)}', but this search runs on '${space.name}'.`);
    }
    // core's reader validates the format, version, fields and architectures.
    for (const l of LandmarkSet.fromJSON(space, json, target)) {
      entries.push({ arch: space.format(l.architecture), accuracy: l.metric, params: l.params, seed: l.seed });
    }
  } else if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    for (const value of Object.values(json as Record<string, unknown>)) {
      const r = value as { arch?: unknown; accuracy?: unknown; params?: unknown; seconds?: unknown; loss?: unknown; seed?: unknown };
      if (typeof value !== 'object' || value === null || typeof r.arch !== 'string') {
        throw new FileFormatError(target, 'expected a standalone.json (an object of { arch, accuracy, ... } results) or a landmark-set file.');
      }
      entries.push({ arch: r.arch, accuracy: r.accuracy, params: r.params, seconds: r.seconds, loss: r.loss, seed: r.seed });
    }
  } else {
    throw new FileFormatError(target, 'expected a standalone.json (an object of { arch, accuracy, ... } results) or a landmark-set file.');
  }
  if (entries.length === 0) throw new FileFormatError(target, 'holds no architectures.');
  return entries.map((e, i) => {
    let arch: A;
    try {
      arch = space.parse(e.arch);
    } catch (error) {
      throw new FileFormatError(target, `entry ${i + 1}: ${(error as Error).message}`, { cause: error });
    }
    if (typeof e.accuracy !== 'number' || !(e.accuracy >= 0 && e.accuracy <= 1)) {
      throw new FileFormatError(
        target,
        `entry ${i + 1} (${e.arch}): accuracy must be a fraction in [0, 1] like the run's own ground truth, got ${String(e.accuracy)}${typeof e.accuracy === 'number' && e.accuracy > 1 && e.accuracy <= 100 ? ' (a percentage? divide by 100)' : ''}.`,
      );
    }
    const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return {
      arch,
      result: {
        arch: space.format(arch),
        key: space.key(arch),
        accuracy: e.accuracy,
        loss: num(e.loss),
        params: num(e.params),
        seconds: num(e.seconds),
        seed: num(e.seed),
      },
    };
  });
}
