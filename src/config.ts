import { z } from 'zod'
import { type Language, LANGUAGES } from './i18n/language.js'

const booleanString = z.enum(['true', 'false']).transform((value) => value === 'true')

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  AUTH_ISSUER: z.string().min(1).default('atd-local'),
  AUTH_AUDIENCE: z.string().min(1).default('atd-api'),
  AUTH_PUBLIC_KEY: z.string().min(1).optional(),
  AUTH_JWKS_URL: z.string().url().optional(),
  AUTH_ALGORITHMS: z
    .string()
    .default('ES256,RS256')
    .transform((value) => value.split(',').map((algorithm) => algorithm.trim()))
    .pipe(z.array(z.enum(['ES256', 'RS256'])).min(1)),
  BOOTSTRAP_ADMIN_SUBJECT: z.string().min(1).max(200).optional(),
  DEMO_DATA: booleanString.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(6000),
  AUDIT_SEAL_INTERVAL_MS: z.coerce.number().int().positive().default(1000),
  CHILD_REF_SECRET: z.string().min(16).optional(),
  REDIS_URL: z.string().url().optional(),
  AUTH_FAILURE_LIMIT: z.coerce.number().int().positive().default(30),
  AUTH_FAILURE_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
  DEFAULT_LANGUAGE: z.enum(LANGUAGES).default('es-MX'),
  STATISTICS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
})

export interface Config {
  readonly port: number
  readonly host: string
  readonly databaseUrl: string | undefined
  readonly dataDir: string
  readonly auth: {
    readonly issuer: string
    readonly audience: string
    readonly publicKeyPem: string | undefined
    readonly jwksUrl: string | undefined
    readonly algorithms: readonly ('ES256' | 'RS256')[]
  }
  readonly bootstrapAdminSubject: string | undefined
  /** undefined: decide by whether the embedded database is new */
  readonly demoData: boolean | undefined
  readonly logLevel: string
  readonly rateLimitPerMinute: number
  readonly auditSealIntervalMs: number
  readonly childRefSecret: string | undefined
  /** Shared counters of the rate limits (several instances); unset: each instance counts alone. */
  readonly redisUrl: string | undefined
  /** Refused authentications one address may cause per window before it gets 429 without verifying. */
  readonly authFailureLimit: number
  readonly authFailureWindowMs: number
  /** The language of problems and labels when the request names none it can have (es-MX or en). */
  readonly defaultLanguage: Language
  /** How old published statistics may be before they are counted again (0: counted on every request). */
  readonly statisticsMaxAgeSeconds: number
}

/** Parses the environment once; the frozen result is passed down, nothing else reads process.env. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new Error(`Invalid configuration: ${problems.join('; ')}`)
  }
  const env = parsed.data
  if (env.AUTH_PUBLIC_KEY && env.AUTH_JWKS_URL) {
    throw new Error('Invalid configuration: set AUTH_PUBLIC_KEY or AUTH_JWKS_URL, not both')
  }
  return Object.freeze({
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    auth: Object.freeze({
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
      publicKeyPem: env.AUTH_PUBLIC_KEY?.replace(/\\n/g, '\n'),
      jwksUrl: env.AUTH_JWKS_URL,
      algorithms: Object.freeze([...env.AUTH_ALGORITHMS]),
    }),
    bootstrapAdminSubject: env.BOOTSTRAP_ADMIN_SUBJECT,
    demoData: env.DEMO_DATA,
    logLevel: env.LOG_LEVEL,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    auditSealIntervalMs: env.AUDIT_SEAL_INTERVAL_MS,
    childRefSecret: env.CHILD_REF_SECRET,
    redisUrl: env.REDIS_URL,
    authFailureLimit: env.AUTH_FAILURE_LIMIT,
    authFailureWindowMs: env.AUTH_FAILURE_WINDOW_MS,
    defaultLanguage: env.DEFAULT_LANGUAGE,
    statisticsMaxAgeSeconds: env.STATISTICS_MAX_AGE_SECONDS,
  })
}
