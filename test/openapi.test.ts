import { readFile } from 'node:fs/promises'
import t from 'tap'
import { parse } from 'yaml'
import { OPENAPI_FILE, renderOpenApi } from '../scripts/openapi.js'
import { build } from './helpers/build.js'

t.test('the committed openapi.yaml is what the code generates', async (t) => {
  const { app } = await build(t)
  const generated = await renderOpenApi(app)
  const committed = await readFile(OPENAPI_FILE, 'utf8')
  if (committed !== generated) {
    const committedLines = committed.split('\n')
    const generatedLines = generated.split('\n')
    const line = generatedLines.findIndex((text, index) => text !== committedLines[index])
    t.fail(
      `${OPENAPI_FILE} is out of date: run \`npm run openapi\` and commit it ` +
        `(first difference at line ${line + 1}: committed ${JSON.stringify(committedLines[line])}, generated ${JSON.stringify(generatedLines[line])})`,
    )
  } else {
    t.pass(`${OPENAPI_FILE} is up to date`)
  }

  const document = parse(generated)
  t.equal(document.openapi, '3.1.0')
  for (const path of ['/health', '/ready', '/me', '/organizations', '/users', '/users/{id}', '/cases', '/cases/{id}']) {
    t.ok(document.paths[path], `${path} is described`)
  }
  t.same(Object.keys(document.paths['/users/{id}']).sort(), ['get', 'patch'])
  for (const path of ['/cases/{id}/transfers', '/cases/{id}/transfers/{tid}', '/transfers', '/transfers/{tid}/accept', '/transfers/{tid}/decline', '/cases/{id}/participants/{organizationId}/end']) {
    t.ok(document.paths[path], `${path} is described`)
  }
  t.ok(document.paths['/ready'].get.responses['503'], '/ready documents its 503')
  t.same(document.paths['/health'].get.security, [], 'public routes need no token')
  t.same(document.security, [{ bearer: [] }], 'every other route needs a bearer token')
  t.notOk(Object.keys(document.paths).some((path) => path.startsWith('/docs')), 'the reference page is not part of the API')
})
