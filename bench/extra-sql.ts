import type pg from 'pg'
import { tableExists } from './bench-database.js'
import { STAGES, org } from './case-sql.js'
import { chance, hash, pick } from './sql-values.js'

/**
 * Sub-resources of the generated cases, each loaded only when its table exists in this tree
 * (the schema grows while the bench is written). All read the plan and the cases just made.
 */
export interface ExtraGenerator {
  readonly name: string
  run(client: pg.Client, cases: number): Promise<void>
}

const BATCH = 100_000

async function inBatches(client: pg.Client, cases: number, statement: string): Promise<void> {
  for (let from = 1; from <= cases; from += BATCH) await client.query(statement, [from, Math.min(cases, from + BATCH - 1)])
}

/**
 * The current placement (as the case's custody columns say) and, for a fifth, an earlier one that ended.
 * A case opened in the last hour has no earlier placement: it would end before it started.
 */
const PLACEMENTS = `INSERT INTO placements (id, case_id, type, facility_name, facility_address, responsible_organization_id, legal_basis, started_at, ended_at, end_reason_code, end_notes, created_by, created_by_organization_id, created_at)
SELECT pg_temp.u('bench-placement-' || p.i || '-' || x.n), c.id, x.type,
  CASE x.type WHEN 'ngo_shelter' THEN 'Albergue Belén' WHEN 'dif_shelter' THEN 'Centro de Asistencia Social DIF' WHEN 'migration_station' THEN 'Estación Migratoria Siglo XXI' ELSE 'Hogar ' || ${hash('p.i', 70)} % 500 END,
  'Calle ' || (${hash('p.i', 71)} % 90 + 1) || ', Tapachula, Chiapas',
  c.responsible_organization_id, 'Art. 111 LGDNNA', x.started_at, x.ended_at, CASE WHEN x.ended_at IS NOT NULL THEN 'moved_to_other_care' END, x.end_reason,
  p.creator, ${org('p.lead_org')}, x.started_at
FROM bench_plan p
JOIN cases c ON c.id = p.id
CROSS JOIN LATERAL (VALUES
  (1, c.placement_type, c.placement_since, NULL::timestamptz, NULL::text),
  (0, CASE WHEN ${chance(20, 'p.i', 72)} THEN 'inm_temporary_custody' END, p.opened_at + interval '1 hour', c.placement_since, 'channelled to care')) AS x(n, type, started_at, ended_at, end_reason)
WHERE p.i BETWEEN $1 AND $2 AND x.type IS NOT NULL AND x.started_at IS NOT NULL AND (x.ended_at IS NULL OR x.ended_at > x.started_at)`

/** One forward move per stage reached. */
const TRANSITIONS = `INSERT INTO stage_transitions (id, case_id, from_stage, to_stage, reason, closure_reason, actor_id, actor_role, at)
SELECT pg_temp.u('bench-transition-' || p.i || '-' || s.rank), p.id,
  (ARRAY[${STAGES.map((stage) => `'${stage}'`).join(', ')}])[s.rank], (ARRAY[${STAGES.map((stage) => `'${stage}'`).join(', ')}])[s.rank + 1],
  'Requisitos de la etapa cumplidos', CASE WHEN s.rank = 6 THEN c.closure_reason END, p.creator, p.lead_role,
  p.opened_at + make_interval(days => s.rank * 10)
FROM bench_plan p
JOIN cases c ON c.id = p.id
CROSS JOIN LATERAL generate_series(1, p.stage_rank) AS s(rank)
WHERE p.i BETWEEN $1 AND $2`

/** A completed assessment from the best-interest stage on. */
const ASSESSMENTS = `INSERT INTO assessments (id, case_id, assessor_id, author_organization_id, findings, recommendation, status, completed_at, created_at, updated_at)
SELECT pg_temp.u('bench-assessment-' || p.i), p.id, p.creator, ${org('p.lead_org')},
  jsonb_build_object('familyTracing', 'Madre localizada en Huehuetenango; contacto establecido', 'wellbeing', 'Estable, asiste a clases en el albergue'),
  ${pick(['Reunificación familiar en el país de origen', 'Integración local con acogimiento familiar', 'Mantener la medida actual'], 'p.i', 73)},
  'completed', p.opened_at + interval '40 days', p.opened_at + interval '30 days', p.opened_at + interval '40 days'
FROM bench_plan p
WHERE p.i BETWEEN $1 AND $2 AND p.stage_rank >= 4`

/** A decided determination where the case shows one (bestInterests), a draft in the determination stage. */
const DETERMINATIONS = `INSERT INTO determinations (id, case_id, status, trigger, panel, child_views, factors, options_considered, rationale, outcome, decided_at, review_due_at, created_by, author_organization_id, created_at, updated_at)
SELECT pg_temp.u('bench-determination-' || p.i), p.id,
  CASE WHEN p.stage_rank >= 5 THEN 'decided' ELSE 'draft' END, 'initial',
  jsonb_build_array(jsonb_build_object('name', 'Lic. Patricia Gómez', 'role', 'chair', 'organizationId', pg_temp.u('bench-org-' || p.protection_org), 'confidentialityUndertaking', true),
                    jsonb_build_object('name', 'Psic. Andrés Ruiz', 'role', 'psychologist', 'organizationId', pg_temp.u('bench-org-' || p.lead_org), 'confidentialityUndertaking', true)),
  'Quiere estudiar y vivir con su tía en Chiapas mientras se resuelve su solicitud.',
  jsonb_build_object('safety', 'riesgo alto en comunidad de origen', 'familyTies', 'tía con residencia permanente'),
  '["family_reunification", "local_integration"]'::jsonb,
  CASE WHEN p.stage_rank >= 5 THEN 'El interés superior se satisface con la integración local con su tía, con seguimiento trimestral.' END,
  CASE WHEN p.stage_rank >= 5 THEN (c.best_interests ->> 'outcome') END,
  CASE WHEN p.stage_rank >= 5 THEN (c.best_interests ->> 'decidedAt')::timestamptz END,
  CASE WHEN p.stage_rank >= 5 THEN (c.best_interests ->> 'reviewDueAt')::date END,
  p.creator, ${org('p.lead_org')}, p.opened_at + interval '45 days', p.opened_at + interval '60 days'
FROM bench_plan p
JOIN cases c ON c.id = p.id
WHERE p.i BETWEEN $1 AND $2 AND p.stage_rank >= 4`

/** One or two case notes. */
const NOTES = `INSERT INTO case_notes (id, case_id, author_id, author_organization_id, body, category, created_at, updated_at)
SELECT pg_temp.u('bench-note-' || p.i || '-' || n), p.id, p.creator, ${org('p.lead_org')},
  ${pick(['Llamada con la madre; la niña pudo hablar 10 minutos y se mostró tranquila.', 'Acompañamiento a cita médica en el centro de salud.', 'Se explica a la niña el procedimiento ante COMAR con apoyo de intérprete.'], 'p.i', 74)},
  ${pick(['follow_up', 'family_contact', 'health', 'legal'], 'p.i', 75)},
  p.opened_at + make_interval(days => n * 7), p.opened_at + make_interval(days => n * 7)
FROM bench_plan p
CROSS JOIN LATERAL generate_series(1, 1 + ${hash('p.i', 76)} % 2) AS n
WHERE p.i BETWEEN $1 AND $2`

const CANDIDATES: readonly { table: string; statement: string }[] = [
  { table: 'placements', statement: PLACEMENTS },
  { table: 'stage_transitions', statement: TRANSITIONS },
  { table: 'assessments', statement: ASSESSMENTS },
  { table: 'determinations', statement: DETERMINATIONS },
  { table: 'case_notes', statement: NOTES },
]

export async function extraGenerators(client: pg.Client): Promise<ExtraGenerator[]> {
  const present: ExtraGenerator[] = []
  for (const candidate of CANDIDATES) {
    if (!(await tableExists(client, candidate.table))) continue
    present.push({ name: candidate.table, run: (c, cases) => inBatches(c, cases, candidate.statement) })
  }
  return present
}
