import { sql } from 'kysely'
import pino from 'pino'
import t from 'tap'
import { loggerOptions } from '../src/logger.js'
import { createTestDatabase } from './helpers/database.js'

/** The lines a logger built from the service's options writes, parsed. */
function capturingLogger(): { log: pino.Logger; lines: () => Record<string, any>[] } {
  const written: string[] = []
  const log = pino(loggerOptions('debug'), { write: (line: string) => written.push(line) })
  return { log, lines: () => written.map((line) => JSON.parse(line)) }
}

/** A real error of the database the suite runs on (PGlite, or PostgreSQL with DATABASE_URL). */
async function databaseError(t: Parameters<typeof createTestDatabase>[0], query: ReturnType<typeof sql>): Promise<Error> {
  const { db } = await createTestDatabase(t)
  try {
    await query.execute(db)
  } catch (error) {
    return error as Error
  }
  throw new Error('the query was expected to fail')
}

t.test('a database error is logged by SQLSTATE and names, never with the value it quotes', async (t) => {
  const secret = 'Hernández-7f3a-SECRET'
  const { log, lines } = capturingLogger()

  const badUuid = await databaseError(t, sql`SELECT ${secret}::uuid`)
  t.match(badUuid.message, secret, 'the database quotes the value in its message')
  log.error({ err: badUuid }, 'request failed')

  const tooLong = await databaseError(t, sql`SELECT ${secret.repeat(3)}::varchar(5)::int`)
  log.error({ err: tooLong }, 'request failed')

  const text = lines()
    .map((line) => JSON.stringify(line))
    .join('\n')
  t.notMatch(text, 'SECRET', 'no value reaches the log')
  const [first, second] = lines()
  t.match(first?.err, { type: 'DatabaseError', code: '22P02', message: 'database error 22P02' })
  t.match(second?.err, { type: 'DatabaseError', code: (tooLong as Error & { code: string }).code })
})

t.test('an error of our own keeps its message', async (t) => {
  const { log, lines } = capturingLogger()
  log.error({ err: Object.assign(new Error('the sealer stopped'), { code: 'SEALER' }) }, 'failed')
  t.match(lines()[0]?.err, { type: 'Error', code: 'SEALER', message: 'the sealer stopped' })
})
