/** @module compute/db/metadata-repo: EC2 id integers and server system metadata */
import type { Db } from './instances-repo.js'

/** The integer of a uuid's EC2 id, given the next free one on first use. */
export async function ec2IdOf(db: Db, uuid: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const found = await db
      .selectFrom('ec2_id_mapping')
      .select('id')
      .where('uuid', '=', uuid)
      .executeTakeFirst()
    if (found) return Number(found.id)
    const max = await db
      .selectFrom('ec2_id_mapping')
      .select((eb) => eb.fn.max<number>('id').as('id'))
      .executeTakeFirst()
    const id = Number(max?.id ?? 0) + 1
    try {
      await db.insertInto('ec2_id_mapping').values({ id, uuid }).execute()
      return id
    } catch (error) {
      // another request mapped this uuid or took this id: look again
      if (attempt >= 5) throw error
    }
  }
}

/** A server's system metadata. */
export async function systemMetadataOf(db: Db, uuid: string): Promise<Record<string, string>> {
  const rows = await db
    .selectFrom('instance_system_metadata')
    .select(['meta_key', 'meta_value'])
    .where('instance_uuid', '=', uuid)
    .orderBy('meta_key')
    .execute()
  return Object.fromEntries(rows.map((r) => [r.meta_key, r.meta_value]))
}

/** Sets keys of a server's system metadata (others are kept). */
export async function setSystemMetadata(
  db: Db,
  uuid: string,
  values: Record<string, string>,
): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    await db
      .deleteFrom('instance_system_metadata')
      .where('instance_uuid', '=', uuid)
      .where('meta_key', '=', key)
      .execute()
    await db
      .insertInto('instance_system_metadata')
      .values({ instance_uuid: uuid, meta_key: key, meta_value: value })
      .execute()
  }
}
