import { createHmac, createSign } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import t, { type Test } from 'tap'
import { LOG_DIRECTORY, build, createUser, type TestUser } from '../helpers/build.js'
import { bearer, makeKeyPair, signToken, TEST_AUDIENCE, TEST_ISSUER, testKeys } from '../helpers/tokens.js'

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')
const nowSeconds = () => Math.floor(Date.now() / 1000)

function claimsFor(subject: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: subject, iat: nowSeconds(), exp: nowSeconds() + 600, ...extra }
}

/** A token built by hand: fast-jwt refuses to make the forged ones an attacker would send. */
function handMadeToken(header: Record<string, unknown>, claims: Record<string, unknown>, sign: (input: string) => Buffer | string): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`
  const signature = sign(input)
  return `${input}.${typeof signature === 'string' ? signature : signature.toString('base64url')}`
}

function assertUnauthorized(t: Test, response: LightMyRequestResponse, label: string): void {
  t.equal(response.statusCode, 401, `${label}: ${response.body}`)
  t.match(response.headers['content-type'], /^application\/problem\+json/, `${label}: problem document`)
  const body = response.json()
  t.equal(body.type, 'urn:atd:problem:unauthorized', `${label}: stable type`)
  t.equal(body.status, 401, `${label}: status in body`)
  t.equal(response.headers['www-authenticate'], 'Bearer', `${label}: challenge`)
  t.notMatch(response.body, /stack|FAST_JWT|Error:/i, `${label}: no internals`)
}

t.test('every bad token is a 401 problem, never a 500', async (t) => {
  const { app, database } = await build(t)
  const user = await createUser(database, 'ngo_caseworker')
  const me = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/me', headers })

  await t.test('the good token works (the baseline every other case differs from)', async (t) => {
    const response = await me(user.headers)
    t.equal(response.statusCode, 200, response.body)
    t.equal(response.json().subject, user.subject)
  })

  const ecdsaSignature = (input: string) =>
    createSign('SHA256').update(input).sign({ key: testKeys.privateKeyPem, dsaEncoding: 'ieee-p1363' })

  const cases: [string, () => Record<string, string>][] = [
    ['missing Authorization header', () => ({})],
    ['empty Authorization header', () => ({ authorization: '' })],
    ['not a bearer scheme', () => ({ authorization: `Basic ${base64url('user:password')}` })],
    ['bearer without a token', () => ({ authorization: 'Bearer ' })],
    ['not three parts', () => bearer('abc.def')],
    ['garbage in three parts', () => bearer('abc.def.ghi')],
    ['header is not JSON', () => bearer(`${base64url('{nope')}.${base64url('{}')}.${base64url('sig')}`)],
    ['payload is not JSON', () => bearer(`${base64url('{"alg":"ES256","typ":"JWT"}')}.${base64url('[[[')}.${base64url('sig')}`)],
    ['characters outside base64url', () => ({ authorization: `Bearer ${signToken(user.subject)}!` })],
    [
      'oversized token (over 8 KB) that is otherwise valid',
      () => bearer(signToken(user.subject, { claims: { padding: 'x'.repeat(9_000) } })),
    ],
    ['alg none, no signature', () => bearer(handMadeToken({ alg: 'none', typ: 'JWT' }, claimsFor(user.subject), () => ''))],
    ['alg none with a signature part', () => bearer(handMadeToken({ alg: 'none', typ: 'JWT' }, claimsFor(user.subject), () => 'c2ln'))],
    ['alg "None" spelled differently', () => bearer(handMadeToken({ alg: 'None', typ: 'JWT' }, claimsFor(user.subject), () => ''))],
    [
      'HS256 signed with the public key PEM as the HMAC secret',
      () =>
        bearer(
          handMadeToken({ alg: 'HS256', typ: 'JWT' }, claimsFor(user.subject), (input) =>
            createHmac('sha256', testKeys.publicKeyPem).update(input).digest(),
          ),
        ),
    ],
    [
      'HS256 signed with the public key in DER as the secret',
      () =>
        bearer(
          handMadeToken({ alg: 'HS256', typ: 'JWT' }, claimsFor(user.subject), (input) =>
            createHmac('sha256', testKeys.publicKey.export({ type: 'spki', format: 'der' }))
              .update(input)
              .digest(),
          ),
        ),
    ],
    ['signed by a wrong key', () => bearer(signToken(user.subject, { keys: makeKeyPair('ES256') }))],
    [
      'signature of another token',
      () => {
        const [header, payload] = signToken(user.subject).split('.')
        const otherSignature = signToken(`${user.subject}-other`).split('.')[2]
        return bearer(`${header}.${payload}.${otherSignature}`)
      },
    ],
    [
      'payload changed after signing',
      () => {
        const [header, , signature] = signToken(user.subject).split('.')
        return bearer(`${header}.${base64url(JSON.stringify(claimsFor(user.subject, { role: 'system_admin' })))}.${signature}`)
      },
    ],
    [
      'expired (beyond the clock tolerance)',
      () => bearer(signToken(user.subject, { claims: { iat: nowSeconds() - 7_200, exp: nowSeconds() - 300 } })),
    ],
    ['not yet valid (nbf in the future)', () => bearer(signToken(user.subject, { claims: { nbf: nowSeconds() + 600 } }))],
    [
      'issued in the future (iat beyond the tolerance)',
      () =>
        bearer(
          handMadeToken(
            { alg: 'ES256', typ: 'JWT' },
            claimsFor(user.subject, { iat: nowSeconds() + 3_600, exp: nowSeconds() + 7_200 }),
            ecdsaSignature,
          ),
        ),
    ],
    ['wrong iss', () => bearer(signToken(user.subject, { claims: { iss: 'https://evil.example' } }))],
    ['missing iss', () => bearer(signToken(user.subject, { claims: { iss: undefined } }))],
    ['wrong aud', () => bearer(signToken(user.subject, { claims: { aud: 'another-api' } }))],
    ['missing aud', () => bearer(signToken(user.subject, { claims: { aud: undefined } }))],
    ['missing sub', () => bearer(signToken(undefined))],
    ['sub is not a string', () => bearer(signToken(undefined, { claims: { sub: 42 } }))],
    ['empty sub', () => bearer(signToken(''))],
    ['missing exp', () => bearer(signToken(user.subject, { claims: { exp: undefined } }))],
    [
      'exp is not a number',
      () => bearer(handMadeToken({ alg: 'ES256', typ: 'JWT' }, claimsFor(user.subject, { exp: 'tomorrow' }), ecdsaSignature)),
    ],
    [
      'exp far in the past, validly signed by hand',
      () => bearer(handMadeToken({ alg: 'ES256', typ: 'JWT' }, claimsFor(user.subject, { exp: 1 }), ecdsaSignature)),
    ],
    ['unknown subject (validly signed)', () => bearer(signToken('nobody-we-know'))],
    [
      'ES256 signature built by hand but for a wrong key id is still checked against the configured key',
      () =>
        bearer(
          handMadeToken({ alg: 'ES256', typ: 'JWT', kid: 'whatever', jku: 'http://127.0.0.1:1/keys' }, claimsFor(user.subject), (input) =>
            createSign('SHA256')
              .update(input)
              .sign({ key: makeKeyPair('ES256').privateKeyPem, dsaEncoding: 'ieee-p1363' }),
          ),
        ),
    ],
  ]
  for (const [label, headers] of cases) {
    await t.test(label, async (t) => assertUnauthorized(t, await me(headers()), label))
  }

  await t.test('a hand-made ES256 token with the right key passes (so the forgeries above fail for their flaw only)', async (t) => {
    const response = await me(bearer(handMadeToken({ alg: 'ES256', typ: 'JWT' }, claimsFor(user.subject), ecdsaSignature)))
    t.equal(response.statusCode, 200, response.body)
  })

  await t.test('the scheme name is case-insensitive', async (t) => {
    const token = user.headers.authorization.slice('Bearer '.length)
    t.equal((await me({ authorization: `bearer ${token}` })).statusCode, 200)
    t.equal((await me({ authorization: `BEARER ${token}` })).statusCode, 200)
  })

  await t.test('a token expired a few seconds ago is accepted within the small clock tolerance', async (t) => {
    const response = await me(bearer(signToken(user.subject, { claims: { exp: nowSeconds() - 5 } })))
    t.equal(response.statusCode, 200, response.body)
  })

  await t.test('a user set inactive is refused on the very next request, and back when reactivated', async (t) => {
    const admin = await createUser(database, 'system_admin')
    const victim = await createUser(database, 'attorney')
    t.equal((await me(victim.headers)).statusCode, 200)
    const deactivate = await app.inject({ method: 'PATCH', url: `/users/${victim.id}`, headers: admin.headers, payload: { active: false } })
    t.equal(deactivate.statusCode, 200, deactivate.body)
    t.equal(deactivate.json().active, false)
    assertUnauthorized(t, await me(victim.headers), 'inactive user')
    assertUnauthorized(t, await app.inject({ method: 'GET', url: '/cases', headers: victim.headers }), 'inactive user on another route')
    const reactivate = await app.inject({ method: 'PATCH', url: `/users/${victim.id}`, headers: admin.headers, payload: { active: true } })
    t.equal(reactivate.statusCode, 200, reactivate.body)
    t.equal((await me(victim.headers)).statusCode, 200)
  })

  await t.test('role and organisation come from the users table, never from token claims', async (t) => {
    const token = signToken(user.subject, { claims: { role: 'system_admin', organizationId: '00000000-0000-0000-0000-000000000000' } })
    const response = await me(bearer(token))
    t.equal(response.statusCode, 200, response.body)
    t.equal(response.json().role, 'ngo_caseworker')
    t.equal(response.json().organization.id, user.organizationId)
    t.equal((await app.inject({ method: 'GET', url: '/users', headers: bearer(token) })).statusCode, 403)
  })

  await t.test('public routes need no token, and ignore a bad one', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
    t.equal((await app.inject({ method: 'GET', url: '/health', headers: bearer('abc.def.ghi') })).statusCode, 200)
  })

  await t.test('a refusal is logged with its reason, and the token never is', async (t) => {
    const logs = (
      await Promise.all(
        (
          await readdir(LOG_DIRECTORY)
        )
          .filter((name) => name.startsWith(`${process.pid}-`))
          .map((name) => readFile(path.join(LOG_DIRECTORY, name), 'utf8')),
      )
    ).join('')
    for (const reason of [
      'missing',
      'malformed',
      'oversized',
      'unknown-user',
      'inactive-user',
      'issued-in-the-future',
      'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED',
      'FAST_JWT_INACTIVE',
      'FAST_JWT_INVALID_ALGORITHM',
    ]) {
      t.match(logs, `"reason":"${reason}"`, `reason ${reason} logged`)
    }
    const signature = user.headers.authorization.split('.')[2]!
    t.notMatch(logs, signature, 'no token in the logs')
    t.notMatch(logs, /Bearer /, 'no authorization header in the logs')
  })
})

t.test('RS256 works when configured, and the algorithm stays pinned', async (t) => {
  const rsa = makeKeyPair('RS256')
  const { app, database } = await build(t, {
    verificationKey: { kind: 'pem', pem: rsa.publicKeyPem },
    environment: { AUTH_ALGORITHMS: 'RS256' },
  })
  const user: TestUser = await createUser(database, 'protection_officer')
  const me = (token: string) => app.inject({ method: 'GET', url: '/me', headers: bearer(token) })

  const good = await me(signToken(user.subject, { keys: rsa, algorithm: 'RS256' }))
  t.equal(good.statusCode, 200, good.body)
  t.equal(good.json().role, 'protection_officer')

  assertUnauthorized(t, await me(signToken(user.subject, { keys: makeKeyPair('RS256'), algorithm: 'RS256' })), 'RS256 by another key')
  assertUnauthorized(t, await me(signToken(user.subject)), 'ES256 when only RS256 is pinned')
  assertUnauthorized(
    t,
    await me(
      handMadeToken({ alg: 'HS256', typ: 'JWT' }, claimsFor(user.subject), (input) =>
        createHmac('sha256', rsa.publicKeyPem).update(input).digest(),
      ),
    ),
    'HS256 with the RSA public key as secret',
  )
  assertUnauthorized(
    t,
    await me(
      handMadeToken({ alg: 'PS256', typ: 'JWT' }, claimsFor(user.subject), (input) =>
        createSign('SHA256').update(input).sign({ key: rsa.privateKeyPem, padding: 6 /* RSA_PKCS1_PSS_PADDING */ }),
      ),
    ),
    'PS256 with the right key but an unpinned algorithm',
  )
})
