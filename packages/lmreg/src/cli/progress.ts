import cliProgress from 'cli-progress';

import type { SearchProgress } from '../search/search-result.js';

/**
 * A progress reporter: a bar with ETA (cli-progress) on a terminal; one plain line per 10 % on a
 * pipe or in CI, so logs stay readable. Silent with `quiet`.
 */
export function createProgressReporter(options: { quiet: boolean; stream?: NodeJS.WriteStream }): {
  update(p: SearchProgress): void;
  stop(): void;
} {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update: () => undefined, stop: () => undefined };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: ' {phase} {label} [{bar}] {percentage}% | ETA {eta_formatted} | {value}/{total} steps', stream, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let current = '';
    return {
      update(p) {
        const id = `${p.phase}:${p.label.replace(/ epoch.*/, '')}`;
        if (id !== current) {
          if (current !== '') bar.stop();
          bar.start(p.total, p.done, { phase: p.phase, label: p.label });
          current = id;
        } else bar.update(p.done, { label: p.label });
      },
      stop() {
        if (current !== '') bar.stop();
      },
    };
  }
  let lastKey = '';
  const started = new Map<string, number>();
  return {
    update(p) {
      const id = `${p.phase}:${p.label.replace(/ epoch.*/, '')}`;
      if (!started.has(id)) started.set(id, performance.now());
      const decile = Math.floor((10 * p.done) / p.total);
      const key = `${id}:${decile}`;
      if (key === lastKey || (p.done !== p.total && decile === Math.floor((10 * (p.done - 1)) / p.total) && p.done !== 1)) return;
      lastKey = key;
      const elapsed = (performance.now() - (started.get(id) ?? 0)) / 1000;
      const eta = p.done > 0 ? (elapsed / p.done) * (p.total - p.done) : NaN;
      stream.write(
        `[${p.phase}] ${p.label}: ${p.done}/${p.total} steps, ${elapsed.toFixed(0)} s elapsed, ETA ${Number.isFinite(eta) ? eta.toFixed(0) : '?'} s\n`,
      );
    },
    stop: () => undefined,
  };
}
