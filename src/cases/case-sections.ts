import { z } from 'zod'
import { countryCode } from './countries.js'
import { dateOfBirth, pastDate, pastDateTime } from './date-rules.js'
import { isoDate } from '../http/dates.js'
import { nameText, text } from '../http/text.js'

/**
 * Every field of the case file, by section. The section is the sensitivity class: the policies in
 * policies/ grant read/create/update per section, and start-up fails if a field here belongs to no
 * section of the policy. Writable fields have a schema; derived fields are listed separately and are
 * read-only for everyone.
 */

const shortList = (item: z.ZodType, max = 20) => z.array(item).max(max)

export const STAGES = [
  'identification',
  'custody',
  'guardianship',
  'legal_representation',
  'best_interest_determination',
  'durable_solution',
  'closed',
] as const
export type Stage = (typeof STAGES)[number]

export const CASE_STATUSES = ['open', 'closed'] as const
export type CaseStatus = (typeof CASE_STATUSES)[number]
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const
export type RiskLevel = (typeof RISK_LEVELS)[number]
export const CLOSURE_REASONS = ['solution_achieved', 'turned_18', 'transferred', 'death', 'no_longer_needed'] as const
export type ClosureReason = (typeof CLOSURE_REASONS)[number]
export const AGE_BRACKETS = ['0-5', '6-11', '12-14', '15-17'] as const
export const SEPARATION_STATUSES = ['unaccompanied', 'separated', 'accompanied'] as const
export type SeparationStatus = (typeof SEPARATION_STATUSES)[number]
export const MIGRATION_STATUSES = [
  'irregular',
  'humanitarian_visitor',
  'asylum_seeker',
  'refugee',
  'complementary_protection',
  'permanent_resident',
  'returned',
] as const
export const ASYLUM_CLAIM_STATUSES = [
  'not_applicable',
  'intended',
  'filed',
  'interview_scheduled',
  'recognized',
  'complementary_protection',
  'denied',
  'appealed',
  'withdrawn',
] as const
/** Asylum claim states in which an assisted return is refused (non-refoulement). */
export const PENDING_ASYLUM_CLAIM_STATUSES = ['intended', 'filed', 'interview_scheduled', 'appealed'] as const

export const REPRESENTATION_TYPES = ['originaria', 'coadyuvante', 'suplencia'] as const
export const TRACING_STATUSES = ['not_started', 'in_progress', 'located', 'not_located', 'contact_established'] as const

const familyMemberSchema = z.strictObject({
  relationship: text(60).describe('how the person is related to the child (mother, uncle…)'),
  name: nameText(200).nullish().describe('the person’s name'),
  phone: text(40).nullish().describe('a phone number'),
  location: text(200).nullish().describe('where the person lives'),
  country: countryCode.nullish().describe('the country where the person lives (ISO 3166-1 alpha-2)'),
  tracingStatus: z.enum(TRACING_STATUSES).nullish().describe('where family tracing stands'),
})

const identityDocumentSchema = z.strictObject({
  type: text(60).describe('the kind of document (birth certificate, passport…)'),
  number: text(80).nullish().describe('its number'),
  issuingCountry: countryCode.nullish().describe('the country that issued it (ISO 3166-1 alpha-2)'),
})

const guardianSchema = z.strictObject({
  type: z.enum(['parent', 'relative', 'procuraduria', 'appointed_guardian']).describe('who the guardian is'),
  name: nameText(200).nullish().describe('the guardian’s name'),
  organizationId: z.uuid().nullish().describe('the guardian’s organisation (the Procuraduría)'),
  representationType: z.enum(REPRESENTATION_TYPES).describe('originaria, coadyuvante or suplencia (LGDNNA art. 106)'),
  appointedAt: pastDate.describe('when the guardian was appointed (YYYY-MM-DD)'),
})

const representationSchema = z.strictObject({
  attorneyName: nameText(200).describe('the child’s attorney'),
  organizationId: z.uuid().describe('the attorney’s organisation'),
  since: pastDate.describe('since when the attorney represents the child (YYYY-MM-DD)'),
})

const asylumSchema = z.strictObject({
  fileNumber: text(80).nullish().describe('the COMAR file number'),
  filedAt: pastDate.nullish().describe('when the claim was filed (YYYY-MM-DD)'),
  interviewAt: isoDate.nullish().describe('the date of the eligibility interview'),
  decision: z.enum(['recognized', 'complementary_protection', 'denied']).nullish().describe('COMAR’s decision'),
  decisionDate: pastDate.nullish().describe('when COMAR decided (YYYY-MM-DD)'),
  appeal: z
    .strictObject({
      filedAt: pastDate.describe('when the appeal was filed (YYYY-MM-DD)'),
      kind: z.enum(['recurso_de_revision', 'amparo']).describe('the remedy: recurso de revisión or amparo'),
      outcome: text(200).nullish().describe('how the appeal ended'),
    })
    .nullish()
    .describe('an appeal against the decision: when, which remedy, and its outcome'),
})

/** Writable fields per section. `null` clears a field on update. */
export const WRITABLE_SECTION_FIELDS = {
  demographics: {
    sex: z.enum(['female', 'male', 'other', 'unknown']).describe('the child’s sex'),
    nationality: countryCode.describe('the child’s nationality (ISO 3166-1 alpha-2)'),
    separationStatus: z
      .enum(SEPARATION_STATUSES)
      .describe('unaccompanied: no adult caring for the child; separated: with an adult who is not the parent or usual carer; accompanied'),
  },
  identity: {
    givenName: nameText(200).describe('the child’s given names'),
    familyName: nameText(200).describe('the child’s family names'),
    otherNames: shortList(nameText(200), 10).describe('other names the child is known by'),
    dateOfBirth: dateOfBirth.describe('the date of birth (YYYY-MM-DD), stated or estimated'),
    dateOfBirthEstimated: z.boolean().describe('true: the date of birth is an estimate (age assessment)'),
    languages: shortList(text(60), 10).describe('the languages the child speaks, the one best understood first'),
    indigenousIdentity: text(100).describe('the indigenous people the child identifies with'),
    identityDocuments: shortList(identityDocumentSchema, 10).describe('the documents the child holds'),
  },
  contact: {
    currentAddress: text(500).describe('where the child can be reached'),
    phone: text(40).describe('a phone number for the child'),
    family: shortList(familyMemberSchema, 20).describe('relatives, and where tracing them stands'),
  },
  health: {
    conditions: shortList(text(200), 30).describe('health conditions'),
    disabilities: shortList(text(200), 30).describe('disabilities'),
    medications: shortList(text(200), 30).describe('medications the child takes'),
    urgentMedicalNeed: z.boolean().describe('true: the child needs medical care now'),
    notes: text(4000).describe('free text about the child’s health'),
  },
  protection: {
    traffickingIndicators: shortList(text(200), 30).describe('signs of trafficking observed'),
    violenceExperienced: shortList(text(200), 30).describe('violence the child experienced'),
    riskOnReturn: text(4000).describe('what the child risks if returned (free text)'),
    asylumNeedIdentified: z.boolean().describe('true: the child may need international protection'),
    notes: text(4000).describe('free text about the child’s protection'),
  },
  custody: {
    procuraduriaNotifiedAt: pastDateTime.describe('when the Procuraduría was notified of the child (Ley de Migración art. 112)'),
    channelledAt: pastDateTime.describe('when the child was channelled to a shelter'),
  },
  legalStatus: {
    migrationStatus: z.enum(MIGRATION_STATUSES).describe('the child’s migration status in Mexico'),
    asylumClaimStatus: z.enum(ASYLUM_CLAIM_STATUSES).describe('where the child’s asylum claim stands'),
    /** When the child entered Mexico: the asylum filing limit counts from it. */
    entryDate: pastDate.describe('when the child entered Mexico (YYYY-MM-DD): the asylum filing limit counts from it'),
  },
  legal: {
    guardian: guardianSchema.describe('the child’s guardian (tutela)'),
    representation: representationSchema.describe('the child’s legal representation'),
    asylum: asylumSchema.describe('the asylum claim before COMAR'),
    notes: text(4000).describe('free text about the legal file'),
  },
} as const

export type WritableSection = keyof typeof WRITABLE_SECTION_FIELDS
export const WRITABLE_SECTIONS = Object.keys(WRITABLE_SECTION_FIELDS) as WritableSection[]

/** Fields the service computes; writing one is a 400 for everyone. */
export const DERIVED_SECTION_FIELDS = {
  case: [
    'id',
    'caseNumber',
    'childRef',
    'stage',
    'status',
    'leadOrganizationId',
    'openedAt',
    'closedAt',
    'closureReason',
    'version',
    'updatedAt',
  ],
  demographics: ['ageBracket'],
  custody: ['placementType', 'placementSince', 'responsibleOrganizationId', 'inDetention', 'daysInDetention'],
  legalStatus: ['guardianAppointed', 'legallyRepresented'],
  bestInterests: ['determinationId', 'outcome', 'decidedAt', 'reviewDueAt'],
} as const satisfies Record<string, readonly string[]>

/** The column of the cases table that stores each section's document. */
export const SECTION_COLUMNS = {
  demographics: 'demographics',
  identity: 'identity',
  contact: 'contact',
  health: 'health',
  protection: 'protection',
  custody: 'custody',
  legalStatus: 'legal_status',
  legal: 'legal',
  bestInterests: 'best_interests',
} as const satisfies Record<WritableSection | 'bestInterests', string>

/** The only top-level case field a caller writes; the rest is set by the service or transitions. */
export const WRITABLE_CASE_FIELDS = { riskLevel: z.enum(RISK_LEVELS).describe('how urgently the child needs protection') } as const

/** All case-file fields by section, as the policy must classify them. */
export function caseFileFieldsBySection(): Record<string, string[]> {
  const fields: Record<string, string[]> = { case: [...Object.keys(WRITABLE_CASE_FIELDS)] }
  for (const section of WRITABLE_SECTIONS) fields[section] = Object.keys(WRITABLE_SECTION_FIELDS[section])
  for (const [section, names] of Object.entries(DERIVED_SECTION_FIELDS)) fields[section] = [...(fields[section] ?? []), ...names]
  return fields
}

/** The sections a case response may carry (besides the top-level case fields). */
export const CASE_VIEW_SECTIONS = [
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
export type CaseViewSection = (typeof CASE_VIEW_SECTIONS)[number]

function sectionInput(section: WritableSection, nullable: boolean) {
  const shape = Object.fromEntries(
    Object.entries(WRITABLE_SECTION_FIELDS[section]).map(([name, schema]) => [
      name,
      nullable ? (schema as z.ZodType).nullable().optional() : (schema as z.ZodType).optional(),
    ]),
  )
  return z.strictObject(shape).describe(`section ${section}`)
}

export const newCaseSchema = z.strictObject({
  riskLevel: WRITABLE_CASE_FIELDS.riskLevel,
  ...Object.fromEntries(WRITABLE_SECTIONS.map((section) => [section, sectionInput(section, false).optional()])),
  sameChildAs: z
    .uuid()
    .optional()
    .describe('an earlier case of the same child, which the creator may read: the new case shares its childRef'),
}) as z.ZodType<NewCaseInput>

export const casePatchSchema = z.strictObject({
  riskLevel: WRITABLE_CASE_FIELDS.riskLevel.optional(),
  ...Object.fromEntries(WRITABLE_SECTIONS.map((section) => [section, sectionInput(section, true).optional()])),
}) as z.ZodType<CasePatchInput>

type SectionValues = Record<string, unknown>
export interface NewCaseInput {
  riskLevel: (typeof RISK_LEVELS)[number]
  demographics?: SectionValues
  identity?: SectionValues
  contact?: SectionValues
  health?: SectionValues
  protection?: SectionValues
  custody?: SectionValues
  legalStatus?: SectionValues
  legal?: SectionValues
  /** An earlier case of the same child (create only): the new case shares its childRef. */
  sameChildAs?: string
}
export type CasePatchInput = Partial<Omit<NewCaseInput, 'sameChildAs'>>

/** 'section.field' names a write sets, e.g. case.riskLevel, identity.givenName. */
export function fieldsOfWrite(input: CasePatchInput): string[] {
  const fields: string[] = []
  if (input.riskLevel !== undefined) fields.push('case.riskLevel')
  for (const section of WRITABLE_SECTIONS) {
    for (const name of Object.keys(input[section] ?? {})) fields.push(`${section}.${name}`)
  }
  return fields
}

/** Derived fields a raw request body tries to write, as 'section.field' names. */
export function derivedFieldsIn(body: unknown): string[] {
  if (!body || typeof body !== 'object') return []
  const found: string[] = []
  const record = body as Record<string, unknown>
  for (const name of DERIVED_SECTION_FIELDS.case) if (name in record) found.push(`case.${name}`)
  for (const [section, names] of Object.entries(DERIVED_SECTION_FIELDS)) {
    if (section === 'case') continue
    const value = record[section]
    if (section === 'bestInterests' && value !== undefined) {
      found.push('bestInterests')
      continue
    }
    if (value && typeof value === 'object') for (const name of names) if (name in value) found.push(`${section}.${name}`)
  }
  return found
}
