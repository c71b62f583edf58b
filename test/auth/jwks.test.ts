import { createSign } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { build, createUser } from '../helpers/build.js'
import { bearer, makeKeyPair, signToken, TEST_AUDIENCE, TEST_ISSUER, type TestKeyPair } from '../helpers/tokens.js'

interface KeyServer {
  readonly url: string
  /** Requests the key server received, whatever their path. */
  readonly requests: () => number
  /** Replaces the published key set (a key rotation at the identity provider). */
  publish(keys: readonly { kid: string; alg: 'ES256' | 'RS256'; pair: TestKeyPair }[]): void
}

/** A real JWKS endpoint on 127.0.0.1, port 0. `silent` accepts connections and never answers. */
async function serveKeys(t: Test, options: { silent?: boolean } = {}): Promise<KeyServer> {
  let count = 0
  let body = JSON.stringify({ keys: [] })
  const sockets = new Set<Socket>()
  const server: Server = createServer((_request, response) => {
    count++
    if (options.silent) return
    response.writeHead(200, { 'content-type': 'application/json' }).end(body)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => count,
    publish(keys) {
      body = JSON.stringify({
        keys: keys.map(({ kid, alg, pair }) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' })),
      })
    },
  }
}

function assertUnauthorized(t: Test, response: LightMyRequestResponse, label: string): void {
  t.equal(response.statusCode, 401, `${label}: ${response.body}`)
  t.match(response.headers['content-type'], /^application\/problem\+json/, `${label}: problem document`)
  t.equal(response.json().type, 'urn:atd:problem:unauthorized', `${label}: stable type`)
}

t.test('tokens verified against a JWKS endpoint', async (t) => {
  const ecKey = makeKeyPair('ES256')
  const rsaKey = makeKeyPair('RS256')
  const keyServer = await serveKeys(t)
  keyServer.publish([
    { kid: 'ec-1', alg: 'ES256', pair: ecKey },
    { kid: 'rsa-1', alg: 'RS256', pair: rsaKey },
  ])
  const { app, database } = await build(t, { verificationKey: { kind: 'jwks', url: keyServer.url } })
  const user = await createUser(database, 'ngo_caseworker')
  const me = (token: string) => app.inject({ method: 'GET', url: '/me', headers: bearer(token) })

  await t.test('a token signed by a published key, named by its kid, works (ES256 and RS256)', async (t) => {
    const es = await me(signToken(user.subject, { keys: ecKey, kid: 'ec-1' }))
    t.equal(es.statusCode, 200, es.body)
    t.equal(es.json().subject, user.subject)
    const rs = await me(signToken(user.subject, { keys: rsaKey, algorithm: 'RS256', kid: 'rsa-1' }))
    t.equal(rs.statusCode, 200, rs.body)
    t.equal(keyServer.requests(), 1, 'the key set was fetched once and cached')
  })

  await t.test('a kid is bound to its own key and algorithm', async (t) => {
    assertUnauthorized(t, await me(signToken(user.subject, { keys: ecKey, kid: 'rsa-1' })), 'ES256 token naming the RSA kid')
    assertUnauthorized(t, await me(signToken(user.subject, { keys: makeKeyPair('ES256'), kid: 'ec-1' })), 'published kid, foreign key')
    assertUnauthorized(t, await me(signToken(user.subject, { keys: ecKey })), 'no kid at all')
  })

  await t.test('unknown kids do not make the service fetch the key set again and again', async (t) => {
    const before = keyServer.requests()
    for (let index = 0; index < 25; index++) {
      assertUnauthorized(
        t,
        await me(signToken(user.subject, { keys: makeKeyPair('ES256'), kid: `attacker-${index}` })),
        `unknown kid ${index}`,
      )
    }
    const burst = await Promise.all(
      Array.from({ length: 25 }, (_, index) => me(signToken(user.subject, { keys: ecKey, kid: `parallel-${index}` }))),
    )
    t.same(new Set(burst.map((response) => response.statusCode)), new Set([401]))
    t.ok(keyServer.requests() - before <= 1, `at most one refresh for 50 unknown kids (saw ${keyServer.requests() - before})`)
    const still = await me(signToken(user.subject, { keys: ecKey, kid: 'ec-1' }))
    t.equal(still.statusCode, 200, 'known keys keep working meanwhile')
  })

  await t.test('the key set address comes from configuration, never from the token', async (t) => {
    const attackerServer = await serveKeys(t)
    const attackerKey = makeKeyPair('ES256')
    attackerServer.publish([{ kid: 'evil', alg: 'ES256', pair: attackerKey }])
    // The header names the attacker's key set (jku, x5u) and carries the key itself (jwk).
    const header = {
      alg: 'ES256',
      typ: 'JWT',
      kid: 'evil',
      jku: attackerServer.url,
      x5u: attackerServer.url,
      jwk: attackerKey.publicKey.export({ format: 'jwk' }),
    }
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: user.subject, iat: now, exp: now + 600 }
    const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    const signature = createSign('SHA256')
      .update(input)
      .sign({ key: attackerKey.privateKeyPem, dsaEncoding: 'ieee-p1363' })
      .toString('base64url')
    assertUnauthorized(t, await me(`${input}.${signature}`), 'token pointing at its own key set')
    t.equal(attackerServer.requests(), 0)
  })
})

t.test('a rotated key is picked up once the refresh interval has passed', async (t) => {
  const oldKey = makeKeyPair('ES256')
  const newKey = makeKeyPair('ES256')
  const keyServer = await serveKeys(t)
  keyServer.publish([{ kid: 'old', alg: 'ES256', pair: oldKey }])
  const { app, database } = await build(t, {
    verificationKey: { kind: 'jwks', url: keyServer.url, keyStore: { minRefreshIntervalMs: 300 } },
  })
  const user = await createUser(database, 'attorney')
  const me = (token: string) => app.inject({ method: 'GET', url: '/me', headers: bearer(token) })
  t.equal((await me(signToken(user.subject, { keys: oldKey, kid: 'old' }))).statusCode, 200)
  keyServer.publish([{ kid: 'new', alg: 'ES256', pair: newKey }])
  await new Promise((resolve) => setTimeout(resolve, 350))
  const rotated = await me(signToken(user.subject, { keys: newKey, kid: 'new' }))
  t.equal(rotated.statusCode, 200, rotated.body)
  t.equal(keyServer.requests(), 2)
})

t.test('a key server that never answers does not hang requests', async (t) => {
  const keyServer = await serveKeys(t, { silent: true })
  const { app, database } = await build(t, { verificationKey: { kind: 'jwks', url: keyServer.url } })
  const user = await createUser(database, 'ngo_caseworker')
  const key = makeKeyPair('ES256')
  const me = () => app.inject({ method: 'GET', url: '/me', headers: bearer(signToken(user.subject, { keys: key, kid: 'k1' })) })

  let started = performance.now()
  const [first, second] = await Promise.all([me(), me()])
  const firstMs = performance.now() - started
  assertUnauthorized(t, first!, 'first request while the key server hangs')
  assertUnauthorized(t, second!, 'concurrent request while the key server hangs')
  t.ok(firstMs < 3_000, `answered in ${Math.round(firstMs)} ms`)
  t.equal(keyServer.requests(), 1, 'concurrent requests share one fetch')

  started = performance.now()
  assertUnauthorized(t, await me(), 'next request')
  t.ok(performance.now() - started < 500, 'the next request does not wait on the key server again')
  t.equal(keyServer.requests(), 1)
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
})
