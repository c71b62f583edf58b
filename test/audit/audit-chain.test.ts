import fc from 'fast-check'
import t from 'tap'
import { GENESIS_HASH, canonicalLink, linkHash, withoutNulls } from '../../src/audit/audit-chain.js'
import { canonicalJson } from '../../src/shared/canonical-json.js'

// Events are rows: their keys are column names (and JSON keys inside a column), never "__proto__".
const key = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'), minLength: 1, maxLength: 24 })
const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(key, scalar, { maxKeys: 3 }))

t.test('the fast serialisation of a link is exactly the canonical JSON of { seq, prevHash, event }', async (t) => {
  fc.assert(
    fc.property(fc.nat(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), fc.dictionary(key, value, { maxKeys: 16 }), (seq, prevHash, event) => {
      return canonicalLink(seq, prevHash, event) === canonicalJson({ seq, prevHash, event: withoutNulls(event) })
    }),
    { numRuns: 2_000 },
  )
  t.pass('2,000 random events serialise alike')
})

t.test('a link hash changes with the sequence, the previous hash and any column', async (t) => {
  const event = { id: 7, action: 'case.read', case_ids: ['0190a0a0-0000-7000-8000-000000000001'], fields: ['identity.givenName'], outcome: 'allowed' }
  const hash = linkHash(3, GENESIS_HASH, event)
  t.match(hash, /^[0-9a-f]{64}$/)
  t.equal(linkHash(3, GENESIS_HASH, { ...event }), hash, 'deterministic')
  t.not(linkHash(4, GENESIS_HASH, event), hash)
  t.not(linkHash(3, 'f'.repeat(64), event), hash)
  t.not(linkHash(3, GENESIS_HASH, { ...event, fields: ['identity.familyName'] }), hash)
  t.not(linkHash(3, GENESIS_HASH, { ...event, outcome: 'denied' }), hash)
  t.equal(linkHash(3, GENESIS_HASH, { ...event, reason: null }), hash, 'a NULL column is the same as an absent one')
})
