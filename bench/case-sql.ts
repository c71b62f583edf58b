import { STAGES } from '../src/cases/case-sections.js'
import { DETERMINATION_OUTCOMES as OUTCOMES } from '../src/lifecycle/determination.schemas.js'
import { PLACEMENT_TYPES } from '../src/lifecycle/placement.schemas.js'
import { LARGE_PROTECTION_ORG, kindRange } from './population.js'
import { FAMILY, FEMALE, MALE } from './names.js'
import { chance, hash, isoDate, isoDateTime, past, pick, pickJson } from './sql-values.js'

/**
 * The generator's SQL for cases: `INSERT ... SELECT` over ranges of ordinals, so PostgreSQL makes
 * every row itself and a million cases take a handful of statements. A temporary plan table holds
 * what several tables share (id, lead organisation, stage); everything else is derived from a hash
 * of the ordinal, so the same size always yields the same data.
 */

// The generator speaks the service's own vocabulary.
export { STAGES, PLACEMENT_TYPES, OUTCOMES }

export const org = (indexExpression: string) => `pg_temp.u('bench-org-' || (${indexExpression}))`

const civil = kindRange('civil_society')
const protection = kindRange('child_protection_authority')
const migration = kindRange('migration_authority')
const legalAid = kindRange('legal_aid')

export const CREATE_PLAN = `CREATE TEMP TABLE bench_plan (
  i bigint PRIMARY KEY,
  id uuid NOT NULL,
  opened_at timestamptz NOT NULL,
  stage_rank int NOT NULL,
  lead_org int NOT NULL,
  lead_role text NOT NULL,
  protection_org int NOT NULL,
  legal_org int,
  ngo_org int,
  creator uuid NOT NULL
)`

/** $1..$2: ordinals. Lead organisations: 60% civil society, 30% child protection, 10% migration. */
export const INSERT_PLAN = `WITH base AS (
  SELECT g.i,
    now() - interval '10 minutes' - make_interval(secs => ${hash('g.i', 1)} % (4 * 365 * 86400)) AS opened_at,
    ${hash('g.i', 2)} % 10 AS lead_pick,
    ${hash('g.i', 3)} AS h3,
    ${hash('g.i', 4)} AS h4,
    ${hash('g.i', 7)} % 100 AS stage_pick
  FROM generate_series($1::bigint, $2::bigint) AS g(i)
), shaped AS (
  SELECT base.*,
    CASE WHEN lead_pick < 6 THEN ${civil.from} + h3 % ${civil.count}
         WHEN lead_pick < 9 THEN CASE WHEN h3 % 20 < 8 THEN ${LARGE_PROTECTION_ORG} ELSE ${protection.from} + h3 % ${protection.count} END
         ELSE ${migration.from} + h3 % ${migration.count} END AS lead_org,
    CASE WHEN lead_pick < 6 THEN 'ngo_caseworker' WHEN lead_pick < 9 THEN 'protection_officer' ELSE 'migration_officer' END AS lead_role,
    CASE WHEN stage_pick < 10 THEN 0 WHEN stage_pick < 35 THEN 1 WHEN stage_pick < 50 THEN 2 WHEN stage_pick < 65 THEN 3
         WHEN stage_pick < 75 THEN 4 WHEN stage_pick < 85 THEN 5 ELSE 6 END AS stage_rank
  FROM base
)
INSERT INTO bench_plan (i, id, opened_at, stage_rank, lead_org, lead_role, protection_org, legal_org, ngo_org, creator)
SELECT i,
  (lpad(to_hex((extract(epoch FROM opened_at) * 1000)::bigint), 12, '0') || '7' || substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15))::uuid,
  opened_at, stage_rank, lead_org, lead_role,
  CASE WHEN lead_role = 'protection_officer' THEN lead_org
       WHEN h4 % 10 < 4 THEN ${LARGE_PROTECTION_ORG} ELSE ${protection.from} + h4 % ${protection.count} END,
  CASE WHEN ${chance(30, 'i', 5)} THEN ${legalAid.from} + ${hash('i', 6)} % ${legalAid.count} END,
  CASE WHEN ${chance(15, 'i', 8)} THEN ${civil.from} + ${hash('i', 9)} % ${civil.count} END,
  pg_temp.u('bench-user|' || lead_role || '|' || lead_org || '|' || (${hash('i', 10)} % 4))
FROM shaped`

const NATIONALITIES = ['GT', 'GT', 'GT', 'GT', 'HN', 'HN', 'HN', 'SV', 'SV', 'NI', 'VE', 'HT', 'EC', 'CU', 'CO']
const CITIES = [
  'Tapachula, Chiapas',
  'Ciudad Hidalgo, Chiapas',
  'Tenosique, Tabasco',
  'Ciudad de México',
  'Tijuana, Baja California',
  'Ciudad Juárez, Chihuahua',
  'Monterrey, Nuevo León',
  'Oaxaca, Oaxaca',
]
const PLACEMENT_WEIGHTS = [
  ...Array(6).fill('dif_shelter'),
  ...Array(6).fill('ngo_shelter'),
  'dif_first_reception',
  'dif_first_reception',
  'foster_family',
  'foster_family',
  'kinship_care',
  'kinship_care',
  'supervised_independent_living',
  'inm_temporary_custody',
] as string[]

const caseNumberOf = `'ATD-' || extract(year FROM p.opened_at)::int || '-' || lpad(p.i::text, 7, '0')`

/** $1..$2: ordinals of the plan to turn into cases. */
export const INSERT_CASES = `INSERT INTO cases (id, case_number, child_ref, stage, status, risk_level, lead_organization_id, opened_at,
  closed_at, closure_reason, version, updated_at, created_by, date_of_birth, demographics, identity, contact, health, protection,
  custody, legal_status, legal, placement_type, placement_since, responsible_organization_id, in_detention, detention_days_closed, best_interests)
SELECT p.id,
  ${caseNumberOf},
  'NNA-' || upper(substr(md5('ref' || p.i), 1, 5)) || '-' || upper(lpad(to_hex(p.i), 6, '0')),
  (${`ARRAY[${STAGES.map((stage) => `'${stage}'`).join(', ')}]`})[p.stage_rank + 1],
  CASE WHEN p.stage_rank = 6 THEN 'closed' ELSE 'open' END,
  ${pick(['low', 'medium', 'medium', 'high', 'high', 'critical'], 'p.i', 11)},
  ${org('p.lead_org')},
  p.opened_at,
  CASE WHEN p.stage_rank = 6 THEN LEAST(now() - interval '5 minutes', p.opened_at + make_interval(days => 30 + ${hash('p.i', 12)} % 300)) END,
  CASE WHEN p.stage_rank = 6 THEN ${pick(['solution_achieved', 'solution_achieved', 'solution_achieved', 'turned_18', 'transferred', 'no_longer_needed'], 'p.i', 13)} END,
  1 + ${hash('p.i', 14)} % 6,
  LEAST(now() - interval '5 minutes', p.opened_at + make_interval(days => ${hash('p.i', 15)} % 60)),
  p.creator,
  d.dob,
  jsonb_build_object('sex', d.sex, 'nationality', d.nationality,
    'separationStatus', ${pick(['unaccompanied', 'unaccompanied', 'unaccompanied', 'separated', 'accompanied'], 'p.i', 18)}),
  jsonb_strip_nulls(jsonb_build_object(
    'givenName', CASE WHEN d.sex = 'female' THEN ${pick(FEMALE, 'p.i', 19)} ELSE ${pick(MALE, 'p.i', 19)} END
      || CASE WHEN ${chance(50, 'p.i', 60)} THEN ' ' || CASE WHEN d.sex = 'female' THEN ${pick(FEMALE, 'p.i', 61)} ELSE ${pick(MALE, 'p.i', 61)} END ELSE '' END,
    'familyName', ${pick(FAMILY, 'p.i', 20)} || ' ' || ${pick(FAMILY, 'p.i', 21)},
    'otherNames', CASE WHEN ${chance(10, 'p.i', 22)} THEN jsonb_build_array(${pick(FEMALE.concat(MALE), 'p.i', 23)}) END,
    'dateOfBirth', ${isoDate('d.dob')},
    'dateOfBirthEstimated', ${chance(20, 'p.i', 24)},
    'languages', ${pickJson([['es'], ['es'], ['es'], ['es', "k'iche'"], ['mam', 'es'], ['garífuna', 'es'], ["q'eqchi'"], ['ht', 'fr']], 'p.i', 25)},
    'indigenousIdentity', CASE WHEN ${chance(15, 'p.i', 26)} THEN ${pick(['Maya Mam', "Maya K'iche'", "Maya Q'eqchi'", 'Garífuna', 'Lenca'], 'p.i', 27)} END,
    'identityDocuments', CASE WHEN ${chance(40, 'p.i', 28)} THEN jsonb_build_array(jsonb_build_object('type', 'birth_certificate', 'number', lpad((${hash('p.i', 29)} % 100000000)::text, 8, '0'), 'issuingCountry', d.nationality)) END)),
  jsonb_build_object(
    'currentAddress', ${pick(['Albergue Belén', 'Casa del Migrante', 'Albergue temporal DIF', 'Hogar de acogida'], 'p.i', 30)} || ', ' || ${pick(CITIES, 'p.i', 31)},
    'phone', '+52 ' || lpad((${hash('p.i', 32)} % 10000000000)::text, 10, '0'),
    'family', jsonb_build_array(jsonb_build_object(
      'relationship', ${pick(['mother', 'father', 'aunt', 'uncle', 'grandmother', 'older sibling'], 'p.i', 33)},
      'name', ${pick(FEMALE.concat(MALE), 'p.i', 34)} || ' ' || ${pick(FAMILY, 'p.i', 20)},
      'phone', '+502 ' || lpad((${hash('p.i', 35)} % 100000000)::text, 8, '0'),
      'country', d.nationality,
      'tracingStatus', ${pick(['not_started', 'in_progress', 'located', 'contact_established', 'not_located'], 'p.i', 36)}))),
  jsonb_strip_nulls(jsonb_build_object(
    'conditions', ${pickJson([[], [], [], ['dehydration'], ['respiratory infection'], ['malnutrition'], ['skin infection', 'lice']], 'p.i', 37)},
    'disabilities', ${pickJson([[], [], [], [], [], [], [], [], [], ['hearing impairment']], 'p.i', 38)},
    'medications', ${pickJson([[], [], [], ['paracetamol'], ['amoxicillin']], 'p.i', 39)},
    'urgentMedicalNeed', ${chance(5, 'p.i', 40)},
    'notes', CASE WHEN ${chance(30, 'p.i', 41)} THEN 'Valoración médica inicial en el centro de salud; seguimiento en dos semanas.' END)),
  jsonb_strip_nulls(jsonb_build_object(
    'traffickingIndicators', ${pickJson([[], [], [], [], ['debt bondage'], ['document confiscation', 'recruited with false job offer']], 'p.i', 42)},
    'violenceExperienced', ${pickJson([[], [], ['gang threats'], ['domestic violence'], ['extortion', 'gang threats'], ['sexual violence']], 'p.i', 43)},
    'riskOnReturn', CASE WHEN ${chance(40, 'p.i', 44)} THEN 'Refiere amenazas de una pandilla en su comunidad de origen tras negarse a colaborar; teme por su vida si regresa.' END,
    'asylumNeedIdentified', ${chance(35, 'p.i', 45)},
    'notes', CASE WHEN ${chance(50, 'p.i', 46)} THEN 'Entrevista inicial con psicóloga del albergue. El niño muestra ansiedad y pide contacto con su madre; se acuerda llamada supervisada.' END)),
  jsonb_strip_nulls(jsonb_build_object(
    'procuraduriaNotifiedAt', CASE WHEN p.stage_rank >= 1 THEN ${isoDateTime(past("p.opened_at + interval '3 hours'"))} END,
    'channelledAt', CASE WHEN p.stage_rank >= 1 THEN ${isoDateTime(past("p.opened_at + interval '20 hours'"))} END)),
  jsonb_build_object(
    'migrationStatus', ${pick(['irregular', 'irregular', 'humanitarian_visitor', 'asylum_seeker', 'asylum_seeker', 'refugee', 'complementary_protection'], 'p.i', 47)},
    'asylumClaimStatus', ${pick(['not_applicable', 'not_applicable', 'intended', 'filed', 'interview_scheduled', 'recognized', 'denied', 'appealed'], 'p.i', 48)}),
  jsonb_strip_nulls(jsonb_build_object(
    'guardian', CASE WHEN p.stage_rank >= 2 THEN jsonb_build_object('type', 'procuraduria', 'organizationId', ${org('p.protection_org')},
      'representationType', ${pick(['originaria', 'coadyuvante', 'suplencia'], 'p.i', 49)}, 'appointedAt', ${isoDate(past("p.opened_at + interval '2 days'"))}) END,
    'representation', CASE WHEN p.stage_rank >= 3 THEN jsonb_build_object('attorneyName', 'Lic. ' || ${pick(FEMALE.concat(MALE), 'p.i', 50)} || ' ' || ${pick(FAMILY, 'p.i', 51)},
      'organizationId', ${org('coalesce(p.legal_org, p.protection_org)')}, 'since', ${isoDate(past("p.opened_at + interval '5 days'"))}) END,
    'notes', CASE WHEN ${chance(30, 'p.i', 52)} THEN 'Se solicita constancia de trámite ante COMAR.' END)),
  d.placement_type,
  CASE WHEN d.placement_type IS NOT NULL THEN ${past("p.opened_at + interval '20 hours'")} END,
  CASE WHEN d.placement_type = 'ngo_shelter' THEN ${org(`CASE WHEN p.lead_role = 'ngo_caseworker' THEN p.lead_org ELSE coalesce(p.ngo_org, ${civil.from}) END`)}
       WHEN d.placement_type IN ('migration_station', 'inm_temporary_custody') THEN ${org(String(migration.from))}
       WHEN d.placement_type IS NOT NULL THEN ${org('p.protection_org')} END,
  coalesce(d.placement_type = 'migration_station', false),
  CASE WHEN ${chance(3, 'p.i', 53)} THEN 1 + ${hash('p.i', 54)} % 5 ELSE 0 END,
  CASE WHEN p.stage_rank >= 5 THEN jsonb_build_object('determinationId', pg_temp.u('bench-determination-' || p.i),
    'outcome', ${pick([...OUTCOMES], 'p.i', 55)}, 'decidedAt', ${isoDateTime(past("p.opened_at + interval '60 days'"))},
    'reviewDueAt', ${isoDate("p.opened_at + interval '240 days'")}) END
FROM bench_plan p
CROSS JOIN LATERAL (SELECT
  (p.opened_at::date - (400 + ${hash('p.i', 16)} % (16 * 365)))::date AS dob,
  ${pick(['female', 'male'], 'p.i', 17)} AS sex,
  ${pick(NATIONALITIES, 'p.i', 56)} AS nationality,
  CASE WHEN p.stage_rank = 0 THEN CASE WHEN ${chance(30, 'p.i', 57)} THEN 'inm_temporary_custody' END
       WHEN p.stage_rank = 6 THEN NULL
       WHEN ${chance(1, 'p.i', 58)} THEN 'migration_station'
       ELSE ${pick(PLACEMENT_WEIGHTS, 'p.i', 59)} END AS placement_type) d
WHERE p.i BETWEEN $1 AND $2`

/** The lead, the Procuraduría (nearly always), and for some cases a legal-aid clinic and a second shelter. */
export const INSERT_PARTICIPANTS = `INSERT INTO case_participants (organization_id, case_id, basis, legal_basis_code, legal_basis_citation, granted_by, since)
SELECT ${org('o.org')}, p.id, o.basis, o.code, o.citation, p.creator, p.opened_at + o.after
FROM bench_plan p
CROSS JOIN LATERAL (VALUES
  (p.lead_org, 'lead', NULL::text, NULL::text, interval '0'),
  (p.protection_org, 'legal_basis', 'protection_measure', 'Art. 122 LGDNNA: representación en suplencia', interval '3 hours'),
  (p.legal_org, 'legal_basis', 'protection_measure', 'Art. 106 LGDNNA: representación jurídica', interval '5 days'),
  (p.ngo_org, 'legal_basis', 'protection_measure', 'Art. 122 LGDNNA: medida de protección', interval '20 hours')) AS o(org, basis, code, citation, after)
WHERE p.i BETWEEN $1 AND $2 AND o.org IS NOT NULL
ON CONFLICT DO NOTHING`

/** The fields set at creation, as the service records them: one row per field. */
export const INSERT_HISTORY = `INSERT INTO case_history (case_id, field, old_value, new_value, actor_id, changed_at, request_id)
SELECT c.id, f.field, NULL, f.value, p.creator, p.opened_at, 'bench-create-' || p.i
FROM bench_plan p
JOIN cases c ON c.id = p.id
CROSS JOIN LATERAL (VALUES
  ('case.riskLevel', to_jsonb(c.risk_level)),
  ('demographics.sex', c.demographics -> 'sex'),
  ('demographics.nationality', c.demographics -> 'nationality'),
  ('identity.givenName', c.identity -> 'givenName'),
  ('identity.familyName', c.identity -> 'familyName')) AS f(field, value)
WHERE p.i BETWEEN $1 AND $2`

export { caseNumberOf }

const clampedTime = (path: string) => isoDateTime(past(`(${path})::timestamptz`))

/**
 * Databases generated before the derived times were clamped to the past (see `past`) hold a few
 * times in the future on their newest cases; this brings them back to the past, and finds nothing
 * to change in a database generated since.
 */
export const REPAIR_FUTURE_TIMES = `UPDATE cases SET
  custody = custody
    || CASE WHEN (custody ->> 'procuraduriaNotifiedAt')::timestamptz > now()
         THEN jsonb_build_object('procuraduriaNotifiedAt', ${clampedTime("custody ->> 'procuraduriaNotifiedAt'")}) ELSE '{}'::jsonb END
    || CASE WHEN (custody ->> 'channelledAt')::timestamptz > now()
         THEN jsonb_build_object('channelledAt', ${clampedTime("custody ->> 'channelledAt'")}) ELSE '{}'::jsonb END,
  legal = CASE WHEN (legal -> 'guardian' ->> 'appointedAt')::date > current_date OR (legal -> 'representation' ->> 'since')::date > current_date
      THEN jsonb_set(jsonb_set(legal,
        '{guardian,appointedAt}', to_jsonb(least((legal -> 'guardian' ->> 'appointedAt')::date, current_date)::text)),
        '{representation,since}', to_jsonb(least((legal -> 'representation' ->> 'since')::date, current_date)::text)) ELSE legal END,
  best_interests = CASE WHEN (best_interests ->> 'decidedAt')::timestamptz > now()
      THEN jsonb_set(best_interests, '{decidedAt}', to_jsonb(${clampedTime("best_interests ->> 'decidedAt'")})) ELSE best_interests END,
  placement_since = ${past('placement_since')}
WHERE opened_at > now() - interval '61 days'
  AND ((custody ->> 'procuraduriaNotifiedAt')::timestamptz > now() OR (custody ->> 'channelledAt')::timestamptz > now()
    OR (legal -> 'guardian' ->> 'appointedAt')::date > current_date OR (legal -> 'representation' ->> 'since')::date > current_date
    OR (best_interests ->> 'decidedAt')::timestamptz > now()
    OR placement_since > now())`
