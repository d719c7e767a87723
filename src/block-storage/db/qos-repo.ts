/** @module block-storage/db/qos-repo: QoS specs and their association with volume types */
import type { Kysely, Transaction } from 'kysely'
import { parseJsonColumn } from '../../core/db/index.js'
import type { BlockStorageDatabase, QosSpecsTable } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

export interface QosSpecs {
  id: string
  name: string
  consumer: string
  specs: Record<string, string>
  createdAt: string
  updatedAt: string | null
}

function fromRow(r: QosSpecsTable): QosSpecs {
  return {
    id: r.id,
    name: r.name,
    consumer: r.consumer,
    specs: parseJsonColumn(r.specs, {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export async function getQosSpecs(db: Db, id: string): Promise<QosSpecs | undefined> {
  const row = await db.selectFrom('qos_specs').selectAll().where('id', '=', id).executeTakeFirst()
  return row && fromRow(row)
}

export async function getQosSpecsByName(db: Db, name: string): Promise<QosSpecs | undefined> {
  const row = await db
    .selectFrom('qos_specs')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst()
  return row && fromRow(row)
}

export async function listQosSpecs(db: Db): Promise<QosSpecs[]> {
  return (await db.selectFrom('qos_specs').selectAll().orderBy('created_at').execute()).map(fromRow)
}

export async function createQosSpecs(db: Db, q: QosSpecs): Promise<void> {
  await db
    .insertInto('qos_specs')
    .values({
      id: q.id,
      name: q.name,
      consumer: q.consumer,
      specs: JSON.stringify(q.specs),
      created_at: q.createdAt,
      updated_at: q.updatedAt,
    })
    .execute()
}

export async function updateQosSpecs(
  db: Db,
  id: string,
  patch: { consumer?: string; specs?: Record<string, string>; updatedAt: string },
): Promise<void> {
  await db
    .updateTable('qos_specs')
    .set({
      ...(patch.consumer !== undefined ? { consumer: patch.consumer } : {}),
      ...(patch.specs !== undefined ? { specs: JSON.stringify(patch.specs) } : {}),
      updated_at: patch.updatedAt,
    })
    .where('id', '=', id)
    .execute()
}

export async function deleteQosSpecsRow(db: Db, id: string): Promise<void> {
  await db
    .updateTable('volume_type')
    .set({ qos_specs_id: null })
    .where('qos_specs_id', '=', id)
    .execute()
  await db.deleteFrom('qos_specs').where('id', '=', id).execute()
}

/** The volume types associated with QoS specs. */
export async function typesOfQosSpecs(db: Db, id: string): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('volume_type')
    .select(['id', 'name'])
    .where('qos_specs_id', '=', id)
    .orderBy('name')
    .execute()
}

/** Associates a type (`qosSpecsId` null: disassociates); only while it has `expect`. */
export async function setTypeQosSpecs(
  db: Db,
  typeId: string,
  qosSpecsId: string | null,
  expect?: string | null,
): Promise<boolean> {
  let q = db.updateTable('volume_type').set({ qos_specs_id: qosSpecsId }).where('id', '=', typeId)
  if (expect !== undefined)
    q = expect === null ? q.where('qos_specs_id', 'is', null) : q.where('qos_specs_id', '=', expect)
  const r = await q.executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}
