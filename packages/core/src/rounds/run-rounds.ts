import { InvalidArgumentError } from '@lmreg/common';
import type { SearchSpace } from '@lmreg/spaces';

import type { LandmarkTerm } from '../term/landmark-term.js';

/** A landmark added at the end of a round: the sampler's proposal with both of its accuracies. */
export interface RoundLandmark {
  /** `space.format` of the architecture. */
  readonly arch: string;
  /** Its fitness on the super-net when it was proposed (e.g. super-net accuracy). */
  readonly supernetAccuracy: number;
  /** Its stand-alone metric (what `trainAlone` returned). */
  readonly groundTruth: number;
}

/** What one round boundary of Algorithm 1 did. */
export interface RoundRecord {
  /** 0-based round that just ended. */
  readonly round: number;
  /** The landmarks it added (empty without a landmark term). */
  readonly added: readonly RoundLandmark[];
}

/** Options of {@link runRounds}. */
export interface RunRoundsOptions<A> {
  /** Rounds T (a positive integer); landmarks are added after every round but the last. */
  readonly rounds: number;
  /** Landmarks M added per round (a positive integer). */
  readonly perRound: number;
  readonly space: SearchSpace<A>;
  /**
   * The landmark term being trained with; landmarks are added to it. Absent: the baseline, which
   * trains the same rounds and adds nothing.
   */
  readonly term?: LandmarkTerm<A>;
  /** Trains the super-net to the end of `round` (0-based); must return at once when it is already there (resume). */
  readonly trainRound: (round: number) => Promise<void>;
  /** The sampler's search on the trained super-net: proposals with their super-net fitness, best first. */
  readonly propose: (round: number) => Promise<readonly { readonly arch: A; readonly fitness: number }[]>;
  /** Trains an architecture alone (or looks it up) and returns its stand-alone metric, higher = better. */
  readonly trainAlone: (arch: A, index: number, count: number) => Promise<number> | number;
  /** Architectures that must never become landmarks (the held-out ones S-KdT is measured on). */
  readonly exclude?: readonly A[];
  /** Records of the rounds already finished (from a checkpoint): they are not redone. */
  readonly done?: readonly RoundRecord[];
  /** Called after each round boundary, e.g. to checkpoint the records. */
  readonly onRound?: (record: RoundRecord, records: readonly RoundRecord[]) => void | Promise<void>;
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`runRounds: ${name} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}

/**
 * The multi-round pipeline of Algorithm 1 (Fig. 2 of the paper): T rounds of training the super-net
 * with the landmark term; after each round but the last, the sampler's best proposals that are
 * neither landmarks nor excluded are trained alone and the best M of them join the landmarks, so
 * that the next round's term also orders the region the search is heading for.
 *
 * The initial landmarks (selected with `selectDiverseLandmarks` and trained alone) are the term's
 * at the start. Written against small interfaces: a super-net trainer (`trainRound`), the sampler's
 * search (`propose`) and a stand-alone trainer (`trainAlone`). Resumable between rounds: pass the
 * records of the rounds already done (`done`) and a `trainRound` that resumes from its checkpoint.
 *
 * @returns every round's record, `done` included, in order.
 */
export async function runRounds<A>(options: RunRoundsOptions<A>): Promise<RoundRecord[]> {
  const rounds = positiveInteger('rounds', options.rounds);
  const perRound = positiveInteger('perRound', options.perRound);
  const { space, term } = options;
  const records: RoundRecord[] = [...(options.done ?? [])];
  if (records.some((r, i) => r.round !== i)) {
    throw new InvalidArgumentError('runRounds: done must hold the records of rounds 0, 1, ... in order.');
  }
  for (let round = 0; round < rounds; round++) {
    await options.trainRound(round);
    // The baseline (no term) adds nothing and records nothing.
    if (round === rounds - 1 || round < records.length || term === undefined) continue;
    const added: RoundLandmark[] = [];
    {
      const proposals = await options.propose(round);
      const taken = new Set([...term.ordered.map((l) => l.architecture), ...(options.exclude ?? [])].map((a) => space.key(a)));
      const chosen = proposals.filter((p) => !taken.has(space.key(p.arch))).slice(0, perRound);
      for (const [i, p] of chosen.entries()) {
        const groundTruth = await options.trainAlone(p.arch, i, chosen.length);
        added.push({ arch: space.format(p.arch), supernetAccuracy: p.fitness, groundTruth });
      }
      for (const [i, a] of added.entries()) term.add({ architecture: (chosen[i] as { arch: A }).arch, metric: a.groundTruth, round, source: 'top-k' });
    }
    const record: RoundRecord = { round, added };
    records.push(record);
    await options.onRound?.(record, records);
  }
  return records;
}
