/** Where a queue lives: redis://[:password@]host:port[/db]. */
export type RedisTarget = { host: string; port: number; db: number; password?: string; connect_timeout_ms: number; name?: string };
