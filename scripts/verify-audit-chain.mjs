#!/usr/bin/env node
// Reference verifier of the audit hash chain, for auditors: plain Node (>= 18), no dependency, no
// code of the service. It reads the chain as JSON lines, one link with its event per line, in
// sequence order, exported in any session (time zone and DateStyle do not matter) with:
//
//   psql "$DATABASE_URL" -XAt -c "SELECT row_to_json(x) FROM (SELECT c.seq, c.form, c.prev_hash, c.hash, e.*
//     FROM audit_chain c LEFT JOIN audit_events e ON e.id = c.event_id ORDER BY c.seq) x" > chain.jsonl
//   node scripts/verify-audit-chain.mjs < chain.jsonl
//
// It prints what GET /audit-events/verify answers: {"intact":true,"verifiedThrough":N,"headHash":H}
// or {"intact":false,"brokenAt":N,"reason":R}. The definition it checks is in README ("For auditors").
import { createHash } from 'node:crypto'
import { createInterface } from 'node:readline'

// A JSON timestamp as PostgreSQL prints it, in any time zone, to microseconds since 1970 in UTC.
function utcMicros(text) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?|Z)$/.exec(text)
  if (!m) throw new Error(`unexpected timestamp ${text}`)
  const local = BigInt(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0'))
  const offset = BigInt((+(m[9] ?? 0) * 3600 + +(m[10] ?? 0) * 60 + +(m[11] ?? 0)) * 1_000_000)
  return m[8] === '-' ? local + offset : local - offset
}
const utcSeconds = (micros) => new Date(Number(micros / 1_000_000n) * 1000).toISOString().slice(0, 19)
const fraction = (micros) => String(micros % 1_000_000n).padStart(6, '0')

const form2Values = (link) => {
  const t = utcMicros(link.occurred_at)
  return [
    link.seq,
    link.id,
    `${utcSeconds(t)}.${fraction(t)}Z`,
    link.request_id,
    link.actor_id,
    link.actor_role,
    link.actor_organization_id,
    link.action,
    link.case_ids,
    link.fields,
    link.outcome,
    link.reason,
    link.policy_version,
    link.target_organization_id,
  ]
}
const jsonArray = (values) => `[${values.map((value) => JSON.stringify(value ?? null)).join(', ')}]`

const form3Values = (link) => [...form2Values(link), link.changed_fields, link.target_user_id, link.event_count]

const forms = {
  // Form 4 (from the client-request-id migration on): form 3's values, then client_request_id.
  4: (link) => `${link.prev_hash}${jsonArray([...form3Values(link), link.client_request_id])}`,
  // Form 3 (from the admin-audit migration on): form 2's values, then changed_fields, target_user_id, event_count.
  3: (link) => `${link.prev_hash}${jsonArray(form3Values(link))}`,
  // Form 2: prev_hash, then the JSON array of these values joined by ", " (lists as compact JSON).
  2: (link) => `${link.prev_hash}${jsonArray(form2Values(link))}`,
  // Form 1 (links sealed before December 2026): canonical JSON of {event: non-NULL columns, prevHash, seq}.
  1: (link) => {
    const t = utcMicros(link.occurred_at)
    const event = { ...link, occurred_at: `${utcSeconds(t)}${t % 1_000_000n ? `.${fraction(t).replace(/0+$/, '')}` : ''}+00:00` }
    const columns = [
      'action',
      'actor_id',
      'actor_organization_id',
      'actor_role',
      'case_ids',
      'fields',
      'id',
      'occurred_at',
      'outcome',
      'policy_version',
      'reason',
      'request_id',
      'target_organization_id',
    ].filter((column) => event[column] != null)
    const body = columns.map((column) => `${JSON.stringify(column)}:${JSON.stringify(event[column])}`).join(',')
    return `{"event":{${body}},"prevHash":${JSON.stringify(link.prev_hash)},"seq":${link.seq}}`
  },
}

async function verify(links) {
  let expected = 1
  let prevHash = '0'.repeat(64)
  for await (const link of links) {
    const broken = (reason, at = link.seq) => ({ intact: false, brokenAt: at, reason })
    if (link.seq !== expected) return broken('missing-link', expected)
    if (link.prev_hash !== prevHash) return broken('previous-hash-mismatch')
    if (link.id == null) return broken('event-missing')
    const canonical = forms[link.form]
    if (!canonical || createHash('sha256').update(canonical(link), 'utf8').digest('hex') !== link.hash) return broken('hash-mismatch')
    prevHash = link.hash
    expected += 1
  }
  return { intact: true, verifiedThrough: expected - 1, headHash: expected > 1 ? prevHash : null }
}

async function* readLinks(input) {
  for await (const line of createInterface({ input, crlfDelay: Infinity })) if (line.trim()) yield JSON.parse(line)
}

const result = await verify(readLinks(process.stdin))
process.stdout.write(`${JSON.stringify(result)}\n`)
process.exit(result.intact ? 0 : 1)
