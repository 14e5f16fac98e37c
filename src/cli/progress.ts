// A progress bar on stderr, only for people: never when stderr is not a terminal, in CI, or
// with --quiet, so logs stay clean. cli-progress draws it.
import cliProgress from 'cli-progress';

export type Progress = {
  update?: (now_us: number, arrived: number, total: number) => void;
  stop: () => void;
};

export function startProgress(quiet: boolean): Progress {
  if (quiet || !process.stderr.isTTY || process.env.CI) return { stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'simulating [{bar}] {percentage}% | {value}/{total} users | t={sim_s} s', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  // Only long runs get a bar: it appears once the run has taken half a second.
  const t0 = process.hrtime.bigint();
  return {
    update: (now_us, arrived, total) => {
      if (!started) {
        if (process.hrtime.bigint() - t0 < 500_000_000n) return;
        bar.start(total, 0, { sim_s: '0.0' });
        started = true;
      }
      bar.update(arrived, { sim_s: (now_us / 1e6).toFixed(1) });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
