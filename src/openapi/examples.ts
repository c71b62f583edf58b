import { DEMO_CHILDREN, DEMO_DAY, demoDateOfBirth } from '../db/demo-cases.js'
import { DEMO_ORGANIZATIONS, DEMO_USERS } from '../db/demo-data.js'
import { statisticsMethod } from '../statistics/statistics.service.js'
import { PROBLEM_TYPE_PREFIX, PROBLEM_TYPES, type ProblemCode } from '../http/problem.js'
import { CATALOGUES } from '../i18n/catalogue.js'

/**
 * The examples of openapi.yaml, in one place: every request body and every 2xx JSON answer gets one,
 * built from its own schema and filled with the demo data's invented children, organisations and
 * people (src/db/demo-cases.ts, demo-data.ts), so an example reads like a record the demo holds.
 * `finishDocument` attaches them (media-type `example`); test/openapi.test.ts checks that each one
 * validates against its schema, and `npx redocly lint` checks it again (no-invalid-media-type-examples).
 */

type Json = Record<string, any>

/** The demo's clock, fixed so that the committed document does not change from day to day. */
const DEMO_NOW = Date.parse('2026-01-15T16:00:00.000Z')
const DEMO_MONTH = new Date(DEMO_NOW).toISOString().slice(0, 7)
const CHILD_INDEX = 0
const [givenName, familyName, nationality, sex, languages, indigenousIdentity] = DEMO_CHILDREN[CHILD_INDEX]!
const openedAt = new Date(DEMO_NOW - (10 + CHILD_INDEX * 6) * DEMO_DAY)
const dateOfBirth = demoDateOfBirth(DEMO_NOW, CHILD_INDEX)
const caseworker = DEMO_USERS.find((user) => user.subject === 'demo-ngo-caseworker')!
const shelter = DEMO_ORGANIZATIONS.find((organization) => organization.key === caseworker.organization)!
const protection = DEMO_ORGANIZATIONS.find((organization) => organization.key === 'procuraduria')!

/** The path of the demo child's case, as a problem's `instance` names it. */
export const DEMO_CASE_PATH = `/cases/${uuidFor('id')}`

const day = (offset: number) => new Date(openedAt.getTime() + offset * DEMO_DAY).toISOString().slice(0, 10)
const dateTime = (offsetHours: number) => new Date(openedAt.getTime() + offsetHours * 3600_000).toISOString()

/**
 * Values the demo gives a field, by the field's name (the first that the field's schema accepts is
 * used): the first demo child, the caseworker of Casa Esperanza, and the demo's placements, history,
 * assessments and determinations.
 */
const BY_NAME: Record<string, readonly unknown[]> = {
  givenName: [givenName],
  familyName: [familyName],
  nationality: [nationality],
  country: [nationality],
  issuingCountry: [nationality],
  sex: [sex],
  languages: [[...languages]],
  indigenousIdentity: [indigenousIdentity],
  dateOfBirth: [dateOfBirth],
  dateOfBirthEstimated: [true],
  currentAddress: ['Tapachula, Chiapas'],
  facilityAddress: ['Tapachula, Chiapas'],
  facilityName: ['Casa de acogida (demo)'],
  location: ['Tapachula, Chiapas'],
  relationship: ['mother'],
  tracingStatus: ['located'],
  conditions: [['dehydration on arrival']],
  urgentMedicalNeed: [false],
  asylumNeedIdentified: [true],
  traffickingIndicators: [['debt to smuggler']],
  riskOnReturn: ['Threats from a gang in the home town'],
  migrationStatus: ['humanitarian_visitor'],
  asylumClaimStatus: ['filed'],
  separationStatus: ['unaccompanied'],
  caseNumber: [`ATD-${new Date(DEMO_NOW).getUTCFullYear()}-000001`],
  stage: ['identification'],
  to: ['custody'],
  from: ['identification'],
  status: ['open', 'completed', 'decided', 'active'],
  riskLevel: ['low'],
  attorneyName: ['Lic. Sofía Ruiz'],
  displayName: [caseworker.displayName],
  subject: [caseworker.subject],
  role: [caseworker.role, 'caseworker'],
  name: [shelter.name, 'Mariana Gálvez'],
  organizationName: [shelter.name],
  kind: [shelter.kind],
  type: ['ngo_shelter', 'procuraduria', 'suplencia'],
  representationType: ['suplencia'],
  legalBasis: ['Medida de protección (demo)'],
  legalBasisCode: ['protection_measure'],
  legalBasisText: ['LGDNNA art. 122: representación en suplencia y coordinación interinstitucional'],
  basis: ['legal_basis'],
  reason: ['Demo history', 'transfer_accepted'],
  endReason: ['transfer_accepted'],
  outcome: ['family_reunification'],
  trigger: ['durable_solution'],
  childViews: ['Wants to stay with an aunt in Mexico', 'Wants to live with family'],
  family: ['Mother located'],
  safety: ['Safe placement'],
  recommendation: ['Family-based care with an aunt'],
  rationale: ['Family-based care serves the child best'],
  locale: ['es-MX'],
  language: ['es-MX'],
  version: [1],
  openedAt: [openedAt.toISOString()],
  procuraduriaNotifiedAt: [dateTime(6)],
  channelledAt: [dateTime(20)],
  appointedAt: [day(5)],
  since: [day(8)],
  body: [`Entrevista inicial: ${givenName} habla ${languages.join(' y ')}; pide intérprete (demo)`],
  ageBracket: ['12-14'],
  nextCursor: [null],
  fromOrganizationName: [shelter.name],
  toOrganizationName: [protection.name],
  respondBy: [dateTime(72)],
  actorRole: [caseworker.role],
  section: ['identity'],
  action: ['case.read'],
  date: [day(0)],
  at: [dateTime(0)],
  path: [DEMO_CASE_PATH],
  closedAt: [null],
  closureReason: [null],
  allowed: [true],
  field: ['identity.languages'],
  oldValue: [['español']],
  newValue: [[...languages]],
}

/**
 * Values by parent and field, where the field's name alone says too little: the demo's determination
 * panel; `undefined` leaves an optional field out (the demo records no documents or relatives' names).
 */
const BY_PLACE: Record<string, readonly unknown[]> = {
  'panel.name': ['Lic. Andrés Coutiño'],
  'nextStages.unmet': [[]],
  'unmet.code': ['procuraduria_not_notified'],
  'unmet.message': [CATALOGUES.en.sentences.guards.procuraduria_not_notified],
  'unmet.satisfiedBy': ['custody.procuraduriaNotifiedAt'],
  'period.code': [DEMO_MONTH],
  'period.from': [`${DEMO_MONTH}-01T00:00:00.000Z`],
  'period.to': [new Date(Date.UTC(2026, 1, 1)).toISOString()],
  '.method': [statisticsMethod('en')],
  '.closureReason': [undefined],
  'panel.role': ['chair'],
  'family.name': [undefined],
  'identity.identityDocuments': [undefined],
}

/** A stable UUID (version 7 shape) per field name, so the same id reads the same across examples. */
function uuidFor(name: string): string {
  let hash = 0x811c9dc5
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0
  const hex = hash.toString(16).padStart(8, '0')
  return `019b8a1c-${hex.slice(0, 4)}-7${hex.slice(4, 7)}-8${hex.slice(0, 3)}-${hex}${hex.slice(4, 8)}`
}

const STRING_CANDIDATES = [
  'demo-ngo-caseworker',
  'case.read',
  'a4c1f0e2b3d4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0',
  'GT',
  'demo',
]

const FORMATS: Record<string, RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  date: /^\d{4}-\d\d-\d\d$/,
  'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/,
}

function typesOf(schema: Json): string[] {
  return Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []
}

/** Whether a demo value fits a leaf schema (type, enum, const, pattern, length, bounds). */
function fits(schema: Json, value: unknown): boolean {
  if (value === undefined) return false
  if (schema.const !== undefined) return schema.const === value
  if (Array.isArray(schema.enum)) return schema.enum.includes(value)
  const types = typesOf(schema)
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value
  const typeOk = types.length === 0 || types.includes(kind) || (kind === 'integer' && types.includes('number'))
  if (!typeOk) return false
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) return false
    if (schema.minLength !== undefined && value.length < schema.minLength) return false
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return false
    const shape = FORMATS[schema.format as string]
    if (shape && !shape.test(value)) return false
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return false
    if (schema.maximum !== undefined && value > schema.maximum) return false
  }
  if (Array.isArray(value)) {
    if (schema.items?.enum && !value.every((item) => schema.items.enum.includes(item))) return false
    if (schema.minItems !== undefined && value.length < schema.minItems) return false
  }
  return true
}

/** An example for `schema`, read from the document's components where it refers to them. */
export function exampleOf(schema: Json | undefined, components: Json, name = '', depth = 0): unknown {
  if (!schema || depth > 12) return undefined
  if (schema.$ref) {
    const target = String(schema.$ref).replace('#/components/schemas/', '')
    return exampleOf(components[target], components, name, depth + 1)
  }
  if (schema.example !== undefined) return schema.example
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0]
  if (schema.const !== undefined) return schema.const
  const alternatives: Json[] | undefined = schema.anyOf ?? schema.oneOf
  if (alternatives) {
    // A nullable field the demo leaves empty (an open case's closedAt) is null.
    const plain = alternatives.map((member) => (member?.$ref ? undefined : member)).filter((member): member is Json => !!member)
    const hint = (BY_NAME[name] ?? []).find((candidate) => plain.some((member) => fits(member, candidate)))
    if (hint !== undefined) return hint
    const described = alternatives.filter((member) => member?.type !== 'null')
    for (const member of described) {
      const value = exampleOf(member, components, name, depth + 1)
      if (value !== undefined) return value
    }
    return null
  }
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((member: Json) => exampleOf(member, components, name, depth + 1)))
  const hinted = (BY_NAME[name] ?? []).find((candidate) => fits(schema, candidate))
  if (hinted !== undefined) return hinted
  if (Array.isArray(schema.enum)) return schema.enum[0]
  const types = typesOf(schema).filter((type) => type !== 'null')
  const type = types[0] ?? (schema.properties ? 'object' : undefined)
  switch (type) {
    case 'object': {
      const value: Json = {}
      const required = new Set<string>(schema.required ?? [])
      for (const [key, property] of Object.entries((schema.properties ?? {}) as Json)) {
        const placed = BY_PLACE[`${name}.${key}`]
        if (placed && placed[0] === undefined && !required.has(key)) continue
        const item = placed
          ? (placed.find((candidate) => fits(resolve(property, components), candidate)) ?? exampleOf(property, components, key, depth + 1))
          : exampleOf(property, components, key, depth + 1)
        // An optional free-text field the demo gives no value is left out rather than invented.
        if (item === undefined || (item === INVENTED && !required.has(key))) continue
        value[key] = item === INVENTED ? stringFor(resolve(property, components), key, true) : item
      }
      return value
    }
    case 'array': {
      const count = Math.max(1, schema.minItems ?? 0)
      let item = exampleOf(schema.items, components, name, depth + 1)
      if (item === INVENTED) {
        if (!schema.minItems) return []
        item = stringFor(resolve(schema.items, components), name, true)
      }
      return item === undefined ? [] : Array.from({ length: count }, () => item)
    }
    case 'integer':
    case 'number':
      // Statistics round counts to multiples of 5 (and withhold small ones): a count the answer can carry.
      if (schema.multipleOf) return schema.multipleOf * 4
      return schema.minimum !== undefined ? Math.max(schema.minimum, 1) : 1
    case 'boolean':
      return false
    case 'string':
      return stringFor(schema, name, false)
    default:
      // A field of any type (a history entry's old and new value): the demo's value by name, else null.
      return schema.type === undefined ? (BY_NAME[name] ?? null) : undefined
  }
}

/** Marks a string the demo has no value for: kept only where the schema requires the field. */
const INVENTED = Symbol('invented')

function resolve(schema: Json, components: Json): Json {
  if (schema?.$ref) return resolve(components[String(schema.$ref).replace('#/components/schemas/', '')], components)
  const alternatives: Json[] | undefined = schema?.anyOf ?? schema?.oneOf
  return alternatives?.find((member) => member?.type !== 'null') ?? schema
}

function stringFor(schema: Json, name: string, invent: true): string
function stringFor(schema: Json, name: string, invent: boolean): string | typeof INVENTED
function stringFor(schema: Json, name: string, invent: boolean): string | typeof INVENTED {
  if (schema.format === 'uuid' || schema.pattern?.includes('[0-9a-fA-F]{8}-')) return uuidFor(name)
  if (schema.format === 'date-time' || schema.pattern?.includes('T(?:')) return openedAt.toISOString()
  if (schema.format === 'date' || schema.pattern?.includes('-02-29')) return day(0)
  if (schema.format === 'uri') return 'urn:atd:problem:not-found'
  if (schema.format === 'uri-reference') return DEMO_CASE_PATH
  if (/(^id|Id)$/.test(name) && fits(schema, uuidFor(name))) return uuidFor(name)
  if (!invent) return INVENTED
  for (const candidate of STRING_CANDIDATES) if (fits(schema, candidate)) return candidate
  return 'x'.repeat(Math.max(1, schema.minLength ?? 1))
}

/** Attaches an example to every JSON request body and 2xx JSON answer that has none. */
export function attachExamples(document: Json): void {
  const components: Json = document.components?.schemas ?? {}
  for (const item of Object.values((document.paths ?? {}) as Json)) {
    for (const operation of Object.values(item as Json)) {
      if (!operation || typeof operation !== 'object') continue
      const media: Json[] = []
      const body = operation.requestBody?.content?.['application/json']
      if (body) media.push(body)
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Json)) {
        const answer = (response as Json)?.content?.['application/json']
        if (/^2\d\d$/.test(status) && answer) media.push(answer)
      }
      for (const content of media) {
        if (content.example !== undefined || content.examples !== undefined) continue
        const example = exampleOf(content.schema, components)
        if (example !== undefined && example !== INVENTED) content.example = example
      }
    }
  }
}

/** What a problem of each type adds to its document, on the demo child's case. */
const PROBLEM_EXTRAS: Partial<Record<ProblemCode, Json>> = {
  'validation-error': {
    detail: 'identity.dateOfBirth: Invalid ISO date',
    errors: [{ in: 'body', path: '/identity/dateOfBirth', message: 'Invalid ISO date' }],
  },
  'read-only-field': { detail: 'These fields are derived: custody.daysInDetention', readOnlyFields: ['custody.daysInDetention'] },
  'forbidden-fields': { detail: 'You may not write: health.conditions', deniedFields: ['health.conditions'] },
  forbidden: { reason: 'role' },
  'guard-failed': { unmetConditions: ['procuraduria_not_notified'] },
  conflict: { code: 'same_stage' },
}

/** One example per problem type a status answers (components/responses), each on the demo child's case. */
export function problemExamples(status: number): Json {
  const examples: Json = {}
  for (const [code, type] of Object.entries(PROBLEM_TYPES) as [ProblemCode, (typeof PROBLEM_TYPES)[ProblemCode]][]) {
    if (type.status !== status) continue
    examples[code] = {
      summary: type.title,
      value: {
        type: `${PROBLEM_TYPE_PREFIX}${code}`,
        title: type.title,
        status,
        instance: DEMO_CASE_PATH,
        ...PROBLEM_EXTRAS[code],
      },
    }
  }
  return examples
}
