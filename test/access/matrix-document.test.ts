import { readFileSync } from 'node:fs'
import t from 'tap'
import { MATRIX_DOCUMENT, renderMatrixDocument } from '../../src/access/matrix-document.js'
import { loadPolicy } from '../../src/access/policy.js'

t.test(`${MATRIX_DOCUMENT} is what the policy files say now`, async (t) => {
  const committed = readFileSync(MATRIX_DOCUMENT, 'utf8')
  const current = renderMatrixDocument(loadPolicy())
  t.ok(committed === current, `${MATRIX_DOCUMENT} is stale: run \`npx tsx scripts/matrix.ts\` and commit the result`)
})

t.test('the document speaks in words', async (t) => {
  const document = renderMatrixDocument(loadPolicy())
  t.match(document, /\| `protection` \| create \| read, create, update \|/)
  t.match(document, /\| `oversight_auditor` \| every case \|/)
  t.match(document, /\| `system_admin` \| no case \|/)
  t.match(document, /only from `identification` to `custody`/)
})
