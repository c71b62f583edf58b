// The service's PostgreSQL sessions get the working memory a name search needs at scale
// (src/db/connect.ts), unless the database URL sets its own `options`.
import { sql } from 'kysely'
import t from 'tap'
import { SEARCH_WORK_MEM, connectDatabase } from '../../src/db/connect.js'
import { createTestDatabase } from '../helpers/database.js'

const onPostgres = { skip: process.env.DATABASE_URL ? false : 'PostgreSQL only: PGlite runs in this process' }

t.test('sessions have the working memory of a name search; options in the URL win', onPostgres, async (t) => {
  const database = await createTestDatabase(t)
  const workMem = async (url: string) => {
    const handle = connectDatabase({ databaseUrl: url, dataDir: '' })
    try {
      const { rows } = await sql<{ work_mem: string }>`SHOW work_mem`.execute(handle.db)
      return rows[0]?.work_mem
    } finally {
      await handle.db.destroy()
    }
  }
  t.equal(await workMem(database.url ?? ''), SEARCH_WORK_MEM)
  const own = new URL(database.url ?? '')
  own.searchParams.set('options', '-c work_mem=8MB')
  t.equal(await workMem(own.toString()), '8MB')
})
