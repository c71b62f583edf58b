// The service's edges (issue 13, "5xx on input" and "framework errors outside the contract"): each
// example the attack found is a request here, answered with a 4xx problem document and never a 5xx.
import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { v7 as uuidv7 } from 'uuid'
import { build, createCast, createUser, type TestUser, grantParticipation } from '../helpers/build.js'
import { sign } from 'node:crypto'
import { bearer, signToken, TEST_AUDIENCE, TEST_ISSUER, testKeys } from '../helpers/tokens.js'

const PROBLEM = /^application\/problem\+json/

/** A really signed ES256 token whose claims are the given JSON text, as no well-behaved signer would write it. */
function signRawClaims(claimsJson: string): string {
  const part = (text: string) => Buffer.from(text).toString('base64url')
  const input = `${part(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${part(claimsJson)}`
  const signature = sign('sha256', Buffer.from(input), { key: testKeys.privateKeyPem, dsaEncoding: 'ieee-p1363' })
  return `${input}.${signature.toString('base64url')}`
}

t.test('hostile input is a 4xx problem on every edge', async (t) => {
  const { app, database } = await build(t)
  const { ngo, attorney, migration, auditor, admin } = await createCast(database)
  const protection = await createUser(database, 'protection_officer')

  const created = await app.inject({ method: 'POST', url: '/cases', headers: ngo.headers, payload: { riskLevel: 'medium' } })
  t.equal(created.statusCode, 201, created.body)
  const caseId: string = created.json().id
  const consent = await app.inject({
    method: 'POST',
    url: `/cases/${caseId}/consents`,
    headers: ngo.headers,
    payload: { givenBy: 'child_assent', scopes: ['share_with_organizations'] },
  })
  t.equal(consent.statusCode, 201, consent.body)
  for (const user of [attorney, migration, protection]) {
    await grantParticipation(database.db, user.organizationId, caseId, ngo.id)
  }
  const note = await app.inject({ method: 'POST', url: `/cases/${caseId}/notes`, headers: ngo.headers, payload: { body: 'First visit' } })
  t.equal(note.statusCode, 201, note.body)
  const draft = await app.inject({
    method: 'POST',
    url: `/cases/${caseId}/determinations`,
    headers: protection.headers,
    payload: {
      trigger: 'durable_solution',
      panel: [{ name: 'A', role: 'panel member', undertakingSignedAt: '2026-10-01' }],
      rationale: 'Safety first',
    },
  })
  t.equal(draft.statusCode, 201, draft.body)

  const send = (user: TestUser, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { ...user.headers, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      // Sent as text: JSON.stringify writes a lone surrogate as the escape \ud800, as an attacker would.
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
  const isProblem = (t: Test, response: LightMyRequestResponse, status: number, label: string) => {
    t.equal(response.statusCode, status, `${label}: ${response.statusCode} ${response.body.slice(0, 200)}`)
    t.match(String(response.headers['content-type']), PROBLEM, `${label}: a problem document`)
    t.notMatch(response.body, /FST_|Error:|at \w+ \(/, `${label}: no framework code, message or stack`)
  }

  await t.test('any bad token is a 401 problem, never a 500', async (t) => {
    const subject = ngo.subject
    const tokens: [string, string][] = [
      ['a sub with a NUL byte', signToken(`${subject}\u0000`)],
      ['a sub that is only a NUL byte', signToken('\u0000')],
      ['a sub with a lone surrogate', signToken(`${subject}\ud800`)],
      ['a huge sub', signToken('x'.repeat(5_000))],
      ['a numeric sub', signToken(undefined, { claims: { sub: 42 } })],
      ['an object sub', signToken(undefined, { claims: { sub: { id: subject } } })],
      ['an array sub', signToken(undefined, { claims: { sub: [subject] } })],
      ['aud as a number', signToken(subject, { claims: { aud: 7 } })],
      ['iss as an object', signToken(subject, { claims: { iss: { url: 'x' } } })],
    ]
    const exp = Math.floor(Date.now() / 1000) + 600
    const raw = (claims: string) => signRawClaims(`{"iss":"${TEST_ISSUER}","aud":"${TEST_AUDIENCE}",${claims}}`)
    tokens.push(
      ['a good raw token, to show the signing works', raw(`"sub":"${subject}","exp":${exp}`)],
      ['exp as a string', raw(`"sub":"${subject}","exp":"tomorrow"`)],
      ['exp that overflows', raw(`"sub":"${subject}","exp":1e309`)],
      ['nbf as a string', raw(`"sub":"${subject}","exp":${exp},"nbf":"now"`)],
      ['iat as a string', raw(`"sub":"${subject}","exp":${exp},"iat":"yesterday"`)],
      ['iat as an object', raw(`"sub":"${subject}","exp":${exp},"iat":{"n":1}`)],
      ['exp as an object', raw(`"sub":"${subject}","exp":{"n":1}`)],
      ['a sub with a raw NUL escape', raw(`"sub":"${subject}\\u0000","exp":${exp}`)],
      ['a sub with a raw lone surrogate escape', raw(`"sub":"\\ud800","exp":${exp}`)],
      ['claims that are not an object', signRawClaims('[1,2,3]')],
      ['claims that are not JSON', signRawClaims('{"sub":')],
    )
    for (const [label, token] of tokens) {
      if (label.startsWith('a good raw token')) {
        t.equal((await app.inject({ method: 'GET', url: '/me', headers: bearer(token) })).statusCode, 200, label)
        continue
      }
      const response = await app.inject({ method: 'GET', url: '/me', headers: bearer(token) })
      isProblem(t, response, 401, label)
    }
    isProblem(
      t,
      await app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${'a'.repeat(9_000)}.b.c` } }),
      401,
      'an oversized token',
    )
    isProblem(t, await app.inject({ method: 'GET', url: '/me', headers: { authorization: 'Bearer a.b' } }), 401, 'a token of two parts')
    t.equal((await app.inject({ method: 'GET', url: '/me', headers: ngo.headers })).statusCode, 200, 'a good token still works')
  })

  // A string field of every write route, with the body around it that the route needs.
  const writes: { label: string; user: TestUser; method: string; url: string; body: (text: string) => unknown; ifMatch?: string }[] = [
    {
      label: 'POST /cases',
      user: ngo,
      method: 'POST',
      url: '/cases',
      body: (text) => ({ riskLevel: 'low', identity: { givenName: text } }),
    },
    {
      label: 'PATCH /cases/:id',
      user: ngo,
      method: 'PATCH',
      url: `/cases/${caseId}`,
      body: (text) => ({ health: { notes: text } }),
      ifMatch: '"1"',
    },
    { label: 'POST notes', user: ngo, method: 'POST', url: `/cases/${caseId}/notes`, body: (text) => ({ body: text }) },
    {
      label: 'PATCH a note',
      user: ngo,
      method: 'PATCH',
      url: `/cases/${caseId}/notes/${note.json().id}`,
      body: (text) => ({ body: text }),
      ifMatch: '"1"',
    },
    {
      label: 'POST consents',
      user: ngo,
      method: 'POST',
      url: `/cases/${caseId}/consents`,
      body: (text) => ({ givenBy: 'child_assent', scopes: ['services'], notes: text }),
    },
    {
      label: 'POST placements',
      user: ngo,
      method: 'POST',
      url: `/cases/${caseId}/placements`,
      body: (text) => ({ type: 'dif_shelter', facilityName: text }),
    },
    {
      label: 'POST assessments',
      user: ngo,
      method: 'POST',
      url: `/cases/${caseId}/assessments`,
      body: (text) => ({ findings: { family: text } }),
    },
    {
      label: 'POST determinations',
      user: protection,
      method: 'POST',
      url: `/cases/${caseId}/determinations`,
      body: (text) => ({ trigger: 'review', panel: [], rationale: text }),
    },
    {
      label: 'POST participants',
      user: protection,
      method: 'POST',
      url: `/cases/${caseId}/participants`,
      body: (text) => ({ organizationId: auditor.organizationId, legalBasis: { code: 'protection_measure', citation: text } }),
    },
    {
      label: 'POST /users',
      user: admin,
      method: 'POST',
      url: '/users',
      body: (text) => ({ subject: `s-${uuidv7()}`, displayName: text, role: 'ngo_caseworker', organizationId: ngo.organizationId }),
    },
    { label: 'PATCH /users/:id', user: admin, method: 'PATCH', url: `/users/${ngo.id}`, body: (text) => ({ displayName: text }) },
    {
      label: 'POST /organizations',
      user: admin,
      method: 'POST',
      url: '/organizations',
      body: (text) => ({ name: text, kind: 'civil_society' }),
    },
  ]

  await t.test('NUL bytes and lone surrogates in any string of any body are a 400 naming where, not what', async (t) => {
    for (const write of writes) {
      for (const [what, text] of [
        ['a NUL byte', 'Ana\u0000Lucía'],
        ['a lone high surrogate', 'Ana\ud800'],
        ['a lone low surrogate', '\udc00Ana'],
      ] as const) {
        const response = await send(
          write.user,
          write.method,
          write.url,
          write.body(text),
          write.ifMatch ? { 'if-match': write.ifMatch } : {},
        )
        isProblem(t, response, 400, `${write.label} with ${what}`)
        t.equal(response.json().type, 'urn:atd:problem:validation-error')
        t.equal(response.json().errors?.[0]?.in, 'body', `${write.label}: the error says where`)
        t.notOk(response.body.includes('Ana'), `${write.label}: the value is not echoed`)
      }
    }
    // In a field name, in an array, in a query, in a path parameter.
    isProblem(t, await send(ngo, 'POST', '/cases', '{"riskLevel":"low","identity\\u0000":{}}'), 400, 'a NUL in a field name')
    isProblem(
      t,
      await send(ngo, 'POST', '/cases', { riskLevel: 'low', identity: { otherNames: ['ok', 'x\u0000'] } }),
      400,
      'a NUL in an array item',
    )
    isProblem(t, await send(ngo, 'GET', '/cases?stage=identification%00'), 400, 'a NUL in a query value')
    isProblem(t, await send(ngo, 'GET', '/cases?%00=1'), 400, 'a NUL in a query key')
    isProblem(t, await send(ngo, 'GET', '/cases/%00'), 400, 'a NUL in a path parameter')
    isProblem(t, await send(ngo, 'GET', '/cases/%ED%A0%80'), 400, 'a lone surrogate, percent-encoded, in a path parameter')
    isProblem(t, await send(ngo, 'GET', '/cases?stage=%ED%A0%80'), 400, 'a lone surrogate, percent-encoded, in a query value')
  })

  await t.test('text is stored in Unicode NFC', async (t) => {
    const decomposed = 'Jose\u0301 Mari\u0301a' // e + combining acute accent
    const response = await send(ngo, 'POST', '/cases', {
      riskLevel: 'low',
      identity: { givenName: decomposed, otherNames: ['A\u030Angstro\u0308m'] },
    })
    t.equal(response.statusCode, 201, response.body)
    t.equal(response.json().identity.givenName, 'José María')
    t.equal(response.json().identity.givenName, decomposed.normalize('NFC'))
    t.same(response.json().identity.otherNames, ['Ångström'.normalize('NFC')])
    const stored = await database.db.selectFrom('cases').select('identity').where('id', '=', response.json().id).executeTakeFirstOrThrow()
    t.equal((stored.identity as { givenName: string }).givenName, 'Jos\u00e9 Mar\u00eda', 'the database holds the composed form')
    const organization = await send(admin, 'POST', '/organizations', {
      name: 'Albergue Sen\u0303or de la Misericordia',
      kind: 'civil_society',
    })
    t.equal(organization.statusCode, 201, organization.body)
    t.equal(organization.json().name, 'Albergue Se\u00f1or de la Misericordia')
  })

  await t.test('very deep nesting is a 400', async (t) => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
    isProblem(t, await send(ngo, 'POST', '/cases', `{"riskLevel":"low","identity":{"otherNames":${nested(40)}}}`), 400, 'nested 40 levels')
    isProblem(
      t,
      await send(ngo, 'POST', '/cases', `{"riskLevel":"low","identity":{"otherNames":${nested(100_000)}}}`),
      400,
      'nested 100 000 levels',
    )
    isProblem(t, await send(ngo, 'POST', '/cases', `${`{"a":`.repeat(20_000)}1${'}'.repeat(20_000)}`), 400, 'objects nested 20 000 levels')
  })

  await t.test('dates outside 1900–2999 are a 400 in every date field of every body and query', async (t) => {
    const dates: [
      string,
      (date: string, time: string) => { user: TestUser; method: string; url: string; body?: unknown; ifMatch?: string },
    ][] = [
      [
        'dateOfBirth',
        (date) => ({ user: ngo, method: 'POST', url: '/cases', body: { riskLevel: 'low', identity: { dateOfBirth: date } } }),
      ],
      [
        'procuraduriaNotifiedAt',
        (_date, time) => ({
          user: ngo,
          method: 'POST',
          url: '/cases',
          body: { riskLevel: 'low', custody: { procuraduriaNotifiedAt: time } },
        }),
      ],
      [
        'a consent givenAt',
        (_date, time) => ({
          user: ngo,
          method: 'POST',
          url: `/cases/${caseId}/consents`,
          body: { givenBy: 'child_assent', scopes: ['services'], givenAt: time },
        }),
      ],
      [
        'a placement startedAt',
        (_date, time) => ({
          user: ngo,
          method: 'POST',
          url: `/cases/${caseId}/placements`,
          body: { type: 'dif_shelter', startedAt: time },
        }),
      ],
      [
        'an assessment completedAt',
        (_date, time) => ({
          user: ngo,
          method: 'POST',
          url: `/cases/${caseId}/assessments`,
          body: { findings: { family: 'x' }, completedAt: time },
        }),
      ],
      [
        'a decision decidedAt',
        (date) => ({
          user: protection,
          method: 'POST',
          url: `/cases/${caseId}/determinations/${draft.json().id}/decision`,
          body: { outcome: 'local_integration', decidedAt: date, reviewDueAt: '2027-05-01' },
        }),
      ],
      [
        'a decision reviewDueAt',
        (date) => ({
          user: protection,
          method: 'POST',
          url: `/cases/${caseId}/determinations/${draft.json().id}/decision`,
          body: { outcome: 'local_integration', decidedAt: '2026-11-01', reviewDueAt: date },
        }),
      ],
      ['statistics from', (_date, time) => ({ user: auditor, method: 'GET', url: `/statistics?from=${encodeURIComponent(time)}` })],
      ['statistics to', (_date, time) => ({ user: auditor, method: 'GET', url: `/statistics?to=${encodeURIComponent(time)}` })],
      ['audit-events from', (_date, time) => ({ user: auditor, method: 'GET', url: `/audit-events?from=${encodeURIComponent(time)}` })],
      ['audit-events to', (_date, time) => ({ user: auditor, method: 'GET', url: `/audit-events?to=${encodeURIComponent(time)}` })],
    ]
    for (const [field, request] of dates) {
      for (const year of ['0000', '99999', '1899', '3000', '-0001', '+02026']) {
        const { user, method, url, body } = request(`${year}-01-01`, `${year}-01-01T00:00:00Z`)
        isProblem(t, await send(user, method, url, body), 400, `${field} in year ${year}`)
      }
    }
    const fine = await send(auditor, 'GET', `/audit-events?from=${encodeURIComponent('2026-01-01T00:00:00Z')}`)
    t.equal(fine.statusCode, 200, 'a date in range is fine')
  })

  await t.test('forged cursors are a 400 on every paginated route', async (t) => {
    const encoded = (text: string) => Buffer.from(text).toString('base64url')
    const forged = [
      encoded('-'.repeat(36)),
      encoded(`cases|${'-'.repeat(36)}`),
      encoded('cases|00000000-0000-0000-0000-00000000000g'),
      encoded(`alerts|${caseId}|' OR 1=1 --`),
      encoded(`records|${caseId}|extra`),
      encoded('audit-events|99999999999999999999'),
      encoded('history|-1'),
      'zzz',
      'zzzz',
      `${encoded(`records|${caseId}`)}=`,
      '12345',
      'a'.repeat(199),
      '%00',
    ]
    const lists = [
      { url: '/cases', user: ngo },
      { url: '/alerts', user: ngo },
      { url: '/users', user: admin },
      { url: '/organizations', user: admin },
      { url: '/audit-events', user: auditor },
      { url: `/cases/${caseId}/access-log`, user: auditor },
      { url: `/cases/${caseId}/consents`, user: ngo },
      { url: `/cases/${caseId}/participants`, user: ngo },
      { url: `/cases/${caseId}/notes`, user: ngo },
      { url: `/cases/${caseId}/history`, user: ngo },
      { url: `/cases/${caseId}/placements`, user: ngo },
      { url: `/cases/${caseId}/assessments`, user: ngo },
      { url: `/cases/${caseId}/determinations`, user: ngo },
      { url: `/cases/${caseId}/transitions`, user: ngo },
    ]
    for (const list of lists) {
      const first = await send(list.user, 'GET', `${list.url}?limit=1`)
      t.equal(first.statusCode, 200, `${list.url}: ${first.body.slice(0, 200)}`)
      if (first.statusCode !== 200 || !('nextCursor' in first.json())) continue
      for (const cursor of forged)
        isProblem(t, await send(list.user, 'GET', `${list.url}?cursor=${cursor}`), 400, `${list.url} with cursor ${cursor.slice(0, 20)}`)
      // A cursor is only good for the list that made it.
      const other = list.url === '/users' ? encoded(`organizations|${ngo.organizationId}`) : encoded(`users|${ngo.id}`)
      isProblem(t, await send(list.user, 'GET', `${list.url}?cursor=${other}`), 400, `${list.url} with another list's cursor`)
    }
  })

  await t.test('huge, negative and fractional numbers are a 400', async (t) => {
    for (const limit of ['1e309', '-1e309', '1152921504606846976', '-1', '0', '1.5', 'NaN', 'Infinity', '']) {
      isProblem(t, await send(ngo, 'GET', `/cases?limit=${limit}`), 400, `limit=${limit}`)
      isProblem(t, await send(auditor, 'GET', `/audit-events?limit=${limit}`), 400, `audit limit=${limit}`)
    }
    isProblem(t, await send(ngo, 'GET', '/cases?limit=1&limit=2'), 400, 'a repeated limit')
    for (const ifMatch of ['"1152921504606846976"', '"1e309"', '"-1"', 'W/"99999999999999999999"']) {
      const response = await send(ngo, 'PATCH', `/cases/${caseId}`, { riskLevel: 'high' }, { 'if-match': ifMatch })
      t.ok(response.statusCode >= 400 && response.statusCode < 500, `If-Match ${ifMatch}: ${response.statusCode}`)
      t.match(String(response.headers['content-type']), PROBLEM)
    }
    isProblem(
      t,
      await send(ngo, 'POST', '/cases', '{"riskLevel":"low","identity":{"dateOfBirthEstimated":1e309}}'),
      400,
      'a number that overflows in a body',
    )
  })

  await t.test('framework errors answer in the contract’s shape', async (t) => {
    const badUrl = await send(ngo, 'GET', '/cases/%zz')
    isProblem(t, badUrl, 400, 'GET /cases/%zz')
    t.notOk(badUrl.body.includes('%zz'), 'the path is not echoed')
    t.notOk('instance' in badUrl.json())
    t.ok(badUrl.json().detail)

    const longParameter = await send(ngo, 'GET', `/cases/${'a'.repeat(500)}`)
    isProblem(t, longParameter, 414, 'a too-long parameter')
    t.notOk(longParameter.body.includes('aaaa'), 'the parameter is not echoed')
    const longUrl = await send(ngo, 'GET', `/cases?stage=${'a'.repeat(5_000)}`)
    isProblem(t, longUrl, 414, 'a too-long URL')
    t.notOk(longUrl.body.includes('aaaa'))
    isProblem(
      t,
      await app.inject({ method: 'GET', url: `/no/such/${'b'.repeat(5_000)}` }),
      414,
      'a too-long URL on no route, without a token',
    )

    for (const [method, url, allowed] of [
      ['PUT', '/cases', ['GET', 'POST']],
      ['DELETE', `/cases/${caseId}`, ['GET', 'PATCH']],
      ['PUT', `/cases/${caseId}/notes/${note.json().id}`, ['GET', 'PATCH']],
      ['POST', '/health', ['GET']],
      ['DELETE', '/statistics', ['GET']],
    ] as const) {
      const response = await send(ngo, method, url)
      isProblem(t, response, 405, `${method} ${url}`)
      const allow = String(response.headers.allow).split(', ')
      for (const name of allowed) t.ok(allow.includes(name), `${method} ${url}: Allow names ${name} (${response.headers.allow})`)
      t.notOk(allow.includes(method), `${method} ${url}: Allow does not name ${method}`)
      t.equal(response.json().type, 'urn:atd:problem:method-not-allowed')
    }
    isProblem(t, await send(ngo, 'GET', '/no-such-route'), 404, 'an unknown path is still a 404')
    isProblem(t, await send(ngo, 'PUT', '/cases/x/y/z'), 404, 'an unknown deeper path is still a 404')

    const tooLarge = await send(ngo, 'POST', '/cases', { riskLevel: 'low', health: { notes: 'x'.repeat(300 * 1024) } })
    isProblem(t, tooLarge, 413, 'a body over the limit')
    t.match(tooLarge.json().detail, /256 KiB/)
    const wrongType = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: { ...ngo.headers, 'content-type': 'text/plain' },
      payload: 'riskLevel=low',
    })
    isProblem(t, wrongType, 415, 'a body that is not JSON')
    t.match(wrongType.json().detail, /application\/json/)
    const xml = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: { ...ngo.headers, 'content-type': 'application/xml' },
      payload: '<case/>',
    })
    isProblem(t, xml, 415, 'an XML body')
    const badJson = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: { ...ngo.headers, 'content-type': 'application/json' },
      payload: '{"riskLevel":',
    })
    isProblem(t, badJson, 400, 'a body that does not parse')
    t.ok(badJson.json().detail)
    const prototype = await app.inject({
      method: 'POST',
      url: '/cases',
      headers: { ...ngo.headers, 'content-type': 'application/json' },
      payload: '{"riskLevel":"low","__proto__":{"x":1}}',
    })
    isProblem(t, prototype, 400, 'a body with __proto__')
  })

  await t.test('after all that, the service still answers', async (t) => {
    const response = await send(ngo, 'GET', `/cases/${caseId}`)
    t.equal(response.statusCode, 200)
  })
})
