import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { pino } from 'pino'
import type { Test } from 'tap'
import { v7 as uuidv7 } from 'uuid'
import { app, fastifyOptions } from '../../src/app.js'
import type { OrganizationKind, Role } from '../../src/auth/principal.js'
import { ROLE_ORGANIZATION_KINDS } from '../../src/auth/principal.js'
import type { VerificationKey } from '../../src/auth/verification-key.js'
import { type Config, loadConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logger.js'
import { loadPolicy } from '../../src/access/policy.js'
import type { Database } from '../../src/db/schema.js'
import type { Listen } from '../../src/db/notifications.js'
import { type ApiClient, apiClient } from './api-client.js'
import { createTestDatabase, type TestDatabase } from './database.js'
import { bearer, signToken, TEST_AUDIENCE, TEST_ISSUER, testKeys } from './tokens.js'

export const LOG_DIRECTORY = path.resolve('.tap', 'logs')
let appCount = 0

export interface BuildOptions {
  readonly verificationKey?: VerificationKey
  readonly environment?: Record<string, string>
  /** The app's own handle on the database, wrapped (a plugin that counts its statements, say); the test's stays plain. */
  readonly wrapDatabase?: (db: Kysely<Database>) => Kysely<Database>
  /** The app's database notifications, wrapped (a listener that lags, say). */
  readonly wrapListen?: (listen: Listen) => Listen
}

export interface TestApp {
  readonly app: FastifyInstance
  readonly database: TestDatabase
  readonly config: Config
  /** Where this app's logs go (pino's JSON lines). */
  readonly logFile: string
  /**
   * The typed client generated from openapi.yaml, calling this app as the given user (or anonymously):
   * a route or shape that drifts from the document fails the type check.
   */
  readonly api: (as?: { readonly headers: Record<string, string> }, headers?: Record<string, string>) => ApiClient
}

/**
 * The real application on a clean database of its own, trusting the test key pair. Its logs go to
 * a file under .tap/logs, which the privacy scan reads after the whole suite.
 */
export async function build(t: Test, options: BuildOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase(t)
  const config = loadConfig({
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    LOG_LEVEL: 'debug',
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_FAILURE_LIMIT: '100000',
    AUDIT_SEAL_INTERVAL_MS: '100',
    // Tests read English unless they ask (Accept-Language, or DEFAULT_LANGUAGE here); the product default is es-MX.
    DEFAULT_LANGUAGE: 'en',
    // Statistics counted on every request, so a test sees the case it just wrote (statistics-snapshots.test.ts keeps them).
    STATISTICS_MAX_AGE_SECONDS: '0',
    ...options.environment,
  })
  mkdirSync(LOG_DIRECTORY, { recursive: true })
  const logFile = path.join(LOG_DIRECTORY, `${process.pid}-${++appCount}.log`)
  const logger = pino(loggerOptions('debug'), pino.destination({ dest: logFile, sync: true }))
  const fastify = Fastify({ ...fastifyOptions(), loggerInstance: logger as FastifyBaseLogger })
  await fastify.register(app, {
    config,
    database: {
      ...database,
      db: options.wrapDatabase ? options.wrapDatabase(database.db) : database.db,
      listen: options.wrapListen && database.listen ? options.wrapListen(database.listen) : database.listen,
    },
    verificationKey: options.verificationKey ?? { kind: 'pem', pem: testKeys.publicKeyPem },
    policy: loadPolicy(),
  })
  await fastify.ready()
  t.teardown(() => fastify.close())
  const api = (as?: { readonly headers: Record<string, string> }, headers: Record<string, string> = {}) =>
    apiClient(fastify, { ...as?.headers, ...headers })
  return { app: fastify, database, config, logFile, api }
}

export interface TestUser {
  readonly id: string
  readonly subject: string
  readonly role: Role
  readonly organizationId: string
  /** Authorization header with a freshly signed token for this user. */
  readonly headers: { authorization: string }
}

/** Makes an organisation of the given kind, straight in the database. */
export async function createOrganization(database: TestDatabase, kind: OrganizationKind, name = `${kind} ${uuidv7()}`): Promise<string> {
  const id = uuidv7()
  await database.db.insertInto('organizations').values({ id, name, kind }).execute()
  return id
}

/** Makes a user with this role (in a new organisation of a fitting kind unless one is given). */
export async function createUser(database: TestDatabase, role: Role, organizationId?: string): Promise<TestUser> {
  const orgId = organizationId ?? (await createOrganization(database, ROLE_ORGANIZATION_KINDS[role][0]!))
  const id = uuidv7()
  const subject = `${role}-${id}`
  await database.db
    .insertInto('users')
    .values({ id, subject, display_name: `Test ${role}`, role, organization_id: orgId })
    .execute()
  return { id, subject, role, organizationId: orgId, headers: bearer(signToken(subject)) }
}

/**
 * Makes an organisation a participant of a case on a legal basis (a protection measure), straight
 * in the database: the quickest way to put a case in an organisation's scope.
 */
export async function grantParticipation(db: Kysely<Database>, organizationId: string, caseId: string, grantedBy: string): Promise<void> {
  await db
    .insertInto('case_participants')
    .values({
      organization_id: organizationId,
      case_id: caseId,
      basis: 'legal_basis',
      legal_basis_code: 'protection_measure',
      granted_by: grantedBy,
      legal_basis_citation: 'test',
    })
    .execute()
}

/** The usual cast around one case: a lead caseworker, a user of every other role, and an outsider. */
export async function createCast(database: TestDatabase) {
  const ngo = await createUser(database, 'ngo_caseworker')
  const attorney = await createUser(database, 'attorney', await createOrganization(database, 'legal_aid'))
  const migration = await createUser(database, 'migration_officer', await createOrganization(database, 'migration_authority'))
  const auditor = await createUser(database, 'oversight_auditor')
  const admin = await createUser(database, 'system_admin')
  const outsider = await createUser(database, 'ngo_caseworker')
  return { ngo, attorney, migration, auditor, admin, outsider }
}
