import { type Kysely, sql } from 'kysely'

// Instances cache who a token's subject is; any change to a user or an organisation tells them to
// forget it at once (NOTIFY is delivered when the change commits).
const statements = [
  `CREATE FUNCTION notify_principal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_TABLE_NAME = 'users' THEN
       PERFORM pg_notify('atd_principals', OLD.subject);
     ELSE
       PERFORM pg_notify('atd_principals', '*');
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER users_principal_changed AFTER UPDATE OR DELETE ON users
     FOR EACH ROW EXECUTE FUNCTION notify_principal_changed()`,
  `CREATE TRIGGER organizations_principal_changed AFTER UPDATE OR DELETE ON organizations
     FOR EACH ROW EXECUTE FUNCTION notify_principal_changed()`,
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('DROP TRIGGER IF EXISTS organizations_principal_changed ON organizations').execute(db)
  await sql.raw('DROP TRIGGER IF EXISTS users_principal_changed ON users').execute(db)
  await sql.raw('DROP FUNCTION IF EXISTS notify_principal_changed()').execute(db)
}
