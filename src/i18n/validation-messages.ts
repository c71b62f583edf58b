import { z } from 'zod'
import type { Language } from './language.js'

/**
 * The message of one failed check of a request (`errors[].message` of a validation problem) in the
 * language asked for, when it is one of zod's own: from zod's locales (es for es-MX: "Entrada
 * inválida: se esperaba string"). A message written in our schemas is left as it is, for
 * localizeProblem to look up in the catalogues like every problem's `errors`. Like zod's English
 * ones, zod's Spanish messages name what was expected, never the value that was sent.
 */
type Issue = Parameters<ReturnType<typeof z.locales.en>['localeError']>[0]

const LOCALES: Record<Language, ReturnType<typeof z.locales.en>> = { en: z.locales.en(), 'es-MX': z.locales.es() }

export function validationMessage(issue: { code: string; message: string; params?: Record<string, unknown> }, language: Language): string {
  if (language === 'en') return issue.message
  const asZod = { ...issue.params, code: issue.code } as unknown as Issue
  const zodsOwn = messageOf(LOCALES.en, asZod)
  if (zodsOwn !== undefined && zodsOwn === issue.message) return messageOf(LOCALES[language], asZod) ?? issue.message
  return issue.message
}

function messageOf(locale: ReturnType<typeof z.locales.en>, issue: Issue): string | undefined {
  const message = locale.localeError(issue)
  return typeof message === 'string' ? message : message?.message
}
