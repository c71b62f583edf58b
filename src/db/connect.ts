import { mkdirSync, existsSync } from 'node:fs'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.js'
import { type Listen, pgliteListen, postgresListen } from './notifications.js'
import { newPGlite } from './pglite.js'
import { sendHotStatementsPrepared } from './prepared-statements.js'

// Dates and numbers come back as the wire text; the services decide how to present them.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

export interface DatabaseHandle {
  readonly db: Kysely<Database>
  readonly kind: 'postgres' | 'pglite'
  /** true when the embedded database was created by this start (decides demo data by default) */
  readonly isNew: boolean
  /** Follows NOTIFY messages on a channel; absent where no listener can be had. */
  readonly listen?: Listen
}

export interface ConnectOptions {
  readonly databaseUrl: string | undefined
  readonly dataDir: string
  /** An already opened PGlite (tests load a migrated template into memory). */
  readonly pglite?: PGlite
  readonly poolSize?: number
}

/**
 * The settings of the service's PostgreSQL sessions (the bench's floor uses the same, so that both
 * send the same SQL to the same planner). `options` in the URL, if any, replaces them.
 *
 * - work_mem: a name search of one common word intersects index bitmaps of 100,000+ rows at a
 *   million cases; in PostgreSQL's default 4 MB they go lossy and rechecking whole pages triples
 *   its time (README, "Search at scale").
 * - jit off: the service sends short statements; where the planner overestimates the rows of an
 *   index condition (a name search at a million cases), JIT compilation took 35 ms of a statement
 *   that runs in 1.5 ms.
 */
export const SESSION_OPTIONS = '-c work_mem=32MB -c jit=off'

export function connectDatabase(options: ConnectOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      options: SESSION_OPTIONS,
    })
    // An idle client that loses its server (PostgreSQL restart) emits 'error' on the pool;
    // unhandled, that would crash the process. The pool drops the client and makes a new one.
    pool.on('error', () => {})
    // A client checked out of the pool (say, between two statements of a transaction) emits its own
    // 'error' when the server kills the connection, with no pool listener attached: that too would
    // crash the process. The query fails, and the pool discards the broken client on release.
    pool.on('connect', (client) => {
      client.on('error', () => {})
      sendHotStatementsPrepared(client)
    })
    return {
      db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
      kind: 'postgres',
      isNew: false,
      listen: postgresListen(options.databaseUrl),
    }
  }
  if (options.pglite) {
    return {
      db: new Kysely<Database>({ dialect: new PGliteDialect({ pglite: options.pglite }) }),
      kind: 'pglite',
      isNew: true,
      listen: pgliteListen(options.pglite),
    }
  }
  const directory = path.resolve(options.dataDir, 'pglite')
  const isNew = !existsSync(path.join(directory, 'PG_VERSION'))
  mkdirSync(directory, { recursive: true })
  const pglite = newPGlite(directory)
  return { db: new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) }), kind: 'pglite', isNew, listen: pgliteListen(pglite) }
}
