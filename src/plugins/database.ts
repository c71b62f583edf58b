import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { DatabaseHandle } from '../db/connect.js'
import type { Database } from '../db/schema.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
    databaseKind: DatabaseHandle['kind']
    /** LISTEN for database notifications, where the database offers it. */
    listenToDatabase: DatabaseHandle['listen']
  }
}

/** Hangs the database on the app; whoever opened it (server or test) closes it. */
async function databasePlugin(app: FastifyInstance, options: { handle: DatabaseHandle }): Promise<void> {
  app.decorate('db', options.handle.db)
  app.decorate('databaseKind', options.handle.kind)
  app.decorate('listenToDatabase', options.handle.listen)
}

export const database = fp(databasePlugin, { name: 'database', fastify: '5.x' })
