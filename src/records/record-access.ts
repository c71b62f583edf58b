import { AppError } from '../http/problem.js'
import type { SelectedCaseRow } from '../cases/case.repository.js'
import { type CaseActor, caseSubjectOf } from '../cases/case.service.js'
import type { Database } from '../db/schema.js'
import type { Kysely } from 'kysely'
import { sectionOf, sectionsWithheldFrom } from './withheld-sections.js'

/**
 * Sub-resources of a case (notes, consents) are one field of one section: `notes.notes`,
 * `consent.consents`. The case is already known to be in scope; this asks whether the caller's role
 * may read, create or update that field on it. A refused write names the field, like PATCH /cases.
 */
export function requireFieldAccess(actor: CaseActor, row: SelectedCaseRow, action: 'read' | 'create' | 'update', field: string): void {
  if (actor.ability.can(action, caseSubjectOf(row), field)) return
  if (action === 'read') throw new AppError('forbidden', `Your role may not read ${field}`)
  throw new AppError('forbidden-fields', `You may not write: ${field}`, { deniedFields: [field] })
}

/** A section the child's consent withholds from the caller's organisation is not disclosed to it. */
export async function refuseWithheldSection(db: Kysely<Database>, actor: CaseActor, caseId: string, field: string): Promise<void> {
  const withheld = await sectionsWithheldFrom(db, caseId, actor.principal.organizationId)
  if (withheld.has(sectionOf(field))) throw new AppError('forbidden', `The child's consent withholds ${sectionOf(field)} from your organisation`, { reason: 'withheld_by_consent' })
}
