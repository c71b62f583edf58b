// README.md, "A child's case, end to end": this test takes the section's shell block out of the
// README and runs exactly it (bash, curl, jq) against the app listening on the demo data, with each
// `npm run -s token -- <subject>` answered by a token for that demo user. Every line the block prints
// must be the `#>` line written under its call (`…` stands for any text), so the README and the
// service cannot drift apart. Runs on PGlite and on PostgreSQL.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import t from 'tap'
import { loadDemoData } from '../../src/db/demo-data.js'
import { build } from '../helpers/build.js'
import { signToken } from '../helpers/tokens.js'

const HEADING = "### A child's case, end to end"
const TOKEN_COMMAND = /\$\(npm run -s token -- ([a-z-]+)\)/g

interface Story {
  readonly script: string
  /** The `#>` lines in order, with the README line each stands on. */
  readonly expected: readonly { readonly line: number; readonly text: string }[]
}

/** The one `sh` block of the README's section, and the output its `#>` lines promise. */
function readStory(readme: string): Story {
  const lines = readme.split('\n')
  const start = lines.indexOf(HEADING)
  if (start < 0) throw new Error(`README.md has no "${HEADING}" section`)
  // The section ends at the next heading of its level or above; a shell comment in a block is no heading.
  let fenced = false
  const sectionEnd = lines.findIndex((line, index) => {
    if (line.startsWith('```')) fenced = !fenced
    return index > start && !fenced && /^#{1,3} /.test(line)
  })
  const section = lines.slice(start, sectionEnd < 0 ? lines.length : sectionEnd)
  const opening = section.flatMap((line, index) => (line === '```sh' ? [index] : []))
  if (opening.length !== 1) throw new Error(`the section must hold exactly one sh block, found ${opening.length}`)
  const body = section.slice(opening[0]! + 1)
  const closing = body.indexOf('```')
  if (closing < 0) throw new Error('the sh block is not closed')
  const script = body.slice(0, closing)
  const firstLine = start + opening[0]! + 2
  const expected = script.flatMap((line, index) =>
    line.startsWith('#>') ? [{ line: firstLine + index, text: line.replace(/^#> ?/, '') }] : [],
  )
  return { script: script.join('\n'), expected }
}

/** `…` in a `#>` line stands for any text; everything else is literal. */
const linePattern = (text: string) =>
  new RegExp(
    `^${text
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  )

/**
 * `npm run -s token -- <subject>` answered from the environment: the README's token commands sign
 * with the local key of `npm start`, the test app trusts the test key.
 */
const TOKEN_SHIM = `npm() {
  if [ "$#" -ne 5 ] || [ "$1 $2 $3 $4" != "run -s token --" ]; then echo "not a token command: npm $*" >&2; return 2; fi
  local name="STORY_TOKEN_\${5//-/_}"
  printf '%s\\n' "\${!name:?no token for $5}"
}`

const run = promisify(execFile)

t.test('README "A child\'s case, end to end" runs as written against the demo data, from encounter to closure', async (t) => {
  const story = readStory(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'))

  // What the issue asks of the story, checked on the text so it cannot quietly shrink.
  const subjects = [...new Set([...story.script.matchAll(TOKEN_COMMAND)].map((match) => match[1]!))]
  t.same(
    subjects.sort(),
    ['demo-attorney', 'demo-auditor', 'demo-migration-officer', 'demo-ngo-caseworker-other', 'demo-protection-officer'],
    'the five roles of the story, demo users only, no admin',
  )
  t.equal(story.script.match(/npm /g)?.length, subjects.length, 'npm is used for nothing but the tokens')
  t.equal(story.script.match(/\$API\/cases\s/g)?.length, 1, 'one case is opened, and no other')
  t.ok(story.script.includes('"to": "closed", "closureReason": "solution_achieved"'), 'the story ends with the closure')
  t.ok(story.expected.length >= 30, `the story promises its output (${story.expected.length} lines)`)

  const { app, database } = await build(t)
  await loadDemoData(database.db)
  const casesBefore = new Set((await database.db.selectFrom('cases').select('id').execute()).map((row) => row.id))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo

  const tokens = Object.fromEntries(
    subjects.map((subject) => [`STORY_TOKEN_${subject.replaceAll('-', '_')}`, signToken(subject, { expiresInMs: 10 * 60_000 })]),
  )
  let stdout: string
  let stderr: string
  try {
    // Asynchronous: the app answers the script's calls on this same event loop.
    ;({ stdout, stderr } = await run('bash', ['-c', `set -euo pipefail\n${TOKEN_SHIM}\n${story.script}`], {
      env: { ...process.env, ...tokens, API: `127.0.0.1:${port}` },
      timeout: 5 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    }))
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    stdout = failed.stdout ?? ''
    stderr = failed.stderr ?? ''
    t.fail(`the script stopped (exit ${failed.code}): ${stderr}`)
  }
  t.equal(stderr, '', 'nothing on stderr')

  const printed = stdout.replace(/\n$/, '').split('\n')
  for (const [index, { line, text }] of story.expected.entries()) {
    t.match(printed[index] ?? '<nothing printed>', linePattern(text), `README.md:${line} #> ${text}`)
  }
  t.equal(printed.length, story.expected.length, 'every line printed is written in the README, and no more')

  // The service agrees, read behind the API: one new case, closed with its solution.
  const opened = (await database.db.selectFrom('cases').select(['id', 'stage', 'status', 'closure_reason']).execute()).filter(
    (row) => !casesBefore.has(row.id),
  )
  t.match(opened, [{ stage: 'closed', status: 'closed', closure_reason: 'solution_achieved' }], 'the story opened one case and closed it')
  t.equal(opened.length, 1)
})

t.test('the demo data holds work waiting for other children: a hand-over and a referral for legal representation', async (t) => {
  const { app, database } = await build(t)
  await loadDemoData(database.db)
  type Json = Record<string, any>
  const call = async (subject: string, url: string, method: 'GET' | 'POST' = 'GET') => {
    const response = await app.inject({ method, url, headers: { authorization: `Bearer ${signToken(subject)}` } })
    return { status: response.statusCode, body: JSON.parse(response.body) as Json }
  }

  const waiting = (await call('demo-protection-officer', '/transfers?direction=incoming&status=pending')).body.items as Json[]
  t.match(
    waiting,
    [{ kind: 'handover', status: 'pending', legalBasis: { code: 'migration_law_handover' } }],
    'a pending hand-over in the Procuraduría’s inbox',
  )
  t.equal(
    (await call('demo-protection-officer', `/cases/${waiting[0]!.caseId}`)).body.custody.inDetention,
    true,
    'the child waits at a migration station',
  )

  const referred = (await call('demo-attorney', '/referrals?direction=incoming&status=pending')).body.items as Json[]
  t.match(
    referred,
    [{ service: 'legal_representation', status: 'pending', sections: ['identity', 'legalStatus', 'legal'] }],
    'a pending referral in the clinic’s inbox',
  )
  t.notOk('identity' in referred[0]!, 'the stub carries no section of the case')
  t.equal((await call('demo-attorney', `/cases/${referred[0]!.caseId}`)).status, 404, 'the clinic does not reach the case before accepting')
  t.equal((await call('demo-attorney', `/referrals/${referred[0]!.id}/accept`, 'POST')).status, 200)
  const referredCase = (await call('demo-attorney', `/cases/${referred[0]!.caseId}`)).body
  t.ok(referredCase.identity && referredCase.legalStatus, 'after accepting, the clinic reads the referred sections')
  t.notOk('health' in referredCase || 'protection' in referredCase, 'and nothing it was not referred')
})
