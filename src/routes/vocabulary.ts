import type { FastifyInstance } from 'fastify'
import { answerLanguage } from '../plugins/language.js'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { vocabulary } from '../i18n/catalogue.js'
import { LANGUAGES } from '../i18n/language.js'

const vocabularyQuerySchema = z.strictObject({
  lang: z.string().max(35).optional().describe('es-MX or en (any es-* or en-* tag); wins over Accept-Language'),
})

const vocabularySchema = z
  .object({
    lang: z.enum(LANGUAGES).describe('The language of the labels'),
    lists: z
      .record(
        z.string(),
        z.array(
          z.object({
            code: z.string().describe('The stable code the API reads and writes'),
            label: z.string().describe('What people read'),
          }),
        ),
      )
      .describe('Every code list of the API by name (roles, stages, placementTypes, legalBasisCodes, problemTypes…)'),
  })
  .meta({
    id: 'Vocabulary',
    example: {
      lang: 'es-MX',
      lists: {
        riskLevels: [
          { code: 'low', label: 'Bajo' },
          { code: 'high', label: 'Alto' },
        ],
      },
    },
  })

/** Every code list with labels in Spanish (es-MX) or English; public, it discloses no case data. */
export async function vocabularyRoutes(app: FastifyInstance): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>()
  routes.get(
    '/vocabulary',
    {
      config: { public: true },
      schema: {
        tags: ['service'],
        summary: 'Every code list with its labels',
        description:
          'The codes the API reads and writes (stages, placement types, roles, legal-basis codes, problem types…) with labels in ' +
          'Spanish (es-MX) or English, chosen by `?lang=`, then `Accept-Language`, then the deployment default.',
        security: [],
        querystring: vocabularyQuerySchema,
        response: { 200: vocabularySchema },
      },
    },
    async (_request, reply) => {
      const lang = answerLanguage(reply)
      reply.header('cache-control', 'public, max-age=3600')
      return { lang, lists: vocabulary(lang) }
    },
  )
}
