// Referral and transfer responses as the day's work (README, "The day's work"): a pending referral
// or transfer is a task of the organisation that must answer it, due at its response time, gone
// once answered; past that time it is an alert for oversight. The receiver of a pending referral
// learns from its task no more than the referral's stub. Runs on PGlite and on PostgreSQL.
import { sql } from 'kysely'
import t from 'tap'
import { build, createOrganization, createUser, type TestUser } from '../helpers/build.js'

interface Task {
  rule: string
  caseId: string
  caseNumber: string
  dueAt: string
  overdue: boolean
  title: string
  resolveWith: { method: string; path: string }
}
interface Alert {
  caseId: string
  caseNumber: string
  rule: string
  severity: string
  since: string
}

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
  const { app, database } = await build(t)
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

  const send = (user: TestUser, method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...user.headers, ...headers }, ...(payload ? { payload } : {}) })
  const openCase = async (user: TestUser) => {
    const created = await send(user, 'POST', '/cases', {
      riskLevel: 'high',
      demographics: { sex: 'female', nationality: 'HN', separationStatus: 'unaccompanied' },
      identity: { givenName: 'Daniela' },
    })
    t.equal(created.statusCode, 201, created.body)
    return { id: created.json().id as string, caseNumber: created.json().caseNumber as string }
  }
  const consentOf = async (caseId: string) => {
    const consent = await send(lead, 'POST', `/cases/${caseId}/consents`, {
      givenBy: 'child_and_guardian',
      scopes: ['share_with_organizations', 'services'],
    })
    t.equal(consent.statusCode, 201, consent.body)
    return consent.json().id as string
  }
  const tasksOf = async (user: TestUser, query: string, headers: Record<string, string> = {}) => {
    const response = await send(user, 'GET', `/tasks${query}`, undefined, headers)
    t.equal(response.statusCode, 200, response.body)
    return response.json().items as Task[]
  }
  const alertsOf = async (user: TestUser, caseId: string) => {
    const items: Alert[] = []
    let cursor: string | null = null
    do {
      const response = await send(user, 'GET', `/alerts?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
      t.equal(response.statusCode, 200, response.body)
      items.push(...response.json().items)
      cursor = response.json().nextCursor
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
    const referral = await send(lead, 'POST', `/cases/${theCase.id}/referrals`, {
      toOrganizationId: legalAid,
      service: 'legal_representation',
      sections: ['demographics', 'legal'],
      consentId,
      respondBy,
    })
    t.equal(referral.statusCode, 201, referral.body)
    const referralId = referral.json().id as string

    const tasks = await tasksOf(attorney, `?caseId=${theCase.id}`)
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
    const spanish = await tasksOf(attorney, `?caseId=${theCase.id}`, { 'accept-language': 'es-MX' })
    t.match(spanish[0]!.title, /^Responder la canalización/)

    await t.test('the task tells no more than the stub the receiver reads', async (t) => {
      const stub = await send(attorney, 'GET', `/referrals/${referralId}`)
      t.equal(stub.statusCode, 200, stub.body)
      t.equal(stub.json().caseNumber, task.caseNumber)
      t.equal(stub.json().caseId, task.caseId)
      t.equal(stub.json().respondBy, respondBy)
      t.equal((await send(attorney, 'GET', `/cases/${theCase.id}`)).statusCode, 404, 'the case itself stays closed to it')
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
      t.same(await tasksOf(lead, `?caseId=${theCase.id}&rule=respond_to_referral`), [])
      t.same(await tasksOf(outsider, `?caseId=${theCase.id}`), [])
      t.same(await tasksOf(psychologist, '?rule=respond_to_referral'), [])
    })

    await t.test('filters apply: overdue, dueBefore, assignedTo', async (t) => {
      t.same(await tasksOf(attorney, `?caseId=${theCase.id}&overdue=true`), [])
      t.same(await tasksOf(attorney, `?caseId=${theCase.id}&dueBefore=${mexicoDate(4)}`), [])
      t.equal((await tasksOf(attorney, `?caseId=${theCase.id}&dueBefore=${mexicoDate(5)}`)).length, 1)
      t.same(await tasksOf(attorney, '?assignedTo=me&rule=respond_to_referral'), [], 'no one in its organisation has the case assigned')
    })

    await t.test('past its date: overdue for the receiver, an alert for oversight and for the case’s participants', async (t) => {
      t.same(
        (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'referral_response_overdue'),
        [],
        'not yet overdue: no alert',
      )
      await setRespondBy(referralId, mexicoDate(-2))
      const overdue = await tasksOf(attorney, `?caseId=${theCase.id}&overdue=true`)
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
      const declined = await send(attorney, 'POST', `/referrals/${referralId}/decline`, { reason: 'Sin cupo este mes' })
      t.equal(declined.statusCode, 200, declined.body)
      t.same(await tasksOf(attorney, `?caseId=${theCase.id}`), [])
      t.same(
        (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'referral_response_overdue'),
        [],
      )
    })

    await t.test('gone once accepted', async (t) => {
      const second = await send(lead, 'POST', `/cases/${theCase.id}/referrals`, {
        toOrganizationId: psychosocial,
        service: 'psychosocial',
        sections: ['demographics'],
        consentId,
        respondBy: mexicoDate(0),
      })
      t.equal(second.statusCode, 201, second.body)
      const pending = await tasksOf(psychologist, `?caseId=${theCase.id}`)
      t.match(pending, [{ rule: 'respond_to_referral', dueAt: startInMexico(mexicoDate(1)), overdue: false }], 'today is not yet past')
      const accepted = await send(psychologist, 'POST', pending[0]!.resolveWith.path)
      t.equal(accepted.statusCode, 200, accepted.body)
      t.same(await tasksOf(psychologist, `?caseId=${theCase.id}&rule=respond_to_referral`), [])
    })
  })

  await t.test('a pending transfer of responsibility is the receiver’s task: 5 working days', async (t) => {
    const theCase = await openCase(lead)
    const consentId = await consentOf(theCase.id)
    const requested = await send(lead, 'POST', `/cases/${theCase.id}/transfers`, { toOrganizationId: procuraduria, consentId })
    t.equal(requested.statusCode, 201, requested.body)
    const transferId = requested.json().id as string

    const task = (await tasksOf(officer, `?caseId=${theCase.id}&rule=respond_to_transfer`))[0]
    t.match(task, {
      rule: 'respond_to_transfer',
      caseNumber: theCase.caseNumber,
      overdue: false,
      resolveWith: { method: 'POST', path: `/transfers/${transferId}/accept` },
    })
    t.ok(Date.parse(task!.dueAt) > Date.now() + 5 * 86_400_000, 'at least five days ahead (weekends included)')
    t.same(await tasksOf(lead, `?caseId=${theCase.id}&rule=respond_to_transfer`), [], 'not the sender’s task')
    t.same(await tasksOf(outsider, `?caseId=${theCase.id}`), [])
    t.same(await tasksOf(attorney, '?rule=respond_to_transfer'), [])
    t.same(
      (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'transfer_response_overdue'),
      [],
    )

    // Requested Thu 10 Sep 2026 at 11:00 in Mexico City: Fri 11, Mon 14, Tue 15, (Wed 16 is a rest day),
    // Thu 17, Fri 18: due at the end of Friday 18 September.
    await setRequestedAt(transferId, '2026-09-10T17:00:00Z')
    const overdue = (await tasksOf(officer, `?caseId=${theCase.id}&rule=respond_to_transfer`))[0]
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

    const declined = await send(officer, 'POST', `/transfers/${transferId}/decline`, { reason: 'No es de nuestra competencia' })
    t.equal(declined.statusCode, 200, declined.body)
    t.same(await tasksOf(officer, `?caseId=${theCase.id}&rule=respond_to_transfer`), [])
    t.same(
      (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'transfer_response_overdue'),
      [],
    )
  })

  await t.test('a hand-over is answered within 24 hours; accepting it ends the task', async (t) => {
    const theCase = await openCase(migration)
    const handed = await send(migration, 'POST', `/cases/${theCase.id}/transfers`, {
      toOrganizationId: procuraduria,
      legalBasis: { code: 'migration_law_handover' },
    })
    t.equal(handed.statusCode, 201, handed.body)
    const transferId = handed.json().id as string
    const task = (await tasksOf(officer, `?caseId=${theCase.id}&rule=respond_to_transfer`))[0]
    t.equal(task?.dueAt, new Date(Date.parse(handed.json().requestedAt) + 24 * 3_600_000).toISOString())
    t.equal(task?.overdue, false)
    t.same(await tasksOf(migration, `?caseId=${theCase.id}&rule=respond_to_transfer`), [])

    await setRequestedAt(transferId, new Date(Date.now() - 30 * 3_600_000).toISOString())
    t.equal((await tasksOf(officer, `?caseId=${theCase.id}&rule=respond_to_transfer`))[0]?.overdue, true)
    t.match(
      (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'transfer_response_overdue'),
      [{ severity: 'high' }],
    )

    const accepted = await send(officer, 'POST', task!.resolveWith.path)
    t.equal(accepted.statusCode, 200, accepted.body)
    t.same(await tasksOf(officer, `?caseId=${theCase.id}&rule=respond_to_transfer`), [])
    t.same(
      (await alertsOf(auditor, theCase.id)).filter((alert) => alert.rule === 'transfer_response_overdue'),
      [],
    )
  })

  await t.test('GET /vocabulary names the task rules and the new alerts in both languages', async (t) => {
    const es = (await send(lead, 'GET', '/vocabulary?lang=es-MX')).json().lists
    const en = (await send(lead, 'GET', '/vocabulary?lang=en')).json().lists
    for (const lists of [es, en]) {
      const taskRules = (lists.taskRules as { code: string }[]).map((item) => item.code)
      t.ok(taskRules.includes('respond_to_referral') && taskRules.includes('respond_to_transfer'))
      const alertRules = (lists.alertRules as { code: string }[]).map((item) => item.code)
      t.ok(alertRules.includes('referral_response_overdue') && alertRules.includes('transfer_response_overdue'))
    }
    t.match(es.taskRules.find((item: { code: string }) => item.code === 'respond_to_referral').label, /canalización/)
    t.match(en.alertRules.find((item: { code: string }) => item.code === 'transfer_response_overdue').label, /transfer/)
  })
})
