import { sql } from 'kysely'
import t from 'tap'
import { v7 as uuidv7 } from 'uuid'
import { migrations as landedMigrations } from '../../migrations/index.js'
import { migrateToLatest } from '../../src/db/migrate.js'
import { createEmptyDatabase } from '../helpers/database.js'

const NORMALIZE_NAMES = '2026-12-04-20-normalize-names'

t.test('names stored before names were normalised are normalised by the migration, and the change is on record', async (t) => {
  const { db } = await createEmptyDatabase(t)
  // A database in the field: every migration before this one ran, and names were stored as typed.
  const before = Object.fromEntries(Object.entries(landedMigrations).filter(([name]) => name < NORMALIZE_NAMES))
  await migrateToLatest(db, { migrations: before })

  const [org, twin, twinNormalised, accented] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()]
  await sql`INSERT INTO organizations (id, name, kind, created_at) VALUES
    (${org}, ${'  Casa   del\u00a0Migrante '}, 'civil_society', now() - interval '3 days'),
    (${twin}, ${'Alianza \t X'}, 'legal_aid', now() - interval '2 days'),
    (${twinNormalised}, ${'Alianza X'}, 'legal_aid', now() - interval '1 day'),
    (${accented}, ${'Jose\u0301 Org'}, 'civil_society', now())`.execute(db)
  const user = uuidv7()
  await sql`INSERT INTO users (id, subject, display_name, role, organization_id)
    VALUES (${user}, 'sub-1', ${' Ana\tMari\u0301a \u3000 '}, 'ngo_caseworker', ${org})`.execute(db)
  const [changedCase, tidyCase] = [uuidv7(), uuidv7()]
  const identity = {
    givenName: ' Jose\u0301   Luis ',
    familyName: 'Pe\u0301rez\u3000Gómez',
    otherNames: [' Pepe ', 'ok', 7],
    dateOfBirth: '2011-03-02',
  }
  const contact = { phone: '55  1234', family: [{ relationship: 'mother', name: '  Rosa \n Lo\u0301pez' }, { relationship: 'uncle' }] }
  const legal = {
    guardian: { type: 'parent', name: ' Marta  ', representationType: 'originaria', appointedAt: '2026-01-01' },
    representation: { attorneyName: 'Lic.\u2003Juan', organizationId: org, since: '2026-01-01' },
    notes: 'free  text  stays',
  }
  await sql`INSERT INTO cases (id, case_number, child_ref, risk_level, lead_organization_id, created_by, identity, contact, legal, section_versions)
    VALUES (${changedCase}, 'ATD-2026-900001', 'NNA-N-1', 'high', ${org}, ${user}, ${JSON.stringify(identity)}::jsonb,
      ${JSON.stringify(contact)}::jsonb, ${JSON.stringify(legal)}::jsonb, '{"case": 1, "identity": 3}'::jsonb),
    (${tidyCase}, 'ATD-2026-900002', 'NNA-N-2', 'low', ${org}, ${user}, '{"givenName": "Ana", "familyName": "Díaz"}'::jsonb,
      '{}'::jsonb, '{}'::jsonb, '{"case": 1}'::jsonb)`.execute(db)
  const determination = uuidv7()
  await sql`INSERT INTO determinations (id, case_id, status, trigger, panel, created_by, author_organization_id)
    VALUES (${determination}, ${changedCase}, 'draft', 'review',
      ${JSON.stringify([
        { name: ' Dra.  Ruiz ', role: 'chair  of panel' },
        { name: 'Ok Name', role: 'member' },
      ])}::jsonb, ${user}, ${org})`.execute(db)

  const { results } = await migrateToLatest(db)
  t.same(
    results?.map((result) => result.migrationName),
    Object.keys(landedMigrations).filter((name) => name >= NORMALIZE_NAMES),
    'the migration ran',
  )

  const { rows: cases } = await sql<{
    id: string
    identity: Record<string, unknown>
    contact: Record<string, unknown>
    legal: Record<string, unknown>
    section_versions: Record<string, number>
    version: number
    name_folded: string
  }>`SELECT id::text, identity, contact, legal, section_versions, version, name_folded FROM cases ORDER BY case_number`.execute(db)
  const [changed, tidy] = cases
  t.same(changed!.identity, { givenName: 'José Luis', familyName: 'Pérez Gómez', otherNames: ['Pepe', 'ok', 7], dateOfBirth: '2011-03-02' })
  t.same(changed!.contact, { phone: '55  1234', family: [{ relationship: 'mother', name: 'Rosa López' }, { relationship: 'uncle' }] })
  t.same(changed!.legal, {
    guardian: { type: 'parent', name: 'Marta', representationType: 'originaria', appointedAt: '2026-01-01' },
    representation: { attorneyName: 'Lic. Juan', organizationId: org, since: '2026-01-01' },
    notes: 'free  text  stays',
  })
  t.equal(changed!.name_folded, 'jose luis perez gomez pepe ok 7', 'the search column follows the names')
  t.match(changed!.section_versions, { case: 1, identity: 4, contact: 1, legal: 1 }, 'the changed sections get new versions')
  t.equal(changed!.version, 2)
  t.same(tidy!.identity, { givenName: 'Ana', familyName: 'Díaz' })
  t.same(tidy!.section_versions, { case: 1 }, 'a case with tidy names is not touched')
  t.equal(tidy!.version, 1)

  const { rows: determinations } = await sql<{
    panel: unknown
    version: number
  }>`SELECT panel, version FROM determinations WHERE id = ${determination}`.execute(db)
  t.same(determinations[0]!.panel, [
    { name: 'Dra. Ruiz', role: 'chair  of panel' },
    { name: 'Ok Name', role: 'member' },
  ])
  t.equal(determinations[0]!.version, 2)

  const { rows: users } = await sql<{ display_name: string }>`SELECT display_name FROM users WHERE id = ${user}`.execute(db)
  t.equal(users[0]!.display_name, 'Ana María')
  const { rows: organizations } = await sql<{ id: string; name: string }>`SELECT id::text, name FROM organizations`.execute(db)
  const nameOf = (id: string) => organizations.find((row) => row.id === id)!.name
  t.equal(nameOf(org), 'Casa del Migrante')
  t.equal(nameOf(accented), 'José Org')
  t.equal(nameOf(twinNormalised), 'Alianza X')
  t.equal(nameOf(twin), 'Alianza \t X', 'a name another organisation already has is left as it was: names are unique')

  const { rows: events } = await sql<{
    action: string
    actor_id: string | null
    case_ids: string[]
    fields: string[]
    changed_fields: string[]
    outcome: string
  }>`SELECT action, actor_id, case_ids::text[] AS case_ids, fields, changed_fields, outcome FROM audit_events`.execute(db)
  t.same(
    events,
    [
      {
        action: 'names.normalize',
        actor_id: null,
        case_ids: [changedCase],
        fields: [
          'bidDeliberation.panel',
          'contact.family',
          'identity.familyName',
          'identity.givenName',
          'identity.otherNames',
          'legal.guardian',
          'legal.representation',
          'organization.name',
          'user.displayName',
        ],
        changed_fields: [
          'bidDeliberation.panel',
          'contact.family',
          'identity.familyName',
          'identity.givenName',
          'identity.otherNames',
          'legal.guardian',
          'legal.representation',
          'organization.name',
          'user.displayName',
        ],
        outcome: 'allowed',
      },
    ],
    'one audit event for the migration: the cases and the fields it changed, never a value',
  )
  const { rows: helpers } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'migration\\_%'`.execute(db)
  t.equal(helpers[0]!.n, 0, 'the migration leaves no function behind')
})
