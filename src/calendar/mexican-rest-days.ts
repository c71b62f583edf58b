/**
 * The official rest days of the Federal Labour Law, art. 74 (Ley Federal del Trabajo), computed for a
 * year. Pure and dependency-free: the calendar migration imports it to seed `non_working_days`, and
 * the tests use it to check the seed. Days an authority declares non-working (Holy Thursday and Good
 * Friday, an election day, a closure) are not here: a system_admin adds them through the API.
 */
export interface RestDay {
  /** YYYY-MM-DD */
  readonly date: string
  readonly reason: string
}

const pad = (value: number) => String(value).padStart(2, '0')
const ymd = (year: number, month: number, day: number) => `${year}-${pad(month)}-${pad(day)}`

/** The day of the month of the nth Monday (1-based) of a month (1-12). */
export function nthMonday(year: number, month: number, nth: number): number {
  const weekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay() // 0 = Sunday
  const firstMonday = 1 + ((8 - weekday) % 7)
  return firstMonday + 7 * (nth - 1)
}

/** Art. 74 VII: 1 October of each sixth year, when a new President takes office (from 2024 on). */
export const isInaugurationYear = (year: number) => year >= 2024 && (year - 2024) % 6 === 0

export function lawRestDays(year: number): RestDay[] {
  const days: RestDay[] = [
    { date: ymd(year, 1, 1), reason: 'Año Nuevo (LFT art. 74 I)' },
    { date: ymd(year, 2, nthMonday(year, 2, 1)), reason: 'Día de la Constitución (LFT art. 74 II)' },
    { date: ymd(year, 3, nthMonday(year, 3, 3)), reason: 'Natalicio de Benito Juárez (LFT art. 74 III)' },
    { date: ymd(year, 5, 1), reason: 'Día del Trabajo (LFT art. 74 IV)' },
    { date: ymd(year, 9, 16), reason: 'Día de la Independencia (LFT art. 74 V)' },
    { date: ymd(year, 11, nthMonday(year, 11, 3)), reason: 'Día de la Revolución (LFT art. 74 VI)' },
    { date: ymd(year, 12, 25), reason: 'Navidad (LFT art. 74 VIII)' },
  ]
  if (isInaugurationYear(year)) days.push({ date: ymd(year, 10, 1), reason: 'Transmisión del Poder Ejecutivo Federal (LFT art. 74 VII)' })
  return days.sort((a, b) => a.date.localeCompare(b.date))
}

/** The years the calendar migration seeds. */
export const SEEDED_YEARS = { from: 2020, to: 2040 } as const

export function lawRestDaysBetween(from: number, to: number): RestDay[] {
  const days: RestDay[] = []
  for (let year = from; year <= to; year++) days.push(...lawRestDays(year))
  return days
}
