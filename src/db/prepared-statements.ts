import type pg from 'pg'

/**
 * The service's hot statements, prepared once per PostgreSQL connection instead of parsed and
 * planned on every request.
 *
 * Why: planning is most of what the database spends on a short statement. `EXPLAIN ANALYZE` of the
 * audited read at 1,000,000 cases: 1.1 ms of planning for 0.7 ms of execution; the list 0.8 for
 * 0.6. On two cores shared by the service and PostgreSQL, that time is taken from every request.
 *
 * Which: the statements built from templates (statement-template.ts), whose text follows from their
 * shape alone, with every value a parameter, so one text serves every request of that shape, and
 * their number is bounded by the shapes. A text is given a name the first time it is built; a pool's
 * connection prepares it the first time it sends it (node-postgres keeps the names it has prepared
 * per connection, and a new connection after a restart of the database prepares again). PostgreSQL
 * then plans it for the values of each of the first five executions and, where a plan for any values
 * costs no more, keeps that one (plan_cache_mode auto).
 *
 * Past MAX_PREPARED_TEXTS, further texts go unprepared, which bounds the memory of each database
 * session. A connection pooler in transaction mode must keep prepared statements per client
 * (PgBouncer 1.21+ `max_prepared_statements`), README "Running on PostgreSQL".
 */

export const MAX_PREPARED_TEXTS = 500

const names = new Map<string, string>()

/** Marks a statement text to be prepared on the connections that send it. */
export function prepareText(text: string): void {
  if (names.has(text) || names.size >= MAX_PREPARED_TEXTS) return
  names.set(text, `atd_${names.size + 1}`)
}

type Query = (...args: unknown[]) => unknown

/**
 * Makes a pool's client send the hot statements by name. Kysely calls `query(text, values)`; any
 * other call passes through unchanged.
 */
export function sendHotStatementsPrepared(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query
  ;(client as unknown as { query: Query }).query = (...args: unknown[]) => {
    const [text, values] = args
    const name = args.length === 2 && typeof text === 'string' && Array.isArray(values) ? names.get(text) : undefined
    return name === undefined ? query(...args) : query({ name, text, values })
  }
}
