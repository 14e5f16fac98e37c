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

  private spareNormal = NaN;

  /** Standard normal (Box-Muller; each pair of uniforms yields two normals). */
  normal(): number {
    if (this.spareNormal === this.spareNormal) {
      const z = this.spareNormal;
      this.spareNormal = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next01()));
    const theta = 2 * Math.PI * this.next01();
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
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
