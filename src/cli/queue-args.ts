// The --queue flag of `sim sweep` and `sim worker`: redis://[:password@]HOST:PORT[/DB]. A bad URL
// and a Redis that does not answer within the connect timeout are bad input: one line, exit 2.
import { probeRedis } from '../study/queue.js';
import type { RedisTarget } from '../study/redis-target.js';
import { errorLine } from '../study/sweep-worker.js';
import { UsageError } from './errors.js';

/** How long connecting to the queue's Redis may take before the command gives up. */
export const CONNECT_TIMEOUT_MS = 5000;

export function parseQueueUrl(text: string): RedisTarget {
  const bad = (why: string) => new UsageError(`--queue ${text}: ${why}`);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw bad('expected redis://HOST:PORT (or redis://:PASSWORD@HOST:PORT/DB)');
  }
  if (u.protocol !== 'redis:') throw bad(`expected redis://HOST:PORT (${u.protocol}// is not supported)`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw bad('no host');
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isSafeInteger(db) || db < 0) throw bad(`the database must be a number (got ${dbText})`);
  const password = u.password === '' ? undefined : decodeURIComponent(u.password);
  return { host, port, db, password, connect_timeout_ms: CONNECT_TIMEOUT_MS };
}

/** The target of a --queue URL, once its Redis has answered a PING. */
export async function reachQueue(text: string): Promise<RedisTarget> {
  const target = parseQueueUrl(text);
  try {
    await probeRedis(target);
  } catch (e) {
    throw new UsageError(`--queue ${text}: cannot reach Redis: ${errorLine(e).replace(/^Error: /, '')}`);
  }
  return target;
}
