// npm run migrate: brings the configured database (DATABASE_URL, or the embedded one) to the latest schema.
import { loadConfig } from '../src/config.js'
import { connectDatabase } from '../src/db/connect.js'
import { migrateToLatest } from '../src/db/migrate.js'

const config = loadConfig()
const { db, kind } = connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
const { results, baselined } = await migrateToLatest(db)
const applied = results?.map((result) => result.migrationName) ?? []
process.stdout.write(`${kind}: ${applied.length ? `applied ${applied.join(', ')}` : 'already up to date'}\n`)
if (baselined.length)
  process.stdout.write(`${kind}: checksums recorded for migrations applied before they were kept: ${baselined.join(', ')}\n`)
await db.destroy()
