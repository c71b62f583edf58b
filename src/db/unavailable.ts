// When the database cannot serve a request — restarting, unreachable, out of connections, or turned
// read-only — the request is not wrong and the service is not broken: the answer is a 503 with
// Retry-After, so clients and load balancers retry, and nothing half-done is acknowledged.

/** SQLSTATE classes and codes that mean "the database cannot do this now", not "this request is bad". */
const UNAVAILABLE_SQLSTATES = new Set([
  '25006', // read_only_sql_transaction: default_transaction_read_only, a standby
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, recovering
  '40001', // serialization_failure under load: a retry succeeds
  '40P01', // deadlock_detected: one side is rolled back; a retry succeeds
])

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'])

/** Messages of the pg driver for a connection that is gone; it gives them no code. */
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection ended unexpectedly/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
]

/** Seconds a client should wait before retrying. */
export const RETRY_AFTER_SECONDS = 2

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown }
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_NODE_CODES.has(code)))
      return true
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true
    current = cause
  }
  return false
}
