// Named, seeded random streams. Each component draws only from its own stream, whose seed
// derives from the scenario seed and the stream's name, so adding a component or a fault
// never shifts another component's draws (common random numbers across configurations).
import seedrandom from 'seedrandom';

export class RngStream {
  // Alea's state [s0, s1, s2, c], stepped here rather than through seedrandom's closure: the
  // hot loop draws millions of numbers, and a method on a Float64Array inlines without boxing
  // doubles. The sequence is seedrandom's own (tested draw for draw).
  private readonly st = new Float64Array(4);

  constructor(readonly name: string, seed: number) {
    // Alea: fast, and its output depends only on the seed string; seedrandom does the seeding.
    const st = seedrandom.alea(`ticketsim/${seed}/${name}`, { state: true }).state();
    this.st[0] = st.s0;
    this.st[1] = st.s1;
    this.st[2] = st.s2;
    this.st[3] = st.c;
  }

  /** Uniform in [0, 1). */
  random(): number {
    const st = this.st;
    const t = 2091639 * st[0] + st[3] * 2.3283064365386963e-10; // 2^-32
    st[0] = st[1];
    st[1] = st[2];
    const c = t | 0;
    st[3] = c;
    return (st[2] = t - c);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    // 1 - u is in (0, 1], so log never sees 0
    return -mean * Math.log(1 - this.random());
  }

  private spareNormal = NaN;

  /** Standard normal (Box-Muller; each pair of uniforms yields two normals). */
  normal(): number {
    if (this.spareNormal === this.spareNormal) {
      const z = this.spareNormal;
      this.spareNormal = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.random()));
    const theta = 2 * Math.PI * this.random();
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
