// The SQL filter must select exactly the rows CASL itself allows: random rule sets against random
// rows on the real database, plus the plain cases a reader checks first.
import {
  type AbilityOptionsOf,
  type AnyMongoAbility,
  type MongoAbility,
  type RawRuleOf,
  buildMongoQueryMatcher,
  createMongoAbility,
  subject,
} from '@casl/ability'
// CASL's own dependency: its compound instructions, to check the translation of nested and/or/nor/not
// that a matcher with them produces (the service's default matcher combines fields with "and" only).
import { $and, $nor, $not, $or, and, nor, not, or } from '@ucast/mongo2js'
import fc from 'fast-check'
import { type Kysely, sql } from 'kysely'
import t from 'tap'
import type { Principal, Role } from '../../src/auth/principal.js'
import { defineAbilitiesFor } from '../../src/access/abilities.js'
import { type FieldResolvers, accessibleWhere } from '../../src/access/casl-to-kysely.js'
import { loadPolicy } from '../../src/access/policy.js'
import { createTestDatabase } from '../helpers/database.js'

type ProbeDatabase = {
  policy_probe: { id: number; stage: string; risk_level: string | null; priority: number }
  policy_probe_participants: { probe_id: number; organization_id: string }
}
type ProbeDb = Kysely<ProbeDatabase>

interface ProbeRow {
  readonly stage: string
  readonly riskLevel: string | null
  readonly priority: number
  readonly organizations: readonly string[]
}

const STAGES = ['identification', 'custody', 'guardianship', 'legal_representation', 'closed'] as const
const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const
const ORGANIZATIONS = [
  '00000000-0000-4000-8000-00000000000a',
  '00000000-0000-4000-8000-00000000000b',
  '00000000-0000-4000-8000-00000000000c',
  '00000000-0000-4000-8000-00000000000d',
] as const

const probeFields: FieldResolvers = {
  stage: { column: 'policy_probe.stage', nullable: false },
  priority: { column: 'policy_probe.priority', nullable: false },
  riskLevel: { column: 'policy_probe.risk_level' },
  participantOrganizationIds: {
    arrayMembership: (eb, values) =>
      eb.exists(
        eb
          .selectFrom('policy_probe_participants as p')
          .select(sql.lit(1).as('one'))
          .whereRef('p.probe_id', '=', 'policy_probe.id')
          .where('p.organization_id', 'in', values),
      ),
  },
  // A field with no column of its own, to exercise the resolver that takes full control.
  urgent: (eb, operator, value) => {
    if (operator !== 'eq' && operator !== 'ne') throw new Error(`no $${operator} on urgent`)
    const urgent = eb('policy_probe.priority', '>=', 3)
    return (operator === 'eq') === (value === true) ? urgent : eb.not(urgent)
  },
}

/** The row as CASL sees it: a NULL column is an absent field. */
function probeSubject(id: number, row: ProbeRow) {
  return subject('Probe', {
    id,
    stage: row.stage,
    priority: row.priority,
    urgent: row.priority >= 3,
    participantOrganizationIds: [...row.organizations],
    ...(row.riskLevel === null ? {} : { riskLevel: row.riskLevel }),
  })
}

async function createProbeTables(db: ProbeDb): Promise<void> {
  await sql`CREATE TABLE policy_probe (id int PRIMARY KEY, stage text NOT NULL, risk_level text, priority int NOT NULL)`.execute(db)
  await sql`CREATE TABLE policy_probe_participants (
    probe_id int NOT NULL REFERENCES policy_probe (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL,
    PRIMARY KEY (probe_id, organization_id))`.execute(db)
}

async function replaceRows(db: ProbeDb, rows: readonly ProbeRow[]): Promise<void> {
  await db.deleteFrom('policy_probe').execute()
  if (rows.length === 0) return
  await db
    .insertInto('policy_probe')
    .values(rows.map((row, index) => ({ id: index + 1, stage: row.stage, risk_level: row.riskLevel, priority: row.priority })))
    .execute()
  const participants = rows.flatMap((row, index) =>
    row.organizations.map((organization) => ({ probe_id: index + 1, organization_id: organization })),
  )
  if (participants.length > 0) await db.insertInto('policy_probe_participants').values(participants).execute()
}

async function idsSelected(db: ProbeDb, ability: AnyMongoAbility, action: string, subjectType = 'Probe'): Promise<number[]> {
  const rows = await db
    .selectFrom('policy_probe')
    .select('id')
    .where(accessibleWhere(ability, action, subjectType, probeFields))
    .orderBy('id')
    .execute()
  return rows.map((row) => row.id)
}

function idsAllowed(ability: AnyMongoAbility, action: string, rows: readonly ProbeRow[]): number[] {
  return rows.flatMap((row, index) => (ability.can(action, probeSubject(index + 1, row)) ? [index + 1] : []))
}

// --- arbitraries -----------------------------------------------------------------------------

const row: fc.Arbitrary<ProbeRow> = fc.record({
  stage: fc.constantFrom(...STAGES),
  riskLevel: fc.option(fc.constantFrom(...RISK_LEVELS), { nil: null, freq: 2 }),
  priority: fc.integer({ min: 0, max: 5 }),
  organizations: fc.subarray([...ORGANIZATIONS]),
})

/** An object of 1 to `most` entries, each key drawn once from `entries`. */
function someOf(entries: Record<string, fc.Arbitrary<unknown>>, most: number): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .uniqueArray(fc.constantFrom(...Object.keys(entries)), { minLength: 1, maxLength: most })
    .chain((keys) => fc.tuple(...keys.map((key) => entries[key]!.map((value) => [key, value] as const))))
    .map((pairs) => Object.fromEntries(pairs))
}

/** `{ field: value }` or `{ field: { $op: value, … } }`, as CASL's default matcher takes them. */
function fieldQuery(value: fc.Arbitrary<unknown>, operators: Record<string, fc.Arbitrary<unknown>>, withNot: boolean) {
  const operatorObject = someOf(Object.fromEntries(Object.entries(operators).map(([name, operand]) => [`$${name}`, operand])), 2)
  const negated = withNot ? [operatorObject.map((inner) => ({ $not: inner }))] : []
  return fc.oneof(value, operatorObject, operatorObject, ...negated)
}

function conditionArbitraries(withNot: boolean) {
  const stage = fc.constantFrom(...STAGES, 'durable_solution')
  const stages = fc.subarray([...STAGES, 'durable_solution'])
  const risk = fc.option(fc.constantFrom(...RISK_LEVELS), { nil: null })
  const risks = fc.array(risk, { maxLength: 3 })
  const priority = fc.integer({ min: -1, max: 6 })
  const priorities = fc.array(priority, { maxLength: 3 })
  const organization = fc.constantFrom(...ORGANIZATIONS)
  const organizations = fc.subarray([...ORGANIZATIONS])
  const comparisons = <T>(operand: fc.Arbitrary<T>) => ({ lt: operand, lte: operand, gt: operand, gte: operand })
  return {
    stage: fieldQuery(stage, { eq: stage, ne: stage, in: stages, nin: stages, ...comparisons(stage) }, withNot),
    riskLevel: fieldQuery(risk, { eq: risk, ne: risk, in: risks, nin: risks, exists: fc.boolean() }, withNot),
    priority: fieldQuery(priority, { eq: priority, ne: priority, in: priorities, nin: priorities, ...comparisons(priority) }, withNot),
    participantOrganizationIds: fieldQuery(
      organization,
      { eq: organization, ne: organization, in: organizations, nin: organizations },
      withNot,
    ),
    urgent: fieldQuery(fc.boolean(), { eq: fc.boolean(), ne: fc.boolean() }, false),
  }
}

/** Fields joined by "and", the only compound CASL's default matcher knows; `{}` matches everything. */
const flatCondition = fc.oneof({ arbitrary: fc.constant({}), weight: 1 }, { arbitrary: someOf(conditionArbitraries(false), 2), weight: 8 })

const nestedCondition = fc.letrec<{ condition: Record<string, unknown> }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small' },
    someOf(conditionArbitraries(true), 2),
    fc.array(tie('condition'), { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })),
    fc.array(tie('condition'), { minLength: 1, maxLength: 3 }).map(($or) => ({ $or })),
    fc.array(tie('condition'), { minLength: 1, maxLength: 2 }).map(($nor) => ({ $nor })),
  ),
})).condition

function ruleSet(condition: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<RawRuleOf<MongoAbility>[]> {
  const rule = fc
    .record({
      action: fc.constantFrom('read', 'read', 'update', 'manage'),
      subject: fc.constantFrom('Probe', 'Probe', 'Probe', 'all'),
      inverted: fc.boolean(),
      conditions: fc.option(condition, { freq: 5 }),
      // A field-restricted `cannot` does not take a whole row away; CASL's `can` without a field agrees.
      fields: fc.option(fc.subarray(['identity.givenName', 'case.stage'], { minLength: 1 }), { freq: 4 }),
    })
    .map(({ conditions, fields, ...rest }) => ({ ...rest, ...(conditions ? { conditions } : {}), ...(fields ? { fields } : {}) }))
  return fc.array(rule, { maxLength: 5 })
}

const compoundMatcher = buildMongoQueryMatcher({ $and, $or, $nor, $not }, { and, or, nor, not })

// --- tests -----------------------------------------------------------------------------------

// One database for the file: loading one costs more than all the examples below.
const db = (await createTestDatabase(t)).db.withTables<ProbeDatabase>() as unknown as ProbeDb
await createProbeTables(db)

t.test('the SQL filter selects exactly the rows CASL allows', async (t) => {
  // Several rule sets per set of rows: writing the rows costs more than asking about them.
  const agree = async (ruleSets: RawRuleOf<MongoAbility>[][], rows: ProbeRow[], options: AbilityOptionsOf<MongoAbility> = {}) => {
    await replaceRows(db, rows)
    for (const rules of ruleSets) {
      const ability = createMongoAbility(rules, options)
      for (const action of ['read', 'update']) {
        const selected = await idsSelected(db, ability, action)
        const allowed = idsAllowed(ability, action, rows)
        if (JSON.stringify(selected) !== JSON.stringify(allowed)) {
          throw new Error(
            `${action} with ${JSON.stringify(rules)}: SQL selected ${JSON.stringify(selected)}, CASL allows ${JSON.stringify(allowed)}`,
          )
        }
      }
    }
  }
  const rows = fc.array(row, { minLength: 1, maxLength: 12 })

  await t.test("with CASL's default conditions (fields joined by and; rules joined by or, and-not)", async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.array(ruleSet(flatCondition), { minLength: 4, maxLength: 4 }), rows, async (sets, rows) => agree(sets, rows)),
      {
        numRuns: 100,
      },
    )
    t.pass('100 sets of rows, 4 random rule sets each, agree')
  })

  await t.test('with nested $and, $or, $nor and $not', async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.array(ruleSet(nestedCondition), { minLength: 4, maxLength: 4 }), rows, async (sets, rows) =>
        agree(sets, rows, { conditionsMatcher: compoundMatcher }),
      ),
      { numRuns: 50 },
    )
    t.pass('50 sets of rows, 4 random nested rule sets each, agree')
  })
})

t.test('plain examples', async (t) => {
  const [a, b, c] = ORGANIZATIONS
  await replaceRows(db, [
    { stage: 'identification', riskLevel: 'high', priority: 1, organizations: [a, b] },
    { stage: 'custody', riskLevel: null, priority: 4, organizations: [b] },
    { stage: 'identification', riskLevel: "it's critical", priority: 2, organizations: [c] },
  ])

  t.same(await idsSelected(db, createMongoAbility([]), 'read'), [], 'no rules: nothing')
  t.same(
    await idsSelected(db, createMongoAbility([{ action: 'update', subject: 'Probe' }]), 'read'),
    [],
    'rules for another action: nothing',
  )
  t.same(
    await idsSelected(db, createMongoAbility([{ action: 'read', subject: 'Probe' }]), 'read'),
    [1, 2, 3],
    'an unconditioned rule: everything',
  )
  t.same(
    await idsSelected(
      db,
      createMongoAbility([
        { action: 'read', subject: 'Probe' },
        { action: 'read', subject: 'Probe', inverted: true },
      ]),
      'read',
    ),
    [],
    'an unconditioned cannot after it: nothing',
  )
  const organizationB = createMongoAbility([{ action: 'read', subject: 'Probe', conditions: { participantOrganizationIds: b } }])
  t.same(await idsSelected(db, organizationB, 'read'), [1, 2], 'equality on a list field means "contains"')
  const notCritical = createMongoAbility([
    { action: 'read', subject: 'Probe' },
    { action: 'read', subject: 'Probe', inverted: true, conditions: { riskLevel: "it's critical" } },
  ])
  t.same(await idsSelected(db, notCritical, 'read'), [1, 2], 'a cannot keeps the rows whose field is absent; values are parameters')

  const throwsFor = (conditions: Record<string, unknown>, message: RegExp, why: string) =>
    t.throws(
      () => accessibleWhere(createMongoAbility([{ action: 'read', subject: 'Probe', conditions }]), 'read', 'Probe', probeFields),
      { message },
      why,
    )
  throwsFor({ secret: 'x' }, /No SQL is known for the condition field "secret"/, 'an unknown field throws')
  throwsFor(
    { $or: [{ stage: 'custody' }] },
    /No SQL is known for the condition field "\$or"/,
    'a compound the matcher read as a field throws',
  )
  throwsFor({ stage: { $regex: '^c' } }, /Cannot express the operator "\$regex" on "stage"/, 'an operator SQL cannot express throws')
  throwsFor({ participantOrganizationIds: { $size: 2 } }, /Cannot express the operator "\$size"/, 'so does $size on a list')
  throwsFor({ participantOrganizationIds: { $exists: true } }, /Cannot express "\$exists" on the list field/, 'and $exists on a list')
  throwsFor(
    { riskLevel: { $lt: 'm' } },
    /"\$lt" on "riskLevel" needs a column declared nullable: false/,
    'comparisons need a NOT NULL column',
  )
  throwsFor({ stage: { a: 1 } }, /Cannot compare "stage" with \{"a":1\}/, 'an object is no value to compare with')
})

t.test("the service's own abilities, with a case's participants and stage", async (t) => {
  const [a, b] = ORGANIZATIONS
  await replaceRows(db, [
    { stage: 'identification', riskLevel: null, priority: 0, organizations: [a] },
    { stage: 'custody', riskLevel: null, priority: 0, organizations: [a, b] },
    { stage: 'identification', riskLevel: null, priority: 0, organizations: [b] },
  ])
  const policy = loadPolicy()
  const abilityOf = (role: Role) =>
    defineAbilitiesFor(
      { userId: 'u', subject: 's', displayName: 'd', role, organizationId: a, organizationKind: 'platform' } satisfies Principal,
      policy,
    )
  t.same(await idsSelected(db, abilityOf('migration_officer'), 'read', 'Case'), [1, 2], 'the cases its organisation participates in')
  t.same(await idsSelected(db, abilityOf('migration_officer'), 'transition', 'Case'), [1], 'and still in identification, to transition')
  t.same(await idsSelected(db, abilityOf('attorney'), 'transition', 'Case'), [1, 2])
  t.same(await idsSelected(db, abilityOf('oversight_auditor'), 'read', 'Case'), [1, 2, 3], 'an auditor reaches every case')
  t.same(await idsSelected(db, abilityOf('oversight_auditor'), 'update', 'Case'), [], 'but changes none')
  t.same(await idsSelected(db, abilityOf('system_admin'), 'read', 'Case'), [], 'a system admin reaches none')
})
