import { memoBy } from '../shared/memo.js'
import type { ReaderVersion } from '../access/reader-version.js'
import { SECTION_COLUMNS } from './case-sections.js'
import type { SelectedCaseRow } from './case.repository.js'

export type CaseView = Record<string, unknown>

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : value === null || value === undefined ? null : String(value))
const inSection = (column: string) => (row: SelectedCaseRow, field: string) =>
  (row[column] as Record<string, unknown> | null)?.[field] ?? null

/** Where each readable field's value comes from in a selected row. */
const CASE_FIELD_SOURCES: Record<string, (row: SelectedCaseRow, version: ReaderVersion) => unknown> = {
  id: (row) => row.id,
  caseNumber: (row) => row.case_number,
  childRef: (row) => row.child_ref,
  stage: (row) => row.stage,
  status: (row) => row.status,
  riskLevel: (row) => row.risk_level,
  leadOrganizationId: (row) => row.lead_organization_id,
  openedAt: (row) => iso(row.opened_at),
  closedAt: (row) => iso(row.closed_at),
  closureReason: (row) => row.closure_reason ?? null,
  // The reader's own version and change time: of the sections it may read, nothing else.
  version: (_row, version) => version.version,
  updatedAt: (row, version) => iso(version.updatedAt === null ? row.opened_at : new Date(version.updatedAt)),
}

const DERIVED_FIELD_SOURCES: Record<string, (row: SelectedCaseRow) => unknown> = {
  'demographics.ageBracket': (row) => row.age_bracket ?? null,
  'custody.placementType': (row) => row.placement_type ?? null,
  'custody.placementSince': (row) => iso(row.placement_since),
  'custody.responsibleOrganizationId': (row) => row.responsible_organization_id ?? null,
  'custody.inDetention': (row) => row.in_detention ?? false,
  'custody.daysInDetention': (row) => row.days_in_detention ?? 0,
  'legalStatus.guardianAppointed': (row) => row.guardian_appointed ?? false,
  'legalStatus.legallyRepresented': (row) => row.legally_represented ?? false,
}

/** Where one readable field goes in the view and where its value comes from. */
interface FieldPlan {
  /** The view's section object, or undefined for a top-level case field. */
  readonly section: string | undefined
  readonly field: string
  readonly value: (row: SelectedCaseRow, version: ReaderVersion) => unknown
}

/**
 * The plan of a view for one list of readable fields, made once per list: a list of cases shares a
 * few field lists (case-access.ts keeps them), so names are not split and looked up again per case.
 */
const planOf = memoBy((readableFields: readonly string[]): readonly FieldPlan[] =>
  readableFields.flatMap((qualified): FieldPlan[] => {
    const dot = qualified.indexOf('.')
    const section = qualified.slice(0, dot)
    const field = qualified.slice(dot + 1)
    if (section === 'case') {
      const source = CASE_FIELD_SOURCES[field]
      return source ? [{ section: undefined, field, value: source }] : []
    }
    const column = (SECTION_COLUMNS as Record<string, string>)[section]
    if (!column) return [] // sub-resource sections (notes, consent, bidDeliberation) live elsewhere
    const stored = inSection(column)
    return [{ section, field, value: DERIVED_FIELD_SOURCES[qualified] ?? ((row) => stored(row, field)) }]
  }),
)

/**
 * The case as this caller may read it: top-level case fields, then one object per readable section.
 * A field the caller may not read is absent; a readable field that is not set is null.
 */
export function toCaseView(row: SelectedCaseRow, readableFields: readonly string[], version: ReaderVersion): CaseView {
  const view: CaseView = {}
  for (const { section, field, value } of planOf(readableFields)) {
    if (section === undefined) view[field] = value(row, version)
    else ((view[section] ??= {}) as Record<string, unknown>)[field] = value(row, version)
  }
  return view
}

export const etagOf = (version: number) => `"${version}"`

/** The version an If-Match header names, or undefined when it is not one of ours. */
export function versionFromIfMatch(header: string): number | undefined {
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(header.trim())
  return match ? Number(match[1]) : undefined
}
