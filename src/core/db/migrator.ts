/** @module core/db/migrator: numbered, forward-only migrations run at start */
import { Migrator, type Kysely, type Migration } from 'kysely'

/** One service's migrations, keyed `0001-initial`, `0002-...`. */
export type MigrationSet = Readonly<Record<string, Migration>>

/** Applies every pending migration in order; throws with the failing migration's name. */
export async function migrateToLatest(
  db: Kysely<unknown>,
  migrations: MigrationSet,
): Promise<string[]> {
  for (const name of Object.keys(migrations)) {
    if (!/^\d{4}-[a-z0-9-]+$/.test(name))
      throw new Error(`migration name '${name}' is not NNNN-kebab-case`)
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableName: 'nimbus_migration',
    migrationLockTableName: 'nimbus_migration_lock',
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(
      `migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    )
  }
  return (results ?? []).map((r) => r.migrationName)
}
