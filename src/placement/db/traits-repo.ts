/** @module placement/db/traits-repo: traits, and the traits and aggregates of providers */
import type { Db } from './placement-repo.js'

export async function listTraits(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('trait').select('name').orderBy('name').execute()
  return rows.map((r) => r.name)
}

export async function traitExists(db: Db, name: string): Promise<boolean> {
  const row = await db
    .selectFrom('trait')
    .select('name')
    .where('name', '=', name)
    .executeTakeFirst()
  return row !== undefined
}

/** Adds the traits that are missing; returns whether `names[0]` was new. */
export async function insertTraits(db: Db, names: readonly string[], at: string): Promise<boolean> {
  const known = new Set(await listTraits(db))
  const missing = [...new Set(names)].filter((n) => !known.has(n))
  if (missing.length > 0) {
    await db
      .insertInto('trait')
      .values(missing.map((name) => ({ name, created_at: at })))
      .execute()
  }
  return names[0] !== undefined && !known.has(names[0])
}

export async function deleteTrait(db: Db, name: string): Promise<void> {
  await db.deleteFrom('trait').where('name', '=', name).execute()
}

/** Traits held by any provider. */
export async function traitsInUse(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('provider_trait').select('trait').distinct().execute()
  return new Set(rows.map((r) => r.trait))
}

export async function providerTraits(db: Db, uuid: string): Promise<string[]> {
  const rows = await db
    .selectFrom('provider_trait')
    .select('trait')
    .where('provider_uuid', '=', uuid)
    .orderBy('trait')
    .execute()
  return rows.map((r) => r.trait)
}

export async function replaceProviderTraits(db: Db, uuid: string, traits: readonly string[]) {
  await db.deleteFrom('provider_trait').where('provider_uuid', '=', uuid).execute()
  if (traits.length === 0) return
  await db
    .insertInto('provider_trait')
    .values([...new Set(traits)].map((trait) => ({ provider_uuid: uuid, trait })))
    .execute()
}

export async function providerAggregates(db: Db, uuid: string): Promise<string[]> {
  const rows = await db
    .selectFrom('provider_aggregate')
    .select('aggregate_uuid')
    .where('provider_uuid', '=', uuid)
    .orderBy('aggregate_uuid')
    .execute()
  return rows.map((r) => r.aggregate_uuid)
}

export async function replaceProviderAggregates(
  db: Db,
  uuid: string,
  aggregates: readonly string[],
) {
  await db.deleteFrom('provider_aggregate').where('provider_uuid', '=', uuid).execute()
  if (aggregates.length === 0) return
  await db
    .insertInto('provider_aggregate')
    .values([...new Set(aggregates)].map((a) => ({ provider_uuid: uuid, aggregate_uuid: a })))
    .execute()
}

/** Every provider's traits and aggregates, for filtering lists and candidates. */
export async function providerTags(
  db: Db,
): Promise<{ traits: Map<string, Set<string>>; aggregates: Map<string, Set<string>> }> {
  const traits = new Map<string, Set<string>>()
  const aggregates = new Map<string, Set<string>>()
  for (const r of await db.selectFrom('provider_trait').selectAll().execute()) {
    traits.set(r.provider_uuid, (traits.get(r.provider_uuid) ?? new Set()).add(r.trait))
  }
  for (const r of await db.selectFrom('provider_aggregate').selectAll().execute()) {
    const set = aggregates.get(r.provider_uuid) ?? new Set()
    aggregates.set(r.provider_uuid, set.add(r.aggregate_uuid))
  }
  return { traits, aggregates }
}
