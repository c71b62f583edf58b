// Generated from policies/access-matrix.yaml (roles, actions, letters), policies/scope.yaml (who reaches
// cases by participation) and the organisation kinds of each role: every way a case moves between
// agencies (PRODUCT.md, "Object scope, and how a case moves between agencies") — the hand-over to child
// protection, a transfer of responsibility, a share on consent, a referral, the end of a participation
// and the withdrawal of a consent — started by every role, from every position it can hold on a case
// (lead, participant, or outside it), toward every kind of organisation that may receive it. Each run
// follows the receiving organisation's users: 404 before; after the path opens the case, exactly the
// fields of the sections the participation covers that the reader's role may read; 404 once it ends.
// A role that may not start a path gets its refusal, and the receiver's reads do not move.
//
// Runs are paired (initiator × receiving kind, round robin) so every initiator and every receiving kind
// is covered without the full product. The concurrent accept and decline of one transfer is in
// transfers.test.ts; the referral receiver's doors here add what referrals.test.ts and side-doors.test.ts
// do not reach: records with ids, free text in every record, search and list filters, tasks and alerts.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { type OrganizationKind, ROLE_ORGANIZATION_KINDS, ROLES, type Role } from '../../src/auth/principal.js'
import { CASE_VIEW_SECTIONS } from '../../src/cases/case-sections.js'
import { ALERT_RULES } from '../../src/lifecycle/alert-rules.js'
import { REFERABLE_SECTIONS } from '../../src/records/referral.schemas.js'
import { TASK_RULES } from '../../src/tasks/task-rules.js'
import { holdsAction, mayRead, mayReadField, mayUpdate, specMatrix } from '../helpers/access-matrix.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'
import { fullCaseInput, newMarker } from '../helpers/case-samples.js'

type Json = Record<string, any>
/** lead; participant in every section; receiver of an accepted referral (some sections only); or outside the case. */
type Position = 'lead' | 'participant' | 'referred' | 'outside'
/** What a receiver reads: nothing (404), every section its role reads (null), or these sections. */
type Visible = 'none' | null | readonly string[]

const scope = parse(readFileSync(path.resolve('policies', 'scope.yaml'), 'utf8')) as { roles: Record<Role, unknown> }
/** Roles whose scope is "the cases my organisation takes part in". */
const participates = (role: Role) => typeof scope.roles[role] === 'object' && scope.roles[role] !== null
const reachesNone = (role: Role) => scope.roles[role] === 'none'
const PARTICIPATING_KINDS = [...new Set(ROLES.filter(participates).flatMap((role) => ROLE_ORGANIZATION_KINDS[role]))]
const rolesOfKind = (kind: OrganizationKind) => ROLES.filter((role) => participates(role) && ROLE_ORGANIZATION_KINDS[role].includes(kind))
/** The hand-over is the transfer of the migration authority's role (Ley de Migración art. 112). */
const HANDOVER_ROLES = ROLES.filter(
  (role) => holdsAction(role, 'transfer_case') && ROLE_ORGANIZATION_KINDS[role].includes('migration_authority'),
)
/** The role that ends participations on legal authority without leading (the matrix's end_participation note). */
const LEGAL_AUTHORITY_ROLE: Role = 'protection_officer'

/** 'section.field' names a reader of this role reads when its participation covers `sections` (null: all). */
export function expectedFields(role: Role, sections: readonly string[] | null): string[] {
  const fields: string[] = []
  for (const section of ['case', ...CASE_VIEW_SECTIONS]) {
    if (section !== 'case' && sections !== null && !sections.includes(section)) continue
    for (const field of specMatrix.sections[section]!) if (mayReadField(role, section, field)) fields.push(`${section}.${field}`)
  }
  return fields.sort()
}

/** 'section.field' names present in a case as read or listed (as in case-matrix.test.ts). */
function presentFields(body: Json): string[] {
  const fields: string[] = []
  for (const [key, value] of Object.entries(body)) {
    if (key === 'assignedTo' || key === 'nextStages') continue
    if ((CASE_VIEW_SECTIONS as readonly string[]).includes(key))
      for (const field of Object.keys(value as object)) fields.push(`${key}.${field}`)
    else fields.push(`case.${key}`)
  }
  return fields.sort()
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10)

t.test('the reading checks notice a wrong answer', async (t) => {
  t.same(
    expectedFields('oversight_auditor', ['identity']).filter((field) => !field.startsWith('case.')),
    [],
    'oversight reads no identity',
  )
  t.ok(expectedFields('ngo_caseworker', ['identity']).includes('identity.givenName'))
  t.notOk(
    expectedFields('ngo_caseworker', ['identity']).some((field) => field.startsWith('health.')),
    'a section outside the participation is not expected',
  )
  t.notSame(presentFields({ id: 'x', health: { notes: 'y' } }), expectedFields('ngo_caseworker', ['identity']))
})

interface Path {
  readonly name: string
  /** The kinds of organisation the path may reach. */
  readonly receivingKinds: readonly OrganizationKind[]
  /** Whether a user of this role, in this position on the case, may start the path. */
  readonly may: (role: Role, position: Position) => boolean
  /** The refusal a user who may not gets: status and, where one rule decides it, the reason. */
  readonly refusal: (role: Role, position: Position) => { status: number; reason?: string }
  /** The receiver's view after the path was started (before it: 'none', or null where it was shared in first). */
  readonly before: Visible
  /** Also tried by the receivers of a referral, who take part in some sections only. */
  readonly fromReferral?: boolean
}

const actionRefusal = (action: string, role: Role) =>
  reachesNone(role) ? { status: 404 } : holdsAction(role, action) ? undefined : { status: 403, reason: 'role' }

const PATHS: readonly Path[] = [
  {
    name: 'hand-over to child protection',
    receivingKinds: ['child_protection_authority'],
    may: (role, position) => position === 'lead' && HANDOVER_ROLES.includes(role),
    refusal: (role, position) =>
      actionRefusal('transfer_case', role) ??
      (position !== 'lead' ? { status: 403, reason: 'not_lead' } : { status: 422, reason: 'handover_rests_on_law' }),
    before: 'none',
  },
  {
    name: 'transfer of responsibility',
    receivingKinds: PARTICIPATING_KINDS.filter((kind) => kind !== 'migration_authority'),
    may: (role, position) => position === 'lead' && holdsAction(role, 'transfer_case') && !HANDOVER_ROLES.includes(role),
    refusal: (role, position) =>
      actionRefusal('transfer_case', role) ??
      (position !== 'lead' ? { status: 403, reason: 'not_lead' } : { status: 422, reason: 'handover_rests_on_law' }),
    before: 'none',
  },
  {
    name: 'share on consent',
    receivingKinds: PARTICIPATING_KINDS,
    // A share passes on the whole case: an organisation that takes part in some sections only refers instead.
    may: (role, position) => (position === 'lead' || position === 'participant') && holdsAction(role, 'share_case'),
    refusal: (role, position) =>
      actionRefusal('share_case', role) ?? (position === 'referred' ? { status: 422, reason: 'section_not_covered' } : { status: 403 }),
    before: 'none',
    fromReferral: true,
  },
  {
    name: 'referral',
    receivingKinds: PARTICIPATING_KINDS.filter((kind) => kind !== 'migration_authority'),
    may: (role, position) => position !== 'outside' && holdsAction(role, 'refer_case'),
    refusal: (role) => actionRefusal('refer_case', role)!,
    before: 'none',
  },
  {
    name: 'ending participation',
    receivingKinds: PARTICIPATING_KINDS,
    may: (role, position) =>
      position !== 'outside' && holdsAction(role, 'end_participation') && (position === 'lead' || role === LEGAL_AUTHORITY_ROLE),
    refusal: (role) => actionRefusal('end_participation', role) ?? { status: 403, reason: 'not_lead' },
    before: null,
  },
  {
    name: 'consent withdrawal',
    receivingKinds: PARTICIPATING_KINDS,
    may: (role, position) => position !== 'outside' && mayUpdate(role, 'consent'),
    refusal: (role) => (reachesNone(role) ? { status: 404 } : { status: 403 }),
    before: null,
  },
]

interface Run {
  readonly role: Role
  readonly position: Position
  readonly may: boolean
  readonly kind: OrganizationKind
  readonly index: number
}

/** Every role in every position it can hold; those that may start the path paired round robin with its receiving kinds. */
function runsOf(path: Path): Run[] {
  const positionsOf = (role: Role): Position[] =>
    !participates(role)
      ? ['outside']
      : ['lead', 'participant', ...(path.fromReferral && holdsAction(role, 'refer_case') ? (['referred'] as const) : [])]
  const combinations = ROLES.flatMap((role) => positionsOf(role).map((position) => ({ role, position, may: path.may(role, position) })))
  const allowed = combinations.filter((combination) => combination.may)
  const runs: Run[] = []
  const count = Math.max(allowed.length, path.receivingKinds.length)
  for (let index = 0; index < count && allowed.length > 0; index++)
    runs.push({ ...allowed[index % allowed.length]!, kind: path.receivingKinds[index % path.receivingKinds.length]!, index })
  for (const combination of combinations.filter((item) => !item.may))
    runs.push({ ...combination, kind: path.receivingKinds[0]!, index: runs.length })
  return runs
}

t.test('every participation path, by every role, toward every receiving kind', async (t) => {
  const { app, database } = await build(t)
  const { db } = database
  const send = (user: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...user.headers, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) })
  const ok = async (response: Awaited<ReturnType<typeof send>>, what: string) => {
    if (response.statusCode >= 300) t.fail(`${what}: ${response.statusCode} ${response.body.slice(0, 300)}`)
    return response.json() as Json
  }

  // A template case holding every field of every section, written through the API where a role may
  // write it and in the database where no role creates it (the legal file, derived fields), as in
  // case-matrix.test.ts. Each run's case gets these section columns.
  const templateLead = await createUser(database, 'ngo_caseworker')
  const { input, markers } = fullCaseInput()
  const { legalStatus, legal, ...creatable } = input
  const templateId = (await ok(await send(templateLead, 'POST', '/cases', creatable), 'template case')).id as string
  await db
    .updateTable('cases')
    .set({
      legal_status: JSON.stringify(legalStatus),
      legal: JSON.stringify(legal),
      placement_type: 'ngo_shelter',
      placement_since: new Date('2026-11-20T00:00:00Z'),
      responsible_organization_id: templateLead.organizationId,
      best_interests: JSON.stringify({
        determinationId: templateId,
        outcome: 'local_integration',
        decidedAt: '2026-11-24',
        reviewDueAt: '2027-05-24',
      }),
    })
    .where('id', '=', templateId)
    .execute()
  const template = await db.selectFrom('cases').selectAll().where('id', '=', templateId).executeTakeFirstOrThrow()
  const fillSections = (caseId: string) =>
    db
      .updateTable('cases')
      .set({
        date_of_birth: template.date_of_birth,
        ...Object.fromEntries(
          (['demographics', 'identity', 'contact', 'health', 'protection', 'custody', 'legal_status', 'legal'] as const).map((column) => [
            column,
            JSON.stringify(template[column]),
          ]),
        ),
        placement_type: template.placement_type,
        placement_since: template.placement_since,
        responsible_organization_id: template.responsible_organization_id,
        best_interests: JSON.stringify(template.best_interests),
      })
      .where('id', '=', caseId)
      .execute()

  /** A fresh organisation of this kind with a user of every role that works in such an organisation. */
  const receivingOrganization = async (kind: OrganizationKind) => {
    const organizationId = await createOrganization(database, kind)
    const users: TestUser[] = []
    for (const role of rolesOfKind(kind)) users.push(await createUser(database, role, organizationId))
    return { organizationId, users }
  }

  /**
   * A case on which the initiator holds its position. The steward, a protection officer of another
   * Procuraduría, takes part in every case: it records the consent paths rest on, shares and ends.
   */
  const stage = async (role: Role, position: Position) => {
    const initiator = await createUser(database, role, await createOrganization(database, ROLE_ORGANIZATION_KINDS[role][0]!))
    const steward = await createUser(database, 'protection_officer', await createOrganization(database, 'child_protection_authority'))
    let caseId: string
    if (position === 'lead' && holdsAction(role, 'create_case')) {
      caseId = (await ok(await send(initiator, 'POST', '/cases', { riskLevel: 'high' }), 'case by the lead')).id
      // The steward's part in it is fixture, as in case-matrix.test.ts (a migration officer shares nothing).
      await db
        .insertInto('case_participants')
        .values({
          organization_id: steward.organizationId,
          case_id: caseId,
          basis: 'legal_basis',
          legal_basis_code: 'protection_measure',
          granted_by: initiator.id,
        })
        .execute()
    } else {
      caseId = (await ok(await send(steward, 'POST', '/cases', { riskLevel: 'high' }), 'case by the steward')).id
      if (position === 'lead') {
        const handed = await ok(
          await send(steward, 'POST', `/cases/${caseId}/transfers`, {
            toOrganizationId: initiator.organizationId,
            legalBasis: { code: 'protection_measure' },
          }),
          'transfer to the lead',
        )
        await ok(await send(initiator, 'POST', `/transfers/${handed.id}/accept`), 'the lead accepts')
      } else if (position === 'participant') {
        await ok(
          await send(steward, 'POST', `/cases/${caseId}/participants`, {
            organizationId: initiator.organizationId,
            legalBasis: { code: 'protection_measure' },
          }),
          'share with the initiator',
        )
      } else if (position === 'referred') {
        const referral = await ok(
          await send(steward, 'POST', `/cases/${caseId}/referrals`, {
            toOrganizationId: initiator.organizationId,
            service: 'psychosocial',
            sections: ['demographics'],
            legalBasis: { code: 'protection_measure' },
            respondBy: inDays(7),
          }),
          'referral to the initiator',
        )
        await ok(await send(initiator, 'POST', `/referrals/${referral.id}/accept`), 'the initiator accepts the referral')
      }
    }
    await fillSections(caseId)
    const consent = await ok(
      await send(steward, 'POST', `/cases/${caseId}/consents`, {
        givenBy: 'child_and_guardian',
        scopes: ['share_with_organizations', 'services'],
      }),
      'consent',
    )
    return { caseId, initiator, steward, consent: consent as { id: string; version: number } }
  }

  /** The receiver's users read what `visible` says, in a single read and in their case list. */
  const expectReads = async (t: Test, caseId: string, users: readonly TestUser[], visible: Visible, when: string) => {
    for (const user of users) {
      const single = await send(user, 'GET', `/cases/${caseId}`)
      const list = await send(user, 'GET', '/cases?limit=100')
      t.equal(list.statusCode, 200, list.body)
      const listed = (list.json().items as Json[]).find((item) => item.id === caseId)
      if (visible === 'none') {
        t.equal(single.statusCode, 404, `${when}: ${user.role} gets 404`)
        t.notOk(listed, `${when}: ${user.role} does not list the case`)
        continue
      }
      t.equal(single.statusCode, 200, `${when}: ${user.role} reads the case`)
      const expected = expectedFields(user.role, visible)
      t.same(
        presentFields(single.json()),
        expected,
        `${when}: ${user.role} reads exactly ${visible === null ? 'its role’s fields' : `its role’s fields of ${visible.join(', ')}`}`,
      )
      t.same(listed ? presentFields(listed) : undefined, expected, `${when}: ${user.role} lists exactly those fields`)
      const leaked = [...markers].filter(
        ([field]) => !expected.includes(field) && (single.body.includes(markers.get(field)!) || list.body.includes(markers.get(field)!)),
      )
      t.same(
        leaked.map(([field]) => field),
        [],
        `${when}: no marker of a field ${user.role} may not read`,
      )
    }
  }

  const withdraw = async (user: TestUser, caseId: string, consentId: string) => {
    const current = await send(user, 'GET', `/cases/${caseId}/consents/${consentId}`)
    const version = current.statusCode === 200 ? (current.json().version as number) : 1
    return send(
      user,
      'PATCH',
      `/cases/${caseId}/consents/${consentId}`,
      { withdrawnAt: new Date().toISOString() },
      { 'if-match': `"${version}"` },
    )
  }

  for (const path of PATHS) {
    await t.test(path.name, async (t) => {
      const runs = runsOf(path)
      t.ok(
        runs.some((run) => run.may),
        'some role may start it',
      )
      t.same(
        [...new Set(runs.filter((run) => run.may).map((run) => run.kind))].sort(),
        [...path.receivingKinds].sort(),
        'every receiving kind is reached',
      )
      for (const run of runs) {
        await t.test(`${run.role} (${run.position}) ${run.may ? 'starts it' : 'may not start it'}; receiver: ${run.kind}`, async (t) => {
          const { caseId, initiator, steward, consent } = await stage(run.role, run.position)
          const receiver = await receivingOrganization(run.kind)
          const receiverOrganization = receiver.organizationId
          await expectReads(t, caseId, receiver.users, 'none', 'before')
          if (path.before === null) {
            await ok(
              await send(steward, 'POST', `/cases/${caseId}/participants`, { organizationId: receiverOrganization, consentId: consent.id }),
              'share with the receiver',
            )
            await expectReads(t, caseId, receiver.users, null, 'shared')
          }

          // The start.
          const referred = REFERABLE_SECTIONS.filter((section) => mayRead(run.role, section)).filter(
            (_section, index) => index % 2 === run.index % 2,
          )
          let started: Awaited<ReturnType<typeof send>>
          switch (path.name) {
            case 'hand-over to child protection':
              started = await send(initiator, 'POST', `/cases/${caseId}/transfers`, {
                toOrganizationId: receiverOrganization,
                legalBasis: { code: 'migration_law_handover' },
              })
              break
            case 'transfer of responsibility':
              started = await send(initiator, 'POST', `/cases/${caseId}/transfers`, {
                toOrganizationId: receiverOrganization,
                consentId: consent.id,
              })
              break
            case 'share on consent':
              started = await send(initiator, 'POST', `/cases/${caseId}/participants`, {
                organizationId: receiverOrganization,
                consentId: consent.id,
              })
              break
            case 'referral':
              started = await send(initiator, 'POST', `/cases/${caseId}/referrals`, {
                toOrganizationId: receiverOrganization,
                service: 'psychosocial',
                sections: run.may ? referred : ['demographics'],
                consentId: consent.id,
                respondBy: inDays(7),
              })
              break
            case 'ending participation':
              started = await send(initiator, 'POST', `/cases/${caseId}/participants/${receiverOrganization}/end`, {
                reason: 'The service is no longer needed',
              })
              break
            case 'consent withdrawal':
              started = await withdraw(initiator, caseId, consent.id)
              break
            default:
              throw new Error(`no start for ${path.name}`)
          }

          if (!run.may) {
            const refusal = path.refusal(run.role, run.position)
            t.equal(started.statusCode, refusal.status, `refused: ${started.body.slice(0, 200)}`)
            if (refusal.reason) t.equal(started.json().reason, refusal.reason)
            await expectReads(t, caseId, receiver.users, path.before, 'after the refusal')
            return
          }
          t.ok([200, 201].includes(started.statusCode), `started: ${started.statusCode} ${started.body.slice(0, 300)}`)

          switch (path.name) {
            case 'hand-over to child protection':
            case 'transfer of responsibility': {
              t.equal(started.json().kind, path.name === 'transfer of responsibility' ? 'responsibility' : 'handover')
              await expectReads(t, caseId, receiver.users, null, 'requested')
              // A hand-over rests on the law: it ends by a decline. A transfer on a consent ends by either.
              if (path.name === 'transfer of responsibility' && run.index % 2 === 1) {
                t.equal((await withdraw(steward, caseId, consent.id)).statusCode, 200, 'the consent is withdrawn')
                await expectReads(t, caseId, receiver.users, 'none', 'consent withdrawn')
                t.match((await send(steward, 'GET', `/cases/${caseId}/transfers/${started.json().id}`)).json(), { status: 'declined' })
              } else {
                const decliner = receiver.users.find((user) => holdsAction(user.role, 'transfer_case'))!
                await ok(
                  await send(decliner, 'POST', `/transfers/${started.json().id}/decline`, { reason: 'No capacity this month' }),
                  'decline',
                )
                await expectReads(t, caseId, receiver.users, 'none', 'declined')
              }
              break
            }
            case 'share on consent':
              await expectReads(t, caseId, receiver.users, null, 'shared')
              if (run.index % 2 === 0) {
                await ok(
                  await send(steward, 'POST', `/cases/${caseId}/participants/${receiverOrganization}/end`, {
                    reason: 'The service is no longer needed',
                  }),
                  'end of the share',
                )
                await expectReads(t, caseId, receiver.users, 'none', 'ended')
              } else {
                t.equal((await withdraw(steward, caseId, consent.id)).statusCode, 200, 'the consent is withdrawn')
                await expectReads(t, caseId, receiver.users, 'none', 'consent withdrawn')
              }
              break
            case 'referral': {
              t.same(started.json().sections, referred)
              await expectReads(t, caseId, receiver.users, 'none', 'referred, not yet accepted')
              const acceptor = receiver.users.find((user) => holdsAction(user.role, 'refer_case'))!
              await ok(await send(acceptor, 'POST', `/referrals/${started.json().id}/accept`), 'accept')
              await expectReads(t, caseId, receiver.users, referred, 'accepted')
              if (run.index % 2 === 0) {
                t.equal((await withdraw(steward, caseId, consent.id)).statusCode, 200, 'the consent is withdrawn')
                await expectReads(t, caseId, receiver.users, 'none', 'consent withdrawn')
              } else {
                await ok(
                  await send(steward, 'POST', `/cases/${caseId}/participants/${receiverOrganization}/end`, {
                    reason: 'The service is no longer needed',
                  }),
                  'end of the participation',
                )
                await expectReads(t, caseId, receiver.users, 'none', 'ended')
              }
              t.match((await send(steward, 'GET', `/cases/${caseId}/referrals/${started.json().id}`)).json(), {
                status: 'ended',
                endReason: 'participation_ended',
              })
              break
            }
            case 'ending participation':
            case 'consent withdrawal':
              await expectReads(t, caseId, receiver.users, 'none', 'ended')
              break
          }
        })
      }
    })
  }

  await t.test('a referral’s receiver meets no section outside the referral at any door', async (t) => {
    type Seeded = { marker: string; section: string; what: string }
    const seeded: Seeded[] = []
    const seed = (section: string, what: string) => {
      const marker = newMarker(what)
      seeded.push({ marker, section, what })
      return marker
    }
    const lead = await createUser(database, 'ngo_caseworker')
    const officer = await createUser(database, 'protection_officer')

    // A case with a marker in every free-text field of its sections and of every record under it.
    const full = fullCaseInput()
    for (const [field, marker] of full.markers) seeded.push({ marker, section: field.slice(0, field.indexOf('.')), what: field })
    const { legalStatus: caseLegalStatus, legal: caseLegal, ...caseCreatable } = full.input
    const givenName = full.markers.get('identity.givenName')!
    const caseId = (await ok(await send(lead, 'POST', '/cases', caseCreatable), 'case')).id as string
    const consent = await ok(
      await send(lead, 'POST', `/cases/${caseId}/consents`, {
        givenBy: 'child_and_guardian',
        scopes: ['share_with_organizations', 'services'],
        notes: seed('notes', 'consent notes'),
      }),
      'consent',
    )
    await ok(
      await send(lead, 'POST', `/cases/${caseId}/participants`, { organizationId: officer.organizationId, consentId: consent.id }),
      'share with the Procuraduría',
    )
    const officerEtag = (await send(officer, 'GET', `/cases/${caseId}`)).headers.etag as string
    await ok(
      await send(officer, 'PATCH', `/cases/${caseId}`, { legal: caseLegal, legalStatus: caseLegalStatus }, { 'if-match': officerEtag }),
      'the legal file',
    )
    const shelter = await ok(
      await send(lead, 'POST', `/cases/${caseId}/placements`, {
        type: 'ngo_shelter',
        facilityName: seed('custody', 'facility name'),
        facilityAddress: seed('contact', 'facility address'),
      }),
      'placement',
    )
    await ok(
      await send(
        lead,
        'PATCH',
        `/cases/${caseId}/placements/${shelter.id}`,
        { endReasonCode: 'moved_to_other_care', endNotes: seed('notes', 'placement end notes') },
        { 'if-match': `"${shelter.version}"` },
      ),
      'placement ended',
    )
    await ok(
      await send(officer, 'POST', `/cases/${caseId}/placements`, {
        type: 'migration_station',
        legalBasis: seed('legal', 'placement legal basis'),
      }),
      'migration station',
    )
    const note = await ok(await send(lead, 'POST', `/cases/${caseId}/notes`, { body: seed('notes', 'note body') }), 'note')
    const assessment = await ok(
      await send(lead, 'POST', `/cases/${caseId}/assessments`, { findings: { safety: seed('bidDeliberation', 'assessment findings') } }),
      'assessment',
    )
    const determination = await ok(
      await send(officer, 'POST', `/cases/${caseId}/determinations`, {
        trigger: 'durable_solution',
        rationale: seed('bidDeliberation', 'determination rationale'),
      }),
      'determination',
    )
    const leadEtag = (await send(lead, 'GET', `/cases/${caseId}`)).headers.etag as string
    const transition = await ok(
      await send(
        lead,
        'POST',
        `/cases/${caseId}/transitions`,
        { to: 'custody', reason: seed('notes', 'transition reason') },
        { 'if-match': leadEtag },
      ),
      'transition',
    )
    const other = await createUser(database, 'ngo_caseworker')
    const transfer = await ok(
      await send(lead, 'POST', `/cases/${caseId}/transfers`, { toOrganizationId: other.organizationId, consentId: consent.id }),
      'transfer',
    )
    await ok(
      await send(other, 'POST', `/transfers/${transfer.id}/decline`, { reason: seed('notes', 'transfer decline reason') }),
      'transfer declined',
    )

    // One receiving organisation of every kind a referral reaches, each referred its own half of the
    // sender's sections; the Procuraduría refers on a cited legal basis, so legal can be referred too.
    const kinds = PATHS.find((item) => item.name === 'referral')!.receivingKinds
    const receivers: { users: TestUser[]; sections: string[]; rid: string }[] = []
    for (const [index, kind] of kinds.entries()) {
      const sender = index % 2 === 0 ? officer : lead
      const half = (index + Math.floor(index / 2)) % 2
      const sections = REFERABLE_SECTIONS.filter((section) => mayRead(sender.role, section)).filter(
        (_section, position) => position % 2 === half,
      )
      const { organizationId, users } = await receivingOrganization(kind)
      const ground =
        sender === officer
          ? { legalBasis: { code: 'protection_measure', citation: seed('legal', 'referral citation') } }
          : { consentId: consent.id }
      const referral = await ok(
        await send(sender, 'POST', `/cases/${caseId}/referrals`, {
          toOrganizationId: organizationId,
          service: 'psychosocial',
          sections,
          respondBy: inDays(7),
          ...ground,
        }),
        `referral to ${kind}`,
      )
      await ok(
        await send(users.find((user) => holdsAction(user.role, 'refer_case'))!, 'POST', `/referrals/${referral.id}/accept`),
        `accepted by ${kind}`,
      )
      receivers.push({ users, sections, rid: referral.id })
    }
    t.same(
      REFERABLE_SECTIONS.filter(
        (section) =>
          !receivers.some((receiver) => receiver.sections.includes(section)) ||
          receivers.every((receiver) => receiver.sections.includes(section)),
      ),
      [],
      'every section is referred to some receiver and not to another',
    )

    // Every GET route of the OpenAPI document (as side-doors.test.ts finds them), with lists paged wide.
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>
    }
    const routes = Object.entries(document.paths)
      .filter(([route, operations]) => 'get' in operations && !['/health', '/ready', '/'].includes(route) && !route.startsWith('/docs'))
      .map(([route, operations]) => ({
        route,
        paged: (operations.get!.parameters ?? []).some((parameter) => parameter.name === 'limit' && parameter.in === 'query'),
      }))
    const parameters: Record<string, string> = {
      id: caseId,
      pid: shelter.id,
      noteId: note.id,
      consentId: consent.id,
      aid: assessment.id,
      did: determination.id,
      tid: transfer.id,
      transitionId: transition.id,
      organizationId: officer.organizationId,
      date: '2031-01-01',
    }
    const urlsFor = (rid: string) =>
      routes.map(({ route, paged }) => {
        const url = route.replace(/\{(\w+)\}/g, (_whole, name: string) => {
          const value = name === 'rid' ? rid : parameters[name]
          if (!value) throw new Error(`this test cannot fill {${name}} of ${route}: give it a value`)
          return value
        })
        return paged ? `${url}?limit=100` : url
      })
    t.ok(
      urlsFor(receivers[0]!.rid).some((url) => url.includes(`/notes/${note.id}`)),
      'doors under records with ids are asked',
    )

    // Search and list filters: a filter on a section outside the referral answers no yes/no about it.
    const filters = [
      { query: `q=${givenName}`, section: 'identity', field: 'givenName' },
      { query: 'nationality=GT', section: 'demographics', field: 'nationality' },
      { query: 'ageBracket=15-17', section: 'demographics', field: 'ageBracket' },
      { query: 'inDetention=true', section: 'custody', field: 'inDetention' },
      { query: 'placementType=migration_station', section: 'custody', field: 'placementType' },
    ]
    const search = (user: TestUser, query: string) => send(user, 'GET', `/cases?limit=100&${query}`)
    for (const filter of filters) {
      const found = await search(lead, filter.query)
      t.ok(
        (found.json().items as Json[]).some((item) => item.id === caseId),
        `the lead finds the case by ${filter.query}`,
      )
    }
    const rulesOf = async (user: TestUser) => ({
      tasks:
        ((await send(user, 'GET', `/tasks?caseId=${caseId}&limit=100`)).json().items as Json[] | undefined)
          ?.filter((item) => item.caseId === caseId)
          .map((item) => item.rule as keyof typeof TASK_RULES) ?? [],
      alerts:
        ((await send(user, 'GET', '/alerts?limit=100')).json().items as Json[] | undefined)
          ?.filter((item) => item.caseId === caseId)
          .map((item) => item.rule as keyof typeof ALERT_RULES) ?? [],
    })
    const leadRules = await rulesOf(lead)
    t.ok(
      leadRules.tasks.length > 0 && leadRules.alerts.length > 0,
      `the lead has tasks (${leadRules.tasks.join(', ')}) and alerts (${leadRules.alerts.join(', ')}) on the case`,
    )

    let asked = 0
    for (const receiver of receivers) {
      for (const user of receiver.users) {
        const open = (section: string) => section === 'case' || receiver.sections.includes(section)
        const visible = (item: Seeded) => open(item.section) && mayRead(user.role, item.section)
        await t.test(`${user.role} referred ${receiver.sections.join(', ')}`, async (t) => {
          for (const url of urlsFor(receiver.rid)) {
            const response = await send(user, 'GET', url)
            asked++
            const text = `${JSON.stringify(response.headers)}\n${response.body}`
            const found = seeded.filter((item) => !visible(item) && text.includes(item.marker)).map((item) => item.what)
            if (found.length > 0) t.fail(`${url} (${response.statusCode}) discloses ${found.join(', ')}`)
          }
          const shown = seeded.filter((item) => visible(item) && item.what.includes('.'))
          const read = await send(user, 'GET', `/cases/${caseId}`)
          t.ok(
            shown.every((item) => read.body.includes(item.marker)),
            'the referred free text of the case is there',
          )
          for (const filter of filters) {
            const response = await search(user, filter.query)
            if (!mayReadField(user.role, filter.section, filter.field)) {
              t.equal(response.statusCode, 403, `${filter.query}: the role may not filter on it`)
              continue
            }
            t.equal(response.statusCode, 200, `${filter.query}: ${response.body.slice(0, 120)}`)
            const listed = (response.json().items as Json[]).some((item) => item.id === caseId)
            t.equal(
              listed,
              open(filter.section),
              `${filter.query}: ${open(filter.section) ? 'found, the section is referred' : 'not found, the section is not referred'}`,
            )
          }
          const rules = await rulesOf(user)
          const readable = (field: string) =>
            open(field.slice(0, field.indexOf('.'))) &&
            mayReadField(user.role, field.slice(0, field.indexOf('.')), field.slice(field.indexOf('.') + 1))
          for (const rule of rules.tasks) t.ok(TASK_RULES[rule].fields.every(readable), `task ${rule} is built on referred fields only`)
          for (const rule of rules.alerts) t.ok(ALERT_RULES[rule].fields.every(readable), `alert ${rule} is built on referred fields only`)
        })
      }
    }
    t.comment(`referral doors: ${routes.length} GET routes, ${asked} requests, ${seeded.length} markers`)
  })
})
