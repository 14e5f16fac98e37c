// A progress bar on stderr, only for people: never when stderr is not a terminal, in CI, or
// with --quiet, so logs stay clean. cli-progress draws it: the users that have arrived, the simulated
// time, an estimate of the time left, then the report-writing phase.
import cliProgress from 'cli-progress';

export type Progress = {
  update?: (now_us: number, arrived: number, total: number) => void;
  /** The simulation is over; the report is being written. */
  writing: () => void;
  stop: () => void;
};

/** Where the bar goes and what it reads; the defaults are the process's own (tests pass fakes). */
export type ProgressIo = {
  stream: NodeJS.WriteStream;
  ci: boolean;
  now_ns: () => bigint;
};

const IO: ProgressIo = { stream: process.stderr, ci: Boolean(process.env.CI), now_ns: () => process.hrtime.bigint() };

// Only long runs get a bar: it appears once the run has taken half a second.
const SHOW_AFTER_NS = 500_000_000n;

/** "ETA 12 s", "ETA 3m05s": the time left if the rest goes as fast as what is done; "ETA ..." before any. */
export function etaText(elapsed_s: number, done: number, total: number): string {
  if (done <= 0 || total <= 0) return 'ETA ...';
  const left_s = Math.max(0, Math.round((elapsed_s * (total - done)) / done));
  return left_s < 60 ? `ETA ${left_s} s` : `ETA ${Math.floor(left_s / 60)}m${String(left_s % 60).padStart(2, '0')}s`;
}

export function startProgress(quiet: boolean, io: ProgressIo = IO): Progress {
  const none = { writing: () => undefined, stop: () => undefined };
  if (quiet || !io.stream.isTTY || io.ci) return none;
  const bar = new cliProgress.SingleBar(
    { stream: io.stream, format: '{phase} [{bar}] {percentage}% | {value}/{total} users | t={sim_s} s | {left}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const t0 = io.now_ns();
  const elapsed_s = (): number => Number(io.now_ns() - t0) / 1e9;
  let last = { now_us: 0, total: 0 };
  return {
    update: (now_us, arrived, total) => {
      last = { now_us, total };
      if (!started) {
        if (io.now_ns() - t0 < SHOW_AFTER_NS) return;
        bar.start(total, 0, { phase: 'simulating', sim_s: '0.0', left: 'ETA ...' });
        started = true;
      }
      bar.update(arrived, { sim_s: (now_us / 1e6).toFixed(1), left: etaText(elapsed_s(), arrived, total) });
    },
    writing: () => {
      if (!started) return;
      bar.update(last.total, { phase: 'writing report', sim_s: (last.now_us / 1e6).toFixed(1), left: 'simulation done' });
      bar.render();
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
