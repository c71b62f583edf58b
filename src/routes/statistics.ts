import type { FastifyInstance, FastifyRequest } from 'fastify'
import { answerLanguage } from '../plugins/language.js'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { audited } from '../audit/audited.js'
import { AppError } from '../http/problem.js'
import { problemResponses } from '../http/problem-schema.js'
import { StatisticsKeeper } from '../statistics/statistics-snapshots.js'
import { statisticsQuerySchema, statisticsSchema } from '../statistics/statistics.schemas.js'
import { MEDIAN_MIN_CASES, ROUNDING_BASE, SMALL_CELL, statisticsFor, statisticsMethod } from '../statistics/statistics.service.js'

/** Arbitrary windows could be differenced to isolate one child: they are refused by name. */
const WINDOW_PARAMETERS = ['from', 'to', 'openedFrom', 'openedTo', 'since', 'until']

async function refuseWindows(request: FastifyRequest): Promise<void> {
  const query = (request.query ?? {}) as Record<string, unknown>
  const windows = WINDOW_PARAMETERS.filter((name) => name in query)
  if (windows.length > 0) {
    throw new AppError(
      'bad-request',
      `Statistics are published per fixed calendar period only (period=2026, 2026-Q4, 2026-11 or 2026-W47); ${windows.join(', ')} cannot be used`,
      {
        errors: windows.map((name) => ({
          in: 'querystring',
          path: `/${name}`,
          message: 'arbitrary time windows are not published; use period',
        })),
      },
    )
  }
}

const DESCRIPTION = [
  'Auditors see every case; a protection officer the cases their organisation participates in.',
  '',
  '**Method (disclosure control).** Figures are published per fixed calendar period only (`period=2026`, `2026-Q4`, `2026-11` or the ISO week',
  '`2026-W47`, in UTC; without `period`, every case), never for an arbitrary time window, so that no two queries can be subtracted to',
  'isolate one child: `from`/`to` answer 400. A period selects the cases opened in it; the breakdowns count those still open.',
  `A count of 1 to ${SMALL_CELL - 1} reads \`"<${SMALL_CELL}"\`; 0 reads 0; every other count is rounded to the nearest multiple of ${ROUNDING_BASE}.`,
  `Totals are rounded the same way, on their own (a total is not the sum of its rounded cells). Total detention days are rounded to a multiple of ${ROUNDING_BASE}`,
  `and withheld (null, \`withheld: fewer_than_5_children\`) when 1 to ${SMALL_CELL - 1} children were ever detained.`,
  `A median is given only over at least ${MEDIAN_MIN_CASES} cases; otherwise it is null with \`withheld: fewer_than_10_cases\`.`,
  '',
  '**Freshness.** The figures of a period are counted once and kept: they may be up to `STATISTICS_MAX_AGE_SECONDS` old (60 s by default), plus the seconds a count takes: older figures still answer while the period is counted again in the background.',
].join('\n')

export async function statisticsRoutes(app: FastifyInstance, options: { maxAgeSeconds: number }): Promise<void> {
  const keeper = new StatisticsKeeper(app.db, options.maxAgeSeconds, app.log)
  app.addHook('onClose', () => keeper.idle())
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.get(
    '/statistics',
    {
      config: { contract: { audit: 'statistics.read', changes: false } },
      preValidation: refuseWindows,
      schema: {
        tags: ['statistics'],
        summary:
          'Open cases by stage, placement, nationality, age and separation; detention; protection timings, per calendar period, with small cells suppressed and counts rounded',
        description: DESCRIPTION,
        querystring: statisticsQuerySchema,
        response: { 200: statisticsSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      audited(app, request, async (_db, recordAudit) => {
        app.requireAbility(request, 'read', 'Statistics')
        const { role, organizationId } = request.principal
        // Everything the figures depend on: who counts (the scope is the role's in its organisation) and what is asked.
        const key = JSON.stringify([role, organizationId, request.query.period ?? null, request.query.organizationId ?? null])
        const statistics = await keeper.published(key, (db) => statisticsFor(db, request.ability, request.query))
        await recordAudit({ caseIds: [], fields: [] })
        // The figures are kept whatever the language; the method is said in the one asked for.
        return { ...statistics, method: statisticsMethod(answerLanguage(reply)) }
      }),
  )
}
