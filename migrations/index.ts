import type { Migration } from 'kysely/migration'
import * as foundation from './2026-11-25-01-foundation.js'
import * as caseFile from './2026-11-25-02-case-file.js'
import * as lifecycle from './2026-11-25-03-lifecycle.js'
import * as records from './2026-11-25-04-records.js'
import * as auditChain from './2026-11-25-05-audit-chain.js'
import * as principalChanges from './2026-11-25-06-principal-changes.js'
import * as oneDoor from './2026-12-01-01-one-door.js'
import * as auditCanonicalForm from './2026-12-01-30-audit-canonical-form.js'
import * as caseAssignments from './2026-12-02-05-case-assignments.js'
import * as referrals from './2026-12-02-11-referrals.js'
import * as recordRules from './2026-12-02-50-record-rules.js'
import * as transfers from './2026-12-02-10-transfers.js'
import * as search from './2026-12-02-20-search.js'
import * as calendarTasks from './2026-12-02-30-calendar-tasks.js'
import * as adminAudit from './2026-12-02-40-admin-audit.js'
import * as caseStatistics from './2026-12-02-60-case-statistics.js'
import * as statisticsSnapshots from './2026-12-03-10-statistics-snapshots.js'
import * as clientRequestId from './2026-12-04-10-client-request-id.js'
import * as normalizeNames from './2026-12-04-20-normalize-names.js'
import * as nameWords from './2026-12-05-10-name-words.js'
import * as nameWordPairs from './2026-12-06-10-name-word-pairs.js'
import * as participationCoveringIndexes from './2026-12-07-10-participation-covering-indexes.js'

/** Every migration, by name; names sort in the order they must run. */
export const migrations: Record<string, Migration> = {
  '2026-11-25-01-foundation': foundation,
  '2026-11-25-02-case-file': caseFile,
  '2026-11-25-03-lifecycle': lifecycle,
  '2026-11-25-04-records': records,
  '2026-11-25-05-audit-chain': auditChain,
  '2026-11-25-06-principal-changes': principalChanges,
  '2026-12-01-01-one-door': oneDoor,
  '2026-12-01-30-audit-canonical-form': auditCanonicalForm,
  '2026-12-02-05-case-assignments': caseAssignments,
  '2026-12-02-11-referrals': referrals,
  '2026-12-02-50-record-rules': recordRules,
  '2026-12-02-10-transfers': transfers,
  '2026-12-02-20-search': search,
  '2026-12-02-30-calendar-tasks': calendarTasks,
  '2026-12-02-40-admin-audit': adminAudit,
  '2026-12-02-60-case-statistics': caseStatistics,
  '2026-12-03-10-statistics-snapshots': statisticsSnapshots,
  '2026-12-04-10-client-request-id': clientRequestId,
  '2026-12-04-20-normalize-names': normalizeNames,
  '2026-12-05-10-name-words': nameWords,
  '2026-12-06-10-name-word-pairs': nameWordPairs,
  '2026-12-07-10-participation-covering-indexes': participationCoveringIndexes,
}
