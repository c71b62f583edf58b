// The service's PostgreSQL sessions get the settings its statements are planned for
// (src/db/connect.ts: SESSION_OPTIONS), unless the database URL sets its own `options`.
import { sql } from 'kysely'
import t from 'tap'
import { connectDatabase } from '../../src/db/connect.js'
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
