import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Listen } from '../../src/db/notifications.js'
import { build, createUser } from '../helpers/build.js'

/**
 * A listener whose notifications arrive `lagMs` late, in order, as they do on a loaded server; its
 * catch-up marker travels the same queue, so it comes back as late. Counts the catch-up rounds.
 */
function lagging(lagMs: number, rounds: { count: number }): (listen: Listen) => Listen {
  return (listen) => async (channel, onMessage, onLost) => {
    const listener = await listen(channel, (payload) => void sleep(lagMs).then(() => onMessage(payload)), onLost)
    return {
      stop: () => listener.stop(),
      caughtUp: async () => {
        rounds.count++
        const caughtUp = await listener.caughtUp()
        await sleep(lagMs)
        return caughtUp
      },
    }
  }
}

t.test('who a subject is follows the users table: a change made behind this instance counts from the next request', async (t) => {
  const { app, database } = await build(t)
  const caseworker = await createUser(database, 'ngo_caseworker')
  const me = () => app.inject({ method: 'GET', url: '/me', headers: caseworker.headers })
  t.equal((await me()).statusCode, 200, 'known and active')
  t.equal((await me()).json().displayName, 'Test ngo_caseworker', 'served again (now from the cache)')

  // Another instance, or an operator with SQL, renames and then deactivates the user.
  await database.db.updateTable('users').set({ display_name: 'Renamed elsewhere' }).where('id', '=', caseworker.id).execute()
  t.equal((await me()).json().displayName, 'Renamed elsewhere', 'a change made elsewhere is seen on the next request')
  await database.db.updateTable('users').set({ active: false }).where('id', '=', caseworker.id).execute()
  t.equal((await me()).statusCode, 401, 'a user deactivated elsewhere is refused on the next request')

  // An organisation changing (its kind decides what roles fit) clears everyone.
  await database.db.updateTable('users').set({ active: true }).where('id', '=', caseworker.id).execute()
  t.equal((await me()).statusCode, 200, 'reactivated')
  await database.db.updateTable('organizations').set({ name: 'Renamed organisation' }).where('id', '=', caseworker.organizationId).execute()
  t.equal((await me()).json().organization?.name, 'Renamed organisation', 'an organisation change is seen on the next request')
})

t.test('notifications that lag: the cache waits for its listener to catch up, one round for the requests that wait together', async (t) => {
  const rounds = { count: 0 }
  const { app, database } = await build(t, { wrapListen: lagging(300, rounds) })
  const caseworker = await createUser(database, 'ngo_caseworker')
  const me = () => app.inject({ method: 'GET', url: '/me', headers: caseworker.headers })
  t.equal((await me()).statusCode, 200, 'known and active (read from the row, then kept)')
  t.equal((await me()).statusCode, 200, 'served from the cache once caught up')

  await database.db.updateTable('users').set({ active: false }).where('id', '=', caseworker.id).execute()
  // The notification is still on its way: without the wait, the cache would answer 200.
  t.equal((await me()).statusCode, 401, 'refused on the very next request, though the notification lags')

  await database.db.updateTable('users').set({ active: true }).where('id', '=', caseworker.id).execute()
  t.equal((await me()).statusCode, 200, 'reactivated')
  rounds.count = 0
  const answers = await Promise.all(Array.from({ length: 20 }, () => me()))
  t.same(new Set(answers.map((answer) => answer.statusCode)), new Set([200]))
  t.ok(rounds.count <= 2, `20 requests at once wait on ${rounds.count} catch-up rounds, not 20`)
})
