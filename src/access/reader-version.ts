import type { CaseAccess } from './case-access.js'

/**
 * Versions and ETags per reader (PRODUCT.md): a case keeps a version per section; a reader's version
 * is the sum of the versions of the case-file sections it may read, and its `updatedAt` the latest
 * change among them. Versions only grow, so the sum moves exactly when a section the reader may read
 * changes: a change behind a wall is invisible, even as a new ETag, and never makes If-Match stale.
 */

/** The sections of the case document (records under a case keep versions of their own). */
export const CASE_DOCUMENT_SECTIONS = [
  'case',
  'demographics',
  'identity',
  'contact',
  'health',
  'protection',
  'custody',
  'legalStatus',
  'legal',
  'bestInterests',
] as const

export interface VersionedCase {
  readonly section_versions: Readonly<Record<string, number>>
  readonly section_updated_at: Readonly<Record<string, string>>
}

export interface ReaderVersion {
  readonly version: number
  readonly updatedAt: string | null
}

export function readerVersion(access: CaseAccess, row: VersionedCase): ReaderVersion {
  const readable = access.readableSections()
  let version = 0
  let updatedAt: string | null = null
  for (const section of CASE_DOCUMENT_SECTIONS) {
    if (!readable.has(section)) continue
    version += Number(row.section_versions[section] ?? 0)
    const at = row.section_updated_at[section]
    if (at !== undefined && (updatedAt === null || at > updatedAt)) updatedAt = at
  }
  return { version, updatedAt }
}
