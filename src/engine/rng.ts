// Named, seeded random streams. Each component draws only from its own stream, whose seed
// derives from the scenario seed and the stream's name, so adding a component or a fault
// never shifts another component's draws (common random numbers across configurations).
import seedrandom from 'seedrandom';

export class RngStream {
  private readonly next01: () => number;

  constructor(readonly name: string, seed: number) {
    // Alea: fast, and its output depends only on the seed string.
    this.next01 = seedrandom.alea(`ticketsim/${seed}/${name}`);
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.next01();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next01() * n);
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    // 1 - u is in (0, 1], so log never sees 0
    return -mean * Math.log(1 - this.next01());
  }

  /** Standard normal (Box-Muller; one draw pair per call, keeping the stream position simple). */
  normal(): number {
    const u1 = 1 - this.next01();
    const u2 = this.next01();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

export class RngStreams {
  private readonly streams = new Map<string, RngStream>();

  constructor(readonly seed: number) {}

  /** The stream with this name; the same object on every call. */
  stream(name: string): RngStream {
    let s = this.streams.get(name);
    if (!s) {
      s = new RngStream(name, this.seed);
      this.streams.set(name, s);
    }
    return s;
  }
}
