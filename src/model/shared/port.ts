// The stack has cycles: requests go down (users -> front -> nginx -> app -> Redis) and answers
// come back up. Components are built bottom-up, each given the ones below it, so each reply path
// is a Port bound once while the stack is wired, instead of a field that is null until then.
import { check } from '../../engine/assert.js';

export class Port<T> {
  private bound: T | null = null;

  constructor(private readonly name: string) {}

  bind(to: T): void {
    check(this.bound === null, () => `${this.name} is wired twice`);
    this.bound = to;
  }

  /** The component at the other end. */
  get to(): T {
    const b = this.bound;
    if (b === null) throw new Error(`internal error: ${this.name} is used before the stack is wired`);
    return b;
  }
}
