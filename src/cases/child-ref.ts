import { createHmac, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789' // no look-alikes (I/1, O/0, L, U)

/**
 * A stable pseudonym of the child: a keyed hash of the case id, so it reveals neither the id nor
 * anything about the child, and cannot be recomputed without the key.
 */
export function childRefFor(key: string, caseId: string): string {
  const digest = createHmac('sha256', key).update(caseId).digest()
  let text = ''
  for (let index = 0; index < 10; index++) text += ALPHABET[digest[index]! % ALPHABET.length]
  return `NNA-${text.slice(0, 5)}-${text.slice(5)}`
}

/** CHILD_REF_SECRET when configured, else a key the instance makes once and keeps in the database. */
export async function loadChildRefKey(db: Kysely<Database>, configured: string | undefined): Promise<string> {
  if (configured) return configured
  await db
    .insertInto('instance_secrets')
    .values({ name: 'child_ref_key', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
  const row = await db.selectFrom('instance_secrets').select('value').where('name', '=', 'child_ref_key').executeTakeFirstOrThrow()
  return row.value
}
