// npx tsx scripts/matrix.ts: writes policies/MATRIX.md, the policy as people read it, from the policy files.
import { writeFileSync } from 'node:fs'
import { MATRIX_DOCUMENT, renderMatrixDocument } from '../src/access/matrix-document.js'
import { loadPolicy } from '../src/access/policy.js'

writeFileSync(MATRIX_DOCUMENT, renderMatrixDocument(loadPolicy()))
process.stdout.write(`wrote ${MATRIX_DOCUMENT}\n`)
