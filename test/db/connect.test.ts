// The service's PostgreSQL sessions get the settings its statements are planned for
// (src/db/connect.ts: SESSION_OPTIONS), unless the database URL sets its own `options`.
import { sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'
import { StatementTemplates } from '../../src/db/statement-template.js'
import { createTestDatabase } from '../helpers/database.js'

const onPostgres = { skip: process.env.DATABASE_URL ? false : 'PostgreSQL only: PGlite runs in this process' }

t.test('sessions have the working memory of a name search and no JIT; options in the URL win', onPostgres, async (t) => {
  const database = await createTestDatabase(t)
  const settings = async (url: string) => {
    const handle = connectDatabase({ databaseUrl: url, dataDir: '' })
    try {
      const { rows } = await sql<{ work_mem: string; jit: string }>`SELECT current_setting('work_mem') AS work_mem,
        current_setting('jit') AS jit`.execute(handle.db)
      return rows[0]
    } finally {
      await handle.db.destroy()
    }
  }
  t.same(await settings(database.url ?? ''), { work_mem: '32MB', jit: 'off' })
  const own = new URL(database.url ?? '')
  own.searchParams.set('options', '-c work_mem=8MB')
  t.same(await settings(own.toString()), { work_mem: '8MB', jit: 'on' })
})

t.test('the statements built from templates are prepared once per connection, others are not', onPostgres, async (t) => {
  const database = await createTestDatabase(t)
  const { db } = connectDatabase({ databaseUrl: database.url, dataDir: '', poolSize: 1 })
  t.teardown(() => db.destroy())
  const templates = new StatementTemplates<object, 'number'>()
  const owner = {}
  const doubled = (number: number) =>
    templates.fill(owner, 'doubled', { number }, (slot) =>
      sql<{ doubled: number }>`SELECT ${slot('number')}::int * 2 AS doubled`.compile(db),
    )
  const prepared = async () =>
    (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements ORDER BY name`.execute(db)).rows.map(
      (row) => row.statement,
    )

  t.same((await db.executeQuery<{ doubled: number }>(doubled(21))).rows, [{ doubled: 42 }])
  t.same((await db.executeQuery<{ doubled: number }>(doubled(4))).rows, [{ doubled: 8 }], 'each execution with its own values')
  t.same(await prepared(), [doubled(0).sql], 'the template, prepared once; the plain statements were not')

  // A connection the server ends (a restart of the database) is replaced, and the new one prepares again.
  const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)
  const admin = connectDatabase({ databaseUrl: database.url, dataDir: '', poolSize: 1 })
  await sql`SELECT pg_terminate_backend(${rows[0]!.pid})`.execute(admin.db)
  await admin.db.destroy()
  // The pool learns of the loss from the statements that fail on the dead connection.
  let answer: unknown
  for (let attempt = 0; attempt < 5 && answer === undefined; attempt++)
    answer = await db.executeQuery<{ doubled: number }>(doubled(5)).then(
      (result) => result.rows,
      () => undefined,
    )
  t.same(answer, [{ doubled: 10 }])
  t.same(await prepared(), [doubled(0).sql], 'prepared again on the new connection')
})
