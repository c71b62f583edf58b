// Referral and transfer responses as the day's work (README, "The day's work"): a pending referral
// or transfer is a task of the organisation that must answer it, due at its response time, gone
// once answered; past that time it is an alert for oversight. The receiver of a pending referral
// learns from its task no more than the referral's stub. Runs on PGlite and on PostgreSQL.
import { sql } from 'kysely'
import t from 'tap'
import type { components, operations } from '../helpers/api-types.js'
import { answered, present } from '../helpers/api-client.js'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'

type Alert = components['schemas']['Alert']
type TaskQuery = NonNullable<operations['listTasks']['parameters']['query']>

/** Today's date in Mexico City, plus some days. */
const mexicoDate = (days: number) => {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Mexico_City' }).format(new Date())
  const date = new Date(`${today}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() + days)
  return date.toISOString().slice(0, 10)
}
/** The start of a date in Mexico City (UTC-6 all year since 2022). */
const startInMexico = (date: string) => `${date}T06:00:00.000Z`

t.test('referral and transfer responses: tasks of the receiver, alerts for oversight', async (t) => {
  const { database, api } = await build(t)
  const leadOrganization = await createOrganization(database, 'civil_society', 'Casa de acogida (respuestas)')
  const lead = await createUser(database, 'ngo_caseworker', leadOrganization)
  const legalAid = await createOrganization(database, 'legal_aid', 'Clínica jurídica (respuestas)')
  const attorney = await createUser(database, 'attorney', legalAid)
  const psychosocial = await createOrganization(database, 'civil_society', 'Apoyo psicosocial (respuestas)')
  const psychologist = await createUser(database, 'ngo_caseworker', psychosocial)
  const procuraduria = await createOrganization(database, 'child_protection_authority', 'Procuraduría (respuestas)')
  const officer = await createUser(database, 'protection_officer', procuraduria)
  const migration = await createUser(database, 'migration_officer', await createOrganization(database, 'migration_authority'))
  const outsider = await createUser(database, 'ngo_caseworker')
  const auditor = await createUser(database, 'oversight_auditor')

  const openCase = async (user: TestUser) => {
    const created = await api(user).POST('/cases', {
      body: {
        riskLevel: 'high',
        demographics: { sex: 'female', nationality: 'HN', separationStatus: 'unaccompanied' },
        identity: { givenName: 'Daniela' },
      },
    })
    const { id, caseNumber } = answered(t, created, 201)
    return { id: present(id, 'the case id'), caseNumber: present(caseNumber, 'the case number') }
  }
  const consentOf = async (caseId: string) => {
    const consent = await api(lead).POST('/cases/{id}/consents', {
      params: { path: { id: caseId } },
      body: { givenBy: 'child_and_guardian', scopes: ['share_with_organizations', 'services'] },
    })
    return answered(t, consent, 201).id
  }
  const tasksOf = async (user: TestUser, query: TaskQuery, headers: Record<string, string> = {}) =>
    answered(t, await api(user, headers).GET('/tasks', { params: { query } }), 200).items
  const alertsOf = async (user: TestUser, caseId: string) => {
    const items: Alert[] = []
    let cursor: string | undefined
    do {
      const page = answered(t, await api(user).GET('/alerts', { params: { query: { limit: 100, cursor } } }), 200)
      items.push(...page.items)
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    return items.filter((alert) => alert.caseId === caseId)
  }
  const setRespondBy = (referralId: string, date: string) =>
    database.db
      .updateTable('referrals')
      .set({ respond_by: date } as never)
      .where('id', '=', referralId)
      .execute()
  const setRequestedAt = (transferId: string, at: string) =>
    database.db
      .updateTable('transfers')
      .set({ requested_at: at } as never)
      .where('id', '=', transferId)
      .execute()

  await t.test('a pending referral is the receiver’s task, due at the end of its respond-by date', async (t) => {
    const theCase = await openCase(lead)
    const consentId = await consentOf(theCase.id)
    const respondBy = mexicoDate(3)
    const referral = await api(lead).POST('/cases/{id}/referrals', {
      params: { path: { id: theCase.id } },
      body: { toOrganizationId: legalAid, service: 'legal_representation', sections: ['demographics', 'legal'], consentId, respondBy },
    })
    const referralId = answered(t, referral, 201).id

    const tasks = await tasksOf(attorney, { caseId: theCase.id })
    t.equal(tasks.length, 1, 'the receiver has only the referral to answer on a case it does not take part in')
    const task = tasks[0]!
    t.same(Object.keys(task).sort(), ['caseId', 'caseNumber', 'dueAt', 'overdue', 'resolveWith', 'rule', 'title'])
    t.same(task, {
      rule: 'respond_to_referral',
      caseId: theCase.id,
      caseNumber: theCase.caseNumber,
      dueAt: startInMexico(mexicoDate(4)),
      overdue: false,
      title: task.title,
      resolveWith: { method: 'POST', path: `/referrals/${referralId}/accept` },
    })
    t.match(task.title, /^Answer the referral/)
    const spanish = await tasksOf(attorney, { caseId: theCase.id }, { 'accept-language': 'es-MX' })
    t.match(spanish[0]!.title, /^Responder la canalización/)

    await t.test('the task tells no more than the stub the receiver reads', async (t) => {
      const stub = answered(t, await api(attorney).GET('/referrals/{rid}', { params: { path: { rid: referralId } } }), 200)
      t.equal(stub.caseNumber, task.caseNumber)
      t.equal(stub.caseId, task.caseId)
      t.equal(stub.respondBy, respondBy)
      const theCaseItself = await api(attorney).GET('/cases/{id}', { params: { path: { id: theCase.id } } })
      t.equal(theCaseItself.response.status, 404, 'the case itself stays closed to it')
      const audit = await sql<{
        fields: string[]
        case_ids: string[]
      }>`SELECT fields, case_ids FROM audit_events WHERE action = 'task.list' AND outcome = 'allowed' AND actor_id = ${attorney.id} ORDER BY id DESC LIMIT 1`.execute(
        database.db,
      )
      t.same([...audit.rows[0]!.fields].sort(), ['case.caseNumber', 'case.id', 'case.leadOrganizationId'])
      t.same(audit.rows[0]!.case_ids, [theCase.id])
    })

    await t.test('not the sender’s task, nor anyone else’s', async (t) => {
      t.same(await tasksOf(lead, { caseId: theCase.id, rule: 'respond_to_referral' }), [])
      t.same(await tasksOf(outsider, { caseId: theCase.id }), [])
      t.same(await tasksOf(psychologist, { rule: 'respond_to_referral' }), [])
    })

    await t.test('filters apply: overdue, dueBefore, assignedTo', async (t) => {
      t.same(await tasksOf(attorney, { caseId: theCase.id, overdue: 'true' }), [])
      t.same(await tasksOf(attorney, { caseId: theCase.id, dueBefore: mexicoDate(4) }), [])
      t.equal((await tasksOf(attorney, { caseId: theCase.id, dueBefore: mexicoDate(5) })).length, 1)
      t.same(
        await tasksOf(attorney, { assignedTo: 'me', rule: 'respond_to_referral' }),
        [],
        'no one in its organisation has the case assigned',
      )
    })

    await t.test('past its date: overdue for the receiver, an alert for oversight and for the case’s participants', async (t) => {
      t.same(
        (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'referral_response_overdue'),
        [],
        'not yet overdue: no alert',
      )
      await setRespondBy(referralId, mexicoDate(-2))
      const overdue = await tasksOf(attorney, { caseId: theCase.id, overdue: 'true' })
      t.match(overdue, [{ rule: 'respond_to_referral', dueAt: startInMexico(mexicoDate(-1)), overdue: true }])
      const alerts = (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'referral_response_overdue')
      t.same(alerts, [
        {
          caseId: theCase.id,
          caseNumber: theCase.caseNumber,
          rule: 'referral_response_overdue',
          severity: 'medium',
          since: startInMexico(mexicoDate(-1)),
          title: 'A referral was not answered by the respond-by date its sender set.',
          task: 'respond_to_referral',
        },
      ])
      t.ok(
        (await alertsOf(lead, theCase.id)).some((alert) => alert.rule === 'referral_response_overdue'),
        'the sender leads the case',
      )
      t.same(await alertsOf(attorney, theCase.id), [], 'the receiver does not take part in the case: no alert on it')
      t.same(await alertsOf(outsider, theCase.id), [])
    })

    await t.test('gone once declined', async (t) => {
      const declined = await api(attorney).POST('/referrals/{rid}/decline', {
        params: { path: { rid: referralId } },
        body: { reason: 'Sin cupo este mes' },
      })
      answered(t, declined, 200)
      t.same(await tasksOf(attorney, { caseId: theCase.id }), [])
      t.same(
        (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'referral_response_overdue'),
        [],
      )
    })

    await t.test('gone once accepted', async (t) => {
      const second = await api(lead).POST('/cases/{id}/referrals', {
        params: { path: { id: theCase.id } },
        body: { toOrganizationId: psychosocial, service: 'psychosocial', sections: ['demographics'], consentId, respondBy: mexicoDate(0) },
      })
      const secondId = answered(t, second, 201).id
      const pending = await tasksOf(psychologist, { caseId: theCase.id })
      t.match(pending, [{ rule: 'respond_to_referral', dueAt: startInMexico(mexicoDate(1)), overdue: false }], 'today is not yet past')
      // The route the task names, called through its documented template.
      t.same(pending[0]?.resolveWith, { method: 'POST', path: `/referrals/${secondId}/accept` })
      answered(t, await api(psychologist).POST('/referrals/{rid}/accept', { params: { path: { rid: secondId } } }), 200)
      t.same(await tasksOf(psychologist, { caseId: theCase.id, rule: 'respond_to_referral' }), [])
    })
  })

  await t.test('a pending transfer of responsibility is the receiver’s task: 5 working days', async (t) => {
    const theCase = await openCase(lead)
    const consentId = await consentOf(theCase.id)
    const requested = await api(lead).POST('/cases/{id}/transfers', {
      params: { path: { id: theCase.id } },
      body: { toOrganizationId: procuraduria, consentId },
    })
    const transferId = answered(t, requested, 201).id

    const task = (await tasksOf(officer, { caseId: theCase.id, rule: 'respond_to_transfer' }))[0]
    t.match(task, {
      rule: 'respond_to_transfer',
      caseNumber: theCase.caseNumber,
      overdue: false,
      resolveWith: { method: 'POST', path: `/transfers/${transferId}/accept` },
    })
    t.ok(Date.parse(task!.dueAt) > Date.now() + 5 * 86_400_000, 'at least five days ahead (weekends included)')
    t.same(await tasksOf(lead, { caseId: theCase.id, rule: 'respond_to_transfer' }), [], 'not the sender’s task')
    t.same(await tasksOf(outsider, { caseId: theCase.id }), [])
    t.same(await tasksOf(attorney, { rule: 'respond_to_transfer' }), [])
    t.same(
      (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'transfer_response_overdue'),
      [],
    )

    // Requested Thu 10 Sep 2026 at 11:00 in Mexico City: Fri 11, Mon 14, Tue 15, (Wed 16 is a rest day),
    // Thu 17, Fri 18: due at the end of Friday 18 September.
    await setRequestedAt(transferId, '2026-09-10T17:00:00Z')
    const overdue = (await tasksOf(officer, { caseId: theCase.id, rule: 'respond_to_transfer' }))[0]
    t.equal(overdue?.dueAt, '2026-09-19T06:00:00.000Z')
    t.equal(overdue?.overdue, true)
    const alerts = (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'transfer_response_overdue')
    t.same(alerts, [
      {
        caseId: theCase.id,
        caseNumber: theCase.caseNumber,
        rule: 'transfer_response_overdue',
        severity: 'high',
        since: '2026-09-19T06:00:00.000Z',
        title: 'A transfer of the case was not answered in time: no one has taken over responsibility for the child.',
        task: 'respond_to_transfer',
      },
    ])
    t.ok(
      (await alertsOf(officer, theCase.id)).some((alert) => alert.rule === 'transfer_response_overdue'),
      'the receiver takes part from the request on',
    )
    t.same(await alertsOf(outsider, theCase.id), [])

    const declined = await api(officer).POST('/transfers/{tid}/decline', {
      params: { path: { tid: transferId } },
      body: { reason: 'No es de nuestra competencia' },
    })
    answered(t, declined, 200)
    t.same(await tasksOf(officer, { caseId: theCase.id, rule: 'respond_to_transfer' }), [])
    t.same(
      (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'transfer_response_overdue'),
      [],
    )
  })

  await t.test('a hand-over is answered within 24 hours; accepting it ends the task', async (t) => {
    const theCase = await openCase(migration)
    const handed = await api(migration).POST('/cases/{id}/transfers', {
      params: { path: { id: theCase.id } },
      body: { toOrganizationId: procuraduria, legalBasis: { code: 'migration_law_handover' } },
    })
    const { id: transferId, requestedAt } = answered(t, handed, 201)
    const task = (await tasksOf(officer, { caseId: theCase.id, rule: 'respond_to_transfer' }))[0]
    t.equal(task?.dueAt, new Date(Date.parse(requestedAt) + 24 * 3_600_000).toISOString())
    t.equal(task?.overdue, false)
    t.same(await tasksOf(migration, { caseId: theCase.id, rule: 'respond_to_transfer' }), [])

    await setRequestedAt(transferId, new Date(Date.now() - 30 * 3_600_000).toISOString())
    t.equal((await tasksOf(officer, { caseId: theCase.id, rule: 'respond_to_transfer' }))[0]?.overdue, true)
    t.match(
      (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'transfer_response_overdue'),
      [{ severity: 'high' }],
    )

    // The route the task names, called through its documented template.
    t.same(task?.resolveWith, { method: 'POST', path: `/transfers/${transferId}/accept` })
    answered(t, await api(officer).POST('/transfers/{tid}/accept', { params: { path: { tid: transferId } } }), 200)
    t.same(await tasksOf(officer, { caseId: theCase.id, rule: 'respond_to_transfer' }), [])
    t.same(
      (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'transfer_response_overdue'),
      [],
    )
  })

  await t.test('GET /vocabulary names the task rules and the new alerts in both languages', async (t) => {
    const es = answered(t, await api(lead).GET('/vocabulary', { params: { query: { lang: 'es-MX' } } }), 200).lists
    const en = answered(t, await api(lead).GET('/vocabulary', { params: { query: { lang: 'en' } } }), 200).lists
    for (const lists of [es, en]) {
      const taskRules = (lists.taskRules ?? []).map((item) => item.code)
      t.ok(taskRules.includes('respond_to_referral') && taskRules.includes('respond_to_transfer'))
      const alertRules = (lists.alertRules ?? []).map((item) => item.code)
      t.ok(alertRules.includes('referral_response_overdue') && alertRules.includes('transfer_response_overdue'))
    }
    t.match(es.taskRules?.find((item) => item.code === 'respond_to_referral')?.label, /canalización/)
    t.match(en.alertRules?.find((item) => item.code === 'transfer_response_overdue')?.label, /transfer/)
  })
})
