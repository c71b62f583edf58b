/**
 * Refused tokens from one address, on record without flooding the trail: in each window the first
 * `individually` failures of an address are recorded one event each (at once, before the 401
 * leaves), and every further one is counted and recorded as one event with its count when the
 * window closes (or the app stops). An anonymous caller therefore writes at most
 * `individually + 1` events per address and window, whatever it sends.
 */
export interface AggregatedFailures {
  readonly count: number
  /** The distinct reasons, sorted. */
  readonly reasons: readonly string[]
  /** The last aggregated request, so logs can be joined. */
  readonly lastRequestId: string
  /** That request's own X-Request-Id, when it was a plain token. */
  readonly lastClientRequestId: string | undefined
}

export interface FailureSink {
  one(event: { requestId: string; clientRequestId: string | undefined; reason: string }): Promise<void>
  many(event: AggregatedFailures): Promise<void>
}

interface Window {
  recorded: number
  pending: number
  reasons: Set<string>
  lastRequestId: string
  lastClientRequestId: string | undefined
  timer: NodeJS.Timeout
}

const MAX_ADDRESSES = 10_000

export class FailureAggregator {
  private readonly windows = new Map<string, Window>()
  private readonly flushing = new Set<Promise<void>>()

  constructor(
    private readonly sink: FailureSink,
    private readonly options: { windowMs: number; individually: number; onError: (error: unknown) => void },
  ) {}

  /** Records or counts one refused request from this address. */
  async note(address: string, requestId: string, reason: string, clientRequestId?: string): Promise<void> {
    // Beyond the bound, addresses share one window: the trail stays bounded even then.
    const key = this.windows.size >= MAX_ADDRESSES && !this.windows.has(address) ? '*' : address
    let window = this.windows.get(key)
    if (!window) {
      window = {
        recorded: 0,
        pending: 0,
        reasons: new Set(),
        lastRequestId: requestId,
        lastClientRequestId: clientRequestId,
        timer: setTimeout(() => this.close(key), this.options.windowMs),
      }
      window.timer.unref()
      this.windows.set(key, window)
    }
    if (window.recorded < this.options.individually) {
      window.recorded++
      await this.sink.one({ requestId, clientRequestId, reason })
      return
    }
    window.pending++
    window.reasons.add(reason)
    window.lastRequestId = requestId
    window.lastClientRequestId = clientRequestId
  }

  private close(key: string): void {
    const window = this.windows.get(key)
    if (!window) return
    this.windows.delete(key)
    clearTimeout(window.timer)
    if (window.pending === 0) return
    const flush = this.sink
      .many({
        count: window.pending,
        reasons: [...window.reasons].sort(),
        lastRequestId: window.lastRequestId,
        lastClientRequestId: window.lastClientRequestId,
      })
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => this.flushing.delete(flush))
    this.flushing.add(flush)
  }

  /** Records every window's count now (the app is stopping). */
  async flushAll(): Promise<void> {
    for (const key of [...this.windows.keys()]) this.close(key)
    await Promise.all([...this.flushing])
  }
}
