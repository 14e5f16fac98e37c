// Service-time distributions, sampled in whole microseconds from a component's own stream.
import type { RngStream } from '../../engine/rng.js';
import type { ServiceTime } from '../../scenario/types.js';

// z of the 99th percentile of the standard normal: turns (median, p99) into lognormal sigma.
const Z_P99 = 2.3263478740408408;

export type Sampler = () => number;

export function makeSampler(dist: ServiceTime, rng: RngStream): Sampler {
  switch (dist.kind) {
    case 'const': {
      const v = Math.round(dist.value_us);
      return () => v;
    }
    case 'exp': {
      const mean = dist.mean_us;
      return () => Math.round(rng.exp(mean));
    }
    case 'lognormal': {
      const mu = Math.log(dist.median_us);
      const sigma = dist.p99_us > dist.median_us ? (Math.log(dist.p99_us) - mu) / Z_P99 : 0;
      return () => Math.round(Math.exp(mu + sigma * rng.normal()));
    }
  }
}

/** The distribution's mean in microseconds (for utilisation and theory checks). */
export function meanOf(dist: ServiceTime): number {
  switch (dist.kind) {
    case 'const':
      return dist.value_us;
    case 'exp':
      return dist.mean_us;
    case 'lognormal': {
      const mu = Math.log(dist.median_us);
      const sigma = dist.p99_us > dist.median_us ? (Math.log(dist.p99_us) - mu) / Z_P99 : 0;
      return Math.exp(mu + (sigma * sigma) / 2);
    }
  }
}
