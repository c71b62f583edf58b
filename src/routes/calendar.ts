import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { audited } from '../audit/audited.js'
import {
  newNonWorkingDaySchema,
  nonWorkingDayListSchema,
  nonWorkingDayParamsSchema,
  nonWorkingDayQuerySchema,
  nonWorkingDaySchema,
} from '../calendar/calendar.schemas.js'
import { declareNonWorkingDay, nonWorkingDaysOf, readNonWorkingDay, withdrawNonWorkingDay } from '../calendar/calendar.service.js'
import { problemResponses, problemSchema } from '../http/problem-schema.js'

/** The working-day calendar: the law's rest days and the days an authority declares non-working. */
export async function calendarRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.get(
    '/calendar/non-working-days',
    {
      config: { contract: { audit: null, changes: false, discloses: 'the working-day calendar: public dates, no case data' } },
      schema: {
        tags: ['calendar'],
        summary: 'The non-working days of a year, besides weekends',
        description:
          'The official rest days of the Federal Labour Law art. 74 (`source: law`) and the days an authority declared non-working (`source: declared`). ' +
          'Limits counted in working days (the asylum filing limit of `GET /tasks`) skip them and every Saturday and Sunday.',
        querystring: nonWorkingDayQuerySchema,
        response: { 200: nonWorkingDayListSchema, ...problemResponses },
      },
    },
    async (request) => nonWorkingDaysOf(app.db, request.query.year),
  )

  routes.post(
    '/calendar/non-working-days',
    {
      config: { contract: { audit: 'calendar.declare', changes: true } },
      schema: {
        tags: ['calendar'],
        summary: 'Declare a day non-working (system administrators)',
        description: 'Audited. A day that is already non-working is a 409 with `reason: already_non_working`.',
        body: newNonWorkingDaySchema,
        response: { 201: nonWorkingDaySchema, ...problemResponses, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const day = await audited(app, request, (trx, recordAudit) => {
        app.requireAbility(request, 'manage', 'Organization')
        return declareNonWorkingDay(trx, request.principal, request.body, recordAudit)
      })
      return reply.code(201).header('location', `/calendar/non-working-days/${day.date}`).send(day)
    },
  )

  routes.get(
    '/calendar/non-working-days/:date',
    {
      config: { contract: { audit: null, changes: false, discloses: 'the working-day calendar: public dates, no case data' } },
      schema: {
        tags: ['calendar'],
        summary: 'One non-working day (404 for a working day, and for a Saturday or Sunday that is not a rest day of its own)',
        params: nonWorkingDayParamsSchema,
        response: { 200: nonWorkingDaySchema, ...problemResponses },
      },
    },
    async (request) => readNonWorkingDay(app.db, request.params.date),
  )

  routes.delete(
    '/calendar/non-working-days/:date',
    {
      config: { contract: { audit: 'calendar.withdraw', changes: true } },
      schema: {
        tags: ['calendar'],
        summary: 'Withdraw a declared non-working day (system administrators)',
        description: 'Audited. A rest day of the law cannot be removed: 409 with `reason: rest_day_by_law`.',
        params: nonWorkingDayParamsSchema,
        response: { 204: z.null().describe('withdrawn'), ...problemResponses, 409: problemSchema },
      },
    },
    async (request, reply) => {
      await audited(app, request, (trx, recordAudit) => {
        app.requireAbility(request, 'manage', 'Organization')
        return withdrawNonWorkingDay(trx, request.params.date, recordAudit)
      })
      return reply.code(204).send(null)
    },
  )
}
