import type { Role } from '../auth/principal.js'
import { AppError } from '../http/problem.js'
import { type CaseAccess, forbiddenFields, sectionOf } from './case-access.js'
import type { Policy } from './policy.js'

/**
 * The records under a case (placements, notes, consents, assessments, determinations, transitions,
 * participations) have fields of their own. Each field is carried by one field of the access matrix,
 * so the same rule that guards the case guards every record: a reader sees a record's field only
 * when it may read that matrix field on that case (role letters ∩ participation ∩ not withheld).
 *
 * Free text (prose a person types: reasons, notes, rationales, citations) is where disclosures hide:
 * every free-text field must sit in a section that neither the migration officer nor the auditor
 * may read. Start-up fails if a record's field is unclassified or its free text could reach them.
 */
export interface RecordClass<K extends string = string> {
  readonly name: string
  /** The matrix field whose reading lets a reader know the records exist at all. */
  readonly anchor: string
  /** record field → the matrix field that carries it */
  readonly fields: Readonly<Record<K, string>>
  readonly freeText: readonly K[]
}

const recordClass = <K extends string>(definition: {
  name: string
  anchor: string
  fields: Record<K, string>
  freeText: readonly NoInfer<K>[]
}): RecordClass<K> => Object.freeze(definition)

export const PLACEMENT_RECORD = recordClass({
  name: 'placement',
  anchor: 'custody.placementType',
  fields: {
    id: 'custody.placementType',
    caseId: 'custody.placementType',
    type: 'custody.placementType',
    current: 'custody.placementType',
    startedAt: 'custody.placementSince',
    endedAt: 'custody.placementSince',
    endReasonCode: 'custody.placementSince',
    responsibleOrganizationId: 'custody.responsibleOrganizationId',
    facilityName: 'custody.placementType',
    facilityAddress: 'contact.currentAddress',
    legalBasis: 'legal.notes',
    endNotes: 'notes.notes',
    correctionReason: 'notes.notes',
    backdated: 'custody.placementSince',
    createdAt: 'custody.placementType',
    version: 'custody.placementType',
  },
  freeText: ['legalBasis', 'endNotes', 'correctionReason'],
})

export const NOTE_RECORD = recordClass({
  name: 'note',
  anchor: 'notes.notes',
  fields: {
    id: 'notes.notes',
    caseId: 'notes.notes',
    authorId: 'notes.notes',
    authorOrganizationId: 'notes.notes',
    body: 'notes.notes',
    category: 'notes.notes',
    enteredInError: 'notes.notes',
    createdAt: 'notes.notes',
    updatedAt: 'notes.notes',
    version: 'notes.notes',
  },
  freeText: ['body'],
})

export const CONSENT_RECORD = recordClass({
  name: 'consent',
  anchor: 'consent.consents',
  fields: {
    id: 'consent.consents',
    caseId: 'consent.consents',
    givenBy: 'consent.consents',
    scopes: 'consent.consents',
    withheld: 'consent.consents',
    givenAt: 'consent.consents',
    withdrawnAt: 'consent.consents',
    notes: 'notes.notes',
    recordedBy: 'consent.consents',
    recordedByOrganizationId: 'consent.consents',
    createdAt: 'consent.consents',
    version: 'consent.consents',
  },
  freeText: ['notes'],
})

export const ASSESSMENT_RECORD = recordClass({
  name: 'assessment',
  anchor: 'bidDeliberation.assessments',
  fields: {
    id: 'bidDeliberation.assessments',
    caseId: 'bidDeliberation.assessments',
    assessorId: 'bidDeliberation.assessments',
    authorOrganizationId: 'bidDeliberation.assessments',
    status: 'bidDeliberation.assessments',
    findings: 'bidDeliberation.assessments',
    recommendation: 'bidDeliberation.assessments',
    completedAt: 'bidDeliberation.assessments',
    createdAt: 'bidDeliberation.assessments',
    updatedAt: 'bidDeliberation.assessments',
    version: 'bidDeliberation.assessments',
  },
  freeText: ['findings', 'recommendation'],
})

/** The outcome, its dates and the record's standing are `bestInterests`; the deliberation is `bidDeliberation`. */
export const DETERMINATION_RECORD = recordClass({
  name: 'determination',
  anchor: 'bestInterests.determinationId',
  fields: {
    id: 'bestInterests.determinationId',
    caseId: 'bestInterests.determinationId',
    status: 'bestInterests.determinationId',
    supersedesId: 'bestInterests.determinationId',
    createdBy: 'bestInterests.determinationId',
    createdAt: 'bestInterests.determinationId',
    version: 'bestInterests.determinationId',
    outcome: 'bestInterests.outcome',
    decidedAt: 'bestInterests.decidedAt',
    reviewDueAt: 'bestInterests.reviewDueAt',
    trigger: 'bidDeliberation.factors',
    panel: 'bidDeliberation.panel',
    childViews: 'bidDeliberation.childViews',
    factors: 'bidDeliberation.factors',
    optionsConsidered: 'bidDeliberation.optionsConsidered',
    rationale: 'bidDeliberation.rationale',
    dissent: 'bidDeliberation.dissent',
  },
  freeText: ['childViews', 'factors', 'optionsConsidered', 'rationale', 'dissent', 'panel'],
})

/** Who moved the case, when, from where to where: `case`; why, in their words: `notes`. */
export const TRANSITION_RECORD = recordClass({
  name: 'transition',
  anchor: 'case.stage',
  fields: {
    id: 'case.stage',
    caseId: 'case.stage',
    from: 'case.stage',
    to: 'case.stage',
    closureReason: 'case.closureReason',
    actorId: 'case.stage',
    actorRole: 'case.stage',
    at: 'case.stage',
    reason: 'notes.notes',
  },
  freeText: ['reason'],
})

/** Who takes part in a case is part of the case's own fields; a legal citation is `legal`, an end's reason `notes`. */
export const PARTICIPATION_RECORD = recordClass({
  name: 'participation',
  anchor: 'case.leadOrganizationId',
  fields: {
    id: 'case.leadOrganizationId',
    organizationId: 'case.leadOrganizationId',
    organizationName: 'case.leadOrganizationId',
    organizationKind: 'case.leadOrganizationId',
    basis: 'case.leadOrganizationId',
    consentId: 'case.leadOrganizationId',
    legalBasis: 'case.leadOrganizationId',
    legalBasisCitation: 'legal.notes',
    sections: 'case.leadOrganizationId',
    grantedBy: 'case.leadOrganizationId',
    since: 'case.leadOrganizationId',
    endedAt: 'case.leadOrganizationId',
    endedBy: 'case.leadOrganizationId',
    endReason: 'notes.notes',
  },
  freeText: ['legalBasisCitation', 'endReason'],
})

/**
 * A referral is part of who takes part in the case; its stub names the case by number and pseudonym.
 * A legal citation is `legal`; a decline's reason and a completion's notes are `notes`.
 */
export const REFERRAL_RECORD = recordClass({
  name: 'referral',
  anchor: 'case.leadOrganizationId',
  fields: {
    id: 'case.leadOrganizationId',
    caseId: 'case.leadOrganizationId',
    caseNumber: 'case.caseNumber',
    childRef: 'case.childRef',
    fromOrganizationId: 'case.leadOrganizationId',
    fromOrganizationName: 'case.leadOrganizationId',
    toOrganizationId: 'case.leadOrganizationId',
    toOrganizationName: 'case.leadOrganizationId',
    service: 'case.leadOrganizationId',
    sections: 'case.leadOrganizationId',
    respondBy: 'case.leadOrganizationId',
    status: 'case.leadOrganizationId',
    requestedAt: 'case.leadOrganizationId',
    decidedAt: 'case.leadOrganizationId',
    outcome: 'case.leadOrganizationId',
    completedAt: 'case.leadOrganizationId',
    endedAt: 'case.leadOrganizationId',
    endReason: 'case.leadOrganizationId',
    requestedBy: 'case.leadOrganizationId',
    consentId: 'case.leadOrganizationId',
    legalBasis: 'case.leadOrganizationId',
    legalBasisCitation: 'legal.notes',
    decidedBy: 'case.leadOrganizationId',
    declineReason: 'notes.notes',
    completionNotes: 'notes.notes',
    completedBy: 'case.leadOrganizationId',
    participationId: 'case.leadOrganizationId',
  },
  freeText: ['legalBasisCitation', 'declineReason', 'completionNotes'],
})

/** A transfer moves who leads (the case's own fields); its legal citation is `legal`, a decline's reason `notes`. */
export const TRANSFER_RECORD = recordClass({
  name: 'transfer',
  anchor: 'case.leadOrganizationId',
  fields: {
    id: 'case.leadOrganizationId',
    caseId: 'case.leadOrganizationId',
    kind: 'case.leadOrganizationId',
    fromOrganizationId: 'case.leadOrganizationId',
    toOrganizationId: 'case.leadOrganizationId',
    consentId: 'case.leadOrganizationId',
    legalBasis: 'case.leadOrganizationId',
    legalBasisCitation: 'legal.notes',
    status: 'case.leadOrganizationId',
    requestedBy: 'case.leadOrganizationId',
    requestedAt: 'case.leadOrganizationId',
    decidedBy: 'case.leadOrganizationId',
    decidedAt: 'case.leadOrganizationId',
    declineReason: 'notes.notes',
  },
  freeText: ['legalBasisCitation', 'declineReason'],
})

/** Free-text fields of the case file itself. */
export const CASE_FREE_TEXT_FIELDS = ['health.notes', 'protection.riskOnReturn', 'protection.notes', 'legal.notes'] as const

/** The roles that must never read free text (PRODUCT.md, "Free text"). */
export const NO_FREE_TEXT_ROLES: readonly Role[] = ['migration_officer', 'oversight_auditor']

/**
 * The record's fields this reader may read on this case; 403 when it may not know the records exist
 * (the anchor), naming the wall, never what is behind it.
 */
export function readableRecordFields<K extends string>(access: CaseAccess, record: RecordClass<K>): Set<K> {
  access.requireReadableSection(sectionOf(record.anchor), `the ${record.name} records`)
  return new Set((Object.keys(record.fields) as K[]).filter((field) => access.canRead(record.fields[field])))
}

/** 403 naming the record's fields (as `section.field`) that the reader may not set; nothing is written. */
export function refuseUnwritableRecordFields<K extends string>(
  access: CaseAccess,
  record: RecordClass<K>,
  action: 'create' | 'update',
  fields: readonly K[],
): void {
  const denied = fields.filter((field) => !access.canWrite(action, record.fields[field]))
  if (denied.length > 0) throw forbiddenFields(denied.map((field) => `${sectionOf(record.fields[field])}.${field}`))
}

/** 403 unless the reader may create (or change) records of this class on this case. */
export function requireRecordWrite(access: CaseAccess, record: RecordClass, action: 'create' | 'update'): void {
  if (!access.canWrite(action, record.anchor)) throw forbiddenFields([record.anchor])
}

/** The matrix fields behind some record fields, for the audit trail (names only). */
export const policyFieldsOf = <K extends string>(record: RecordClass<K>, fields: Iterable<K>): string[] => [
  ...new Set([...fields].map((field) => record.fields[field])),
]

/** Only the keys the reader may read: an unreadable field is absent, never null. */
export function pickReadable<K extends string, V extends Partial<Record<K, unknown>>>(view: V, readable: ReadonlySet<K>): Partial<V> {
  const result: Partial<V> = {}
  for (const key of Object.keys(view) as (keyof V & K)[]) if (readable.has(key)) result[key] = view[key]
  return result
}

/** 403 unless the reader's organisation wrote the record (PRODUCT.md, "Records and their authors"). */
export function requireAuthorOrganization(authorOrganizationId: string, organizationId: string, what: string): void {
  if (authorOrganizationId !== organizationId) {
    throw new AppError('forbidden', `Only the organisation that wrote ${what} may change it`, { reason: 'not_author_organization' })
  }
}

export const RECORD_CLASSES: readonly RecordClass[] = [
  PLACEMENT_RECORD,
  NOTE_RECORD,
  CONSENT_RECORD,
  ASSESSMENT_RECORD,
  DETERMINATION_RECORD,
  TRANSITION_RECORD,
  PARTICIPATION_RECORD,
  REFERRAL_RECORD,
  TRANSFER_RECORD,
]

/**
 * Refuses to start when a record's view has a field no class names, a class names a matrix field the
 * policy does not have, or free text could reach a role that must never read it.
 */
export function assertRecordsClassified(policy: Policy, views: Readonly<Record<string, readonly string[]>>): void {
  const problems: string[] = []
  const known = (field: string) => policy.sections[sectionOf(field)]?.includes(field.slice(field.indexOf('.') + 1)) ?? false
  const readableBy = (role: Role, field: string) => {
    const own = policy.fieldGrants[role][field]
    return (own ?? policy.grants[role][sectionOf(field)] ?? []).includes('r')
  }
  for (const record of RECORD_CLASSES) {
    const fields = record.fields as Record<string, string>
    for (const field of views[record.name] ?? []) if (!(field in fields)) problems.push(`${record.name}.${field} belongs to no section`)
    if (!(record.name in views)) problems.push(`no view is declared for ${record.name} records`)
    for (const [field, policyField] of Object.entries(fields)) {
      if (!known(policyField)) problems.push(`${record.name}.${field} names ${policyField}, which the policy does not have`)
    }
    for (const field of record.freeText as string[]) {
      for (const role of NO_FREE_TEXT_ROLES) {
        if (readableBy(role, fields[field] as string)) problems.push(`free text ${record.name}.${field} would be readable by ${role}`)
      }
    }
  }
  for (const field of CASE_FREE_TEXT_FIELDS) {
    for (const role of NO_FREE_TEXT_ROLES) if (readableBy(role, field)) problems.push(`free text ${field} would be readable by ${role}`)
  }
  if (problems.length > 0) throw new Error(`The records do not match the access policy:\n  - ${problems.join('\n  - ')}`)
}
