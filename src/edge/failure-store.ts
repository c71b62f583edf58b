import type { Redis } from 'ioredis'

/**
 * Counts refused authentications per address in fixed windows. Shared by every instance through
 * Redis when REDIS_URL is set, otherwise kept in this process's memory.
 */
export interface FailureStore {
  /** Failures of this key in its current window. */
  count(key: string): Promise<number>
  /** Adds one failure; answers the count in the current window. */
  hit(key: string): Promise<number>
  close(): Promise<void>
}

const MAX_MEMORY_KEYS = 100_000

export class MemoryFailureStore implements FailureStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>()
  constructor(private readonly windowMs: number) {}

  private current(key: string) {
    const window = this.windows.get(key)
    if (window && window.resetAt > Date.now()) return window
    if (window) this.windows.delete(key)
    return undefined
  }

  async count(key: string): Promise<number> {
    return this.current(key)?.count ?? 0
  }

  async hit(key: string): Promise<number> {
    const window = this.current(key)
    if (window) return ++window.count
    // Bounded: a swarm of addresses cannot grow it without limit (expired windows go first).
    if (this.windows.size >= MAX_MEMORY_KEYS) {
      const now = Date.now()
      for (const [other, entry] of this.windows) if (entry.resetAt <= now) this.windows.delete(other)
      if (this.windows.size >= MAX_MEMORY_KEYS) this.windows.clear()
    }
    this.windows.set(key, { count: 1, resetAt: Date.now() + this.windowMs })
    return 1
  }

  async close(): Promise<void> {
    this.windows.clear()
  }
}

export class RedisFailureStore implements FailureStore {
  constructor(
    private readonly redis: Redis,
    private readonly windowMs: number,
    private readonly prefix = 'atd:auth-failures:',
  ) {}

  async count(key: string): Promise<number> {
    return Number((await this.redis.get(this.prefix + key)) ?? 0)
  }

  async hit(key: string): Promise<number> {
    // The window starts with its first failure; PEXPIRE NX never extends a running window.
    const results = await this.redis
      .multi()
      .incr(this.prefix + key)
      .pexpire(this.prefix + key, this.windowMs, 'NX')
      .exec()
    const [error, value] = results?.[0] ?? [new Error('no reply'), 0]
    if (error) throw error
    return Number(value)
  }

  async close(): Promise<void> {
    // The connection belongs to the app (plugins/edge-limits.ts), which closes it.
  }
}

/**
 * Fails open: when the store cannot answer (Redis down), nothing is limited and the failure is
 * logged, at most once per interval, so an outage of the counter never becomes an outage of the API.
 */
export class FailOpenStore implements FailureStore {
  private lastLogged = 0
  constructor(
    private readonly inner: FailureStore,
    private readonly onError: (error: unknown) => void,
    private readonly logEveryMs = 10_000,
  ) {}

  private failed(error: unknown): number {
    if (Date.now() - this.lastLogged >= this.logEveryMs) {
      this.lastLogged = Date.now()
      this.onError(error)
    }
    return 0
  }

  async count(key: string): Promise<number> {
    try {
      return await this.inner.count(key)
    } catch (error) {
      return this.failed(error)
    }
  }

  async hit(key: string): Promise<number> {
    try {
      return await this.inner.hit(key)
    } catch (error) {
      return this.failed(error)
    }
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
