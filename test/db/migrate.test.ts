import t from 'tap'
import { sql } from 'kysely'
import { migrateToLatest } from '../../src/db/migrate.js'
import { createTestDatabase } from '../helpers/database.js'

t.test('a test database starts migrated, and migrating again changes nothing', async (t) => {
  const { db } = await createTestDatabase(t)
  const tables = await sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`.execute(db)
  t.ok(tables.rows.some((row) => row.tablename === 'users'))
  const again = await migrateToLatest(db)
  t.same(again.results, [])
})
