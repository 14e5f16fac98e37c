// The Redis releases whose script behaviour the model can follow, and how each names itself
// to scripts (redis.REDIS_VERSION, redis.REDIS_VERSION_NUM in src/script_lua.c).

/**
 * The Redis release whose script behaviour to follow. They differ in how redis.call formats a
 * Lua number argument (7.0: "%.17g", so 0.1 -> "0.10000000000000001"; 7.2+: integers in full,
 * others as the shortest round-trip, so 0.1 -> "0.1") and in one redis.log message (7.4).
 */
export type RedisVersion = '7.0' | '7.2' | '7.4';

export const VERSION_INFO: Record<RedisVersion, { name: string; num: number }> = {
  '7.0': { name: '7.0.15', num: 0x07000f },
  '7.2': { name: '7.2.6', num: 0x070206 },
  '7.4': { name: '7.4.1', num: 0x070401 },
};
