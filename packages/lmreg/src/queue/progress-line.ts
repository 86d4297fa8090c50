/** Where a queued build stands. */
export interface QueueProgress {
  readonly total: number;
  readonly done: number;
  readonly running: number;
  readonly waiting: number;
  readonly failed: number;
  /** Seconds until every job is done at this call's rate so far; undefined before the first result. */
  readonly etaSeconds: number | undefined;
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** One line: `7/24 done, 2 running, 15 waiting, 0 failed, ETA 1 min 20 s`. */
export function formatQueueProgress(p: QueueProgress): string {
  const eta = p.done + p.failed === p.total ? '' : `, ETA ${p.etaSeconds === undefined ? '?' : duration(p.etaSeconds)}`;
  return `${p.done}/${p.total} done, ${p.running} running, ${p.waiting} waiting, ${p.failed} failed${eta}`;
}

/**
 * Reports a queued build's progress: one line rewritten in place on a terminal; on a pipe or in
 * CI, a plain line when the counts of done or failed jobs change (at most one per `everyMs`,
 * default 5 s, and always the last one). Silent with `quiet`.
 */
export function createQueueProgressReporter(options: {
  readonly quiet: boolean;
  readonly stream?: { isTTY?: boolean; write(s: string): unknown };
  readonly everyMs?: number;
}): {
  update(p: QueueProgress): void;
  stop(): void;
} {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update: () => undefined, stop: () => undefined };
  if (stream.isTTY === true) {
    let shown = false;
    return {
      update(p) {
        stream.write(`\r[queue] ${formatQueueProgress(p)}\u001b[K`);
        shown = true;
      },
      stop() {
        if (shown) stream.write('\n');
        shown = false;
      },
    };
  }
  let last = '';
  let lastAt = 0;
  return {
    update(p) {
      const counts = `${p.done}/${p.failed}`;
      const finished = p.done + p.failed === p.total;
      if (counts === last || (!finished && Date.now() - lastAt < (options.everyMs ?? 5000) && last !== '')) return;
      last = counts;
      lastAt = Date.now();
      stream.write(`[queue] ${formatQueueProgress(p)}\n`);
    },
    stop: () => undefined,
  };
}
