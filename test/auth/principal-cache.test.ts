import t from 'tap'
import { build, createUser } from '../helpers/build.js'

/** Asks until the answer changes, or gives up after two seconds. */
async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 2_000
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return false
}

t.test('who a subject is follows the users table, even when it changes behind this instance', async (t) => {
  const { app, database } = await build(t)
  const caseworker = await createUser(database, 'ngo_caseworker')
  const me = () => app.inject({ method: 'GET', url: '/me', headers: caseworker.headers })
  t.equal((await me()).statusCode, 200, 'known and active')
  t.equal((await me()).json().displayName, 'Test ngo_caseworker', 'served again (now from the cache)')

  // Another instance, or an operator with SQL, renames and then deactivates the user.
  await database.db.updateTable('users').set({ display_name: 'Renamed elsewhere' }).where('id', '=', caseworker.id).execute()
  t.ok(await eventually(async () => (await me()).json().displayName === 'Renamed elsewhere'), 'a change made elsewhere is seen')
  await database.db.updateTable('users').set({ active: false }).where('id', '=', caseworker.id).execute()
  t.ok(await eventually(async () => (await me()).statusCode === 401), 'a user deactivated elsewhere is refused')

  // An organisation changing (its kind decides what roles fit) clears everyone.
  await database.db.updateTable('users').set({ active: true }).where('id', '=', caseworker.id).execute()
  t.ok(await eventually(async () => (await me()).statusCode === 200), 'reactivated')
  await database.db.updateTable('organizations').set({ name: 'Renamed organisation' }).where('id', '=', caseworker.organizationId).execute()
  t.ok(await eventually(async () => (await me()).json().organization?.name === 'Renamed organisation'), 'an organisation change is seen')
})
