import { subject } from '@casl/ability'
import type { Kysely } from 'kysely'
import { v7 as uuidv7 } from 'uuid'
import type { Principal } from '../auth/principal.js'
import type { Database } from '../db/schema.js'
import { AppError, notFound } from '../http/problem.js'
import { type AppAbility, type CaseScopeAttributes, deniedFields, readableFields } from '../policies/abilities.js'
import type { RecordAudit } from '../audit/audited.js'
import { CASE_VIEW_SECTIONS, type CasePatchInput, type CaseViewSection, type NewCaseInput, SECTION_COLUMNS, WRITABLE_SECTIONS, type WritableSection, fieldsOfWrite } from './case-sections.js'
import {
  type CaseListFilters,
  type CaseReader,
  type SelectedCaseRow,
  findCaseInScope,
  insertCase,
  insertHistory,
  insertParticipant,
  listCasesInScope,
  nextCaseNumber,
  updateCaseReturning,
} from './case.repository.js'
import { caseScopeFilter } from './case-scope.js'
import { type CaseView, toCaseView } from './case-view.js'
import { childRefFor } from './child-ref.js'

/** Who is acting, with what rights, in which request. */
export interface CaseActor {
  readonly principal: Principal
  readonly ability: AppAbility
  readonly requestId: string
}

export interface CaseResult {
  readonly view: CaseView
  readonly version: number
}


const CASE_FILE_SECTIONS: ReadonlySet<string> = new Set(['case', ...CASE_VIEW_SECTIONS])

export const scopeAttributesOf = (row: SelectedCaseRow): CaseScopeAttributes => ({
  participantOrganizationIds: row.participant_organization_ids,
  stage: row.stage,
})

export const caseSubjectOf = (row: SelectedCaseRow) => subject('Case', scopeAttributesOf(row))

function sectionsToSelect(fields: readonly string[]): Set<CaseViewSection | 'case'> {
  return new Set(fields.map((field) => field.slice(0, field.indexOf('.')) as CaseViewSection | 'case'))
}

/**
 * The sections a read selects: those the caller may read, plus (for a write) the sections being
 * written, whose current values the merge and the history need. Those never reach the response:
 * the view carries readable fields only.
 */
function readerOf(actor: CaseActor, alsoSelect: readonly string[] = []): CaseReader {
  return { sections: sectionsToSelect([...readableFields(actor.ability), ...alsoSelect]), organizationId: actor.principal.organizationId }
}

function refuseDeniedFields(denied: readonly string[]): void {
  if (denied.length > 0) {
    throw new AppError('forbidden-fields', `You may not write: ${denied.join(', ')}`, { deniedFields: [...denied] })
  }
}

/**
 * A case the caller reaches, or 404: a case outside the caller's scope does not exist for them.
 * Selects only the sections the caller may read.
 */
export async function loadReadableCase(
  db: Kysely<Database>,
  actor: CaseActor,
  id: string,
  options: { forUpdate?: boolean; alsoSelect?: readonly string[] } = {},
) {
  const row = await findCaseInScope(db, id, caseScopeFilter(actor.ability, 'read'), readerOf(actor, options.alsoSelect), options)
  if (!row || !actor.ability.can('read', caseSubjectOf(row))) throw notFound('case')
  return row
}

/** What the policy lets the caller read, less the sections the child's consents withhold from them. */
export function viewOf(actor: CaseActor, row: SelectedCaseRow): { view: CaseView; fields: string[] } {
  const withheld = new Set(row.withheld_sections)
  // Only the case file's own sections: records under the case (notes, consents, deliberation) are
  // not in this response, so they are neither shown nor recorded as disclosed.
  const fields = readableFields(actor.ability, scopeAttributesOf(row)).filter((field) => {
    const section = field.slice(0, field.indexOf('.'))
    return CASE_FILE_SECTIONS.has(section) && !withheld.has(section)
  })
  return { view: toCaseView(row, fields), fields }
}

export async function readCase(db: Kysely<Database>, actor: CaseActor, id: string, recordAudit: RecordAudit): Promise<CaseResult> {
  const row = await loadReadableCase(db, actor, id)
  const { view, fields } = viewOf(actor, row)
  await recordAudit({ caseIds: [row.id], fields })
  return { view, version: row.version }
}

export interface CaseListQuery {
  readonly limit: number
  readonly before: string | undefined
  readonly filters: CaseListFilters
}

const FILTER_FIELDS: Record<keyof CaseListFilters, string> = {
  stage: 'case.stage',
  status: 'case.status',
  riskLevel: 'case.riskLevel',
  inDetention: 'custody.inDetention',
}

export async function listCases(db: Kysely<Database>, actor: CaseActor, query: CaseListQuery, recordAudit: RecordAudit) {
  // Filtering on a field the caller may not read would disclose it through the result set.
  for (const [filter, field] of Object.entries(FILTER_FIELDS)) {
    if (query.filters[filter as keyof CaseListFilters] !== undefined && !actor.ability.can('read', 'Case', field)) {
      throw new AppError('forbidden', `You may not filter on ${filter}`)
    }
  }
  const rows = await listCasesInScope(db, caseScopeFilter(actor.ability, 'read'), readerOf(actor), {
    ...query,
    limit: query.limit + 1,
  })
  const visible = rows.filter((row) => actor.ability.can('read', caseSubjectOf(row)))
  const page = visible.slice(0, query.limit)
  const disclosed = new Set<string>()
  const items = page.map((row) => {
    const { view, fields } = viewOf(actor, row)
    for (const field of fields) disclosed.add(field)
    return view
  })
  await recordAudit({ caseIds: page.map((row) => row.id), fields: [...disclosed] })
  const last = page.at(-1)
  return { items, nextCursor: rows.length > query.limit && last ? Buffer.from(last.id).toString('base64url') : null }
}

export function decodeCaseCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined
  const id = Buffer.from(cursor, 'base64url').toString()
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new AppError('bad-request', 'The cursor is not valid')
  return id
}

/** Section documents as stored: a null in a write removes the field. */
function mergeSection(current: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...current }
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) delete merged[field]
    else merged[field] = value
  }
  return merged
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

export async function createCase(
  db: Kysely<Database>,
  actor: CaseActor,
  input: NewCaseInput,
  options: { id?: string; childRefKey: string },
  recordAudit: RecordAudit,
): Promise<CaseResult> {
  if (!actor.ability.can('create_case', 'Case')) throw new AppError('forbidden', 'Your role does not open cases')
  const written = fieldsOfWrite(input)
  refuseDeniedFields(deniedFields(actor.ability, 'create', written))

  const id = options.id ?? uuidv7()
  const year = new Date().getUTCFullYear()
  const number = await nextCaseNumber(db, year)
  const sections: Record<string, Record<string, unknown>> = {}
  for (const section of WRITABLE_SECTIONS) sections[SECTION_COLUMNS[section]] = mergeSection({}, input[section] ?? {})
  await insertCase(db, {
    id,
    case_number: `ATD-${year}-${String(number).padStart(6, '0')}`,
    child_ref: childRefFor(options.childRefKey, id),
    risk_level: input.riskLevel,
    lead_organization_id: actor.principal.organizationId,
    created_by: actor.principal.userId,
    date_of_birth: (input.identity?.dateOfBirth as string | undefined) ?? null,
    ...Object.fromEntries(Object.entries(sections).map(([column, value]) => [column, JSON.stringify(value)])),
  })
  await insertParticipant(db, { organization_id: actor.principal.organizationId, case_id: id, participation: 'lead', added_by: actor.principal.userId })
  await insertHistory(
    db,
    written.map((field) => ({
      case_id: id,
      field,
      old_value: null,
      new_value: field === 'case.riskLevel' ? input.riskLevel : input[field.slice(0, field.indexOf('.')) as WritableSection]?.[field.slice(field.indexOf('.') + 1)],
      actor_id: actor.principal.userId,
      request_id: actor.requestId,
    })),
  )
  const row = await loadReadableCase(db, actor, id)
  const { view, fields } = viewOf(actor, row)
  await recordAudit({ caseIds: [id], fields: [...written, ...fields] })
  return { view, version: row.version }
}

export async function patchCase(
  db: Kysely<Database>,
  actor: CaseActor,
  id: string,
  expectedVersion: number | undefined,
  input: CasePatchInput,
  recordAudit: RecordAudit,
): Promise<CaseResult> {
  const written = fieldsOfWrite(input)
  const target = await loadReadableCase(db, actor, id, { forUpdate: true, alsoSelect: written })
  refuseDeniedFields(deniedFields(actor.ability, 'update', written, scopeAttributesOf(target)))
  if (expectedVersion === undefined || expectedVersion !== target.version) {
    throw new AppError('precondition-failed', 'The case has changed since you read it; read it again and retry')
  }

  const current = target as Record<string, unknown>
  const changes: Record<string, unknown> = {}
  const history: Parameters<typeof insertHistory>[1] = []
  const note = (field: string, oldValue: unknown, newValue: unknown) => {
    if (!sameValue(oldValue, newValue)) history.push({ case_id: id, field, old_value: oldValue ?? null, new_value: newValue ?? null, actor_id: actor.principal.userId, request_id: actor.requestId })
  }
  if (input.riskLevel !== undefined) {
    note('case.riskLevel', current.risk_level, input.riskLevel)
    changes.risk_level = input.riskLevel
  }
  for (const section of WRITABLE_SECTIONS) {
    const sectionChanges = input[section]
    if (!sectionChanges) continue
    const column = SECTION_COLUMNS[section]
    const before = (current[column] ?? {}) as Record<string, unknown>
    for (const [field, value] of Object.entries(sectionChanges)) note(`${section}.${field}`, before[field], value)
    changes[column] = JSON.stringify(mergeSection(before, sectionChanges))
    if (section === 'identity' && 'dateOfBirth' in sectionChanges) changes.date_of_birth = sectionChanges.dateOfBirth ?? null
  }

  let row = target
  if (history.length > 0) {
    const updated = await updateCaseReturning(db, id, target.version, changes as never, readerOf(actor))
    if (!updated) throw new AppError('precondition-failed', 'The case has changed since you read it; read it again and retry')
    row = updated
    await insertHistory(db, history)
  }
  const { view, fields } = viewOf(actor, row)
  await recordAudit({ caseIds: [id], fields: [...history.map((entry) => entry.field), ...fields] })
  return { view, version: row.version }
}

