// A Redis instance's dataset and the log of the writes it applied, in order. The log is what the
// AOF keeps (a restart replays a prefix of it) and what the replication stream carries (a
// replica applies the master's entries in order, so its log is a prefix of its master's; the
// entries are shared, which is how a failover tells which writes the new master never had).
import { type Command, Keyspace, RedisError, type RedisReply } from './keyspace.js';

// by: the instance that took it from a client (-1: the inventory's load); sold: its sale was confirmed to the user
export type LoggedWrite = { readonly at_us: number; readonly argv: readonly string[]; by?: number; sold?: boolean };

// processCommand's reply when checkGoodReplicasStatus() fails (src/server.c, shared.noreplicaserr);
// a script's redis.call of a write gets the same error (scriptVerifyWriteCommandAllow, src/script.c).
export const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';

export class LoggedKeyspace extends Keyspace {
  readonly log: LoggedWrite[] = [];
  now_us = 0;
  /** min-replicas-to-write: writes are refused while fewer good replicas than that ack. */
  refuseWrites = false;
  writesRefused = 0;

  override exec(cmd: Command, argv: readonly string[]): RedisReply {
    if (cmd.write && this.refuseWrites) {
      this.writesRefused++;
      return new RedisError(NOREPLICAS);
    }
    const reply = super.exec(cmd, argv);
    if (cmd.write && !(reply instanceof RedisError)) this.log.push({ at_us: this.now_us, argv: argv.slice() }); // argv is the caller's to reuse
    return reply;
  }

  /** A write from the replication stream: the master's own entry, applied and logged as is. */
  applyReplicated(w: LoggedWrite): void {
    this.command(w.argv); // command() runs it without logging (only exec, a script's redis.call, logs)
    this.log.push(w);
  }

  /** Full resynchronisation: this dataset becomes a copy of `from`'s (an RDB transfer). */
  copyFrom(from: LoggedKeyspace): void {
    this.clear();
    this.log.length = 0;
    for (const w of from.log) this.applyReplicated(w);
  }
}
