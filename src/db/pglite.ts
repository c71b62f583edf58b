import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { unaccent } from '@electric-sql/pglite/contrib/unaccent'

/**
 * The extensions the schema uses (search: pg_trgm, unaccent, fuzzystrmatch). PGlite loads an
 * extension only when it is opened with it, so every place that opens PGlite goes through here.
 */
export const PGLITE_EXTENSIONS = { pg_trgm, unaccent, fuzzystrmatch }

/** A PGlite with the schema's extensions: in memory without a data directory. */
export function openPGlite(dataDir?: string, options: Omit<PGliteOptions, 'extensions' | 'dataDir'> = {}): Promise<PGlite> {
  return PGlite.create({ ...options, ...(dataDir ? { dataDir } : {}), extensions: PGLITE_EXTENSIONS })
}

/** The same, synchronously constructed (ready once its first query runs). */
export function newPGlite(dataDir?: string): PGlite {
  return new PGlite({ ...(dataDir ? { dataDir } : {}), extensions: PGLITE_EXTENSIONS })
}
