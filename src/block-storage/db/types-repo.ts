/** @module block-storage/db/types-repo: volume types, their extra specs and private access */
import type { Kysely, Transaction } from 'kysely'
import { fromBool, parseJsonColumn, toBool } from '../../core/db/index.js'
import type { BlockStorageDatabase, VolumeTypeTable } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

export interface VolumeType {
  id: string
  name: string
  description: string | null
  isPublic: boolean
  extraSpecs: Record<string, string>
  createdAt: string
  updatedAt: string | null
  /** The associated QoS specs, if any. */
  qosSpecsId: string | null
}

function fromRow(r: VolumeTypeTable): VolumeType {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    isPublic: toBool(r.is_public),
    extraSpecs: parseJsonColumn(r.extra_specs, {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    qosSpecsId: r.qos_specs_id,
  }
}

export async function getType(db: Db, id: string): Promise<VolumeType | undefined> {
  const row = await db.selectFrom('volume_type').selectAll().where('id', '=', id).executeTakeFirst()
  return row && fromRow(row)
}

export async function getTypeByName(db: Db, name: string): Promise<VolumeType | undefined> {
  const row = await db
    .selectFrom('volume_type')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst()
  return row && fromRow(row)
}

export async function listTypes(db: Db): Promise<VolumeType[]> {
  return (await db.selectFrom('volume_type').selectAll().orderBy('name').execute()).map(fromRow)
}

export async function createType(db: Db, t: VolumeType): Promise<void> {
  await db
    .insertInto('volume_type')
    .values({
      id: t.id,
      name: t.name,
      description: t.description,
      is_public: fromBool(t.isPublic),
      extra_specs: JSON.stringify(t.extraSpecs),
      created_at: t.createdAt,
      updated_at: t.updatedAt,
      qos_specs_id: t.qosSpecsId,
    })
    .execute()
}

export async function updateType(
  db: Db,
  id: string,
  patch: Partial<
    Pick<
      VolumeType,
      'name' | 'description' | 'isPublic' | 'extraSpecs' | 'updatedAt' | 'qosSpecsId'
    >
  >,
): Promise<void> {
  const row: Partial<VolumeTypeTable> = {}
  if (patch.name !== undefined) row.name = patch.name
  if (patch.description !== undefined) row.description = patch.description
  if (patch.isPublic !== undefined) row.is_public = fromBool(patch.isPublic)
  if (patch.extraSpecs !== undefined) row.extra_specs = JSON.stringify(patch.extraSpecs)
  if (patch.updatedAt !== undefined) row.updated_at = patch.updatedAt
  if (patch.qosSpecsId !== undefined) row.qos_specs_id = patch.qosSpecsId
  await db.updateTable('volume_type').set(row).where('id', '=', id).execute()
}

export async function deleteType(db: Db, id: string): Promise<void> {
  await db.deleteFrom('volume_type_access').where('volume_type_id', '=', id).execute()
  await db.deleteFrom('volume_type').where('id', '=', id).execute()
}

export async function listTypeAccess(db: Db, typeId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('volume_type_access')
    .select('project_id')
    .where('volume_type_id', '=', typeId)
    .execute()
  return rows.map((r) => r.project_id)
}

export async function addTypeAccess(db: Db, typeId: string, projectId: string): Promise<boolean> {
  const existing = await listTypeAccess(db, typeId)
  if (existing.includes(projectId)) return false
  await db
    .insertInto('volume_type_access')
    .values({ volume_type_id: typeId, project_id: projectId })
    .execute()
  return true
}

export async function removeTypeAccess(
  db: Db,
  typeId: string,
  projectId: string,
): Promise<boolean> {
  const r = await db
    .deleteFrom('volume_type_access')
    .where('volume_type_id', '=', typeId)
    .where('project_id', '=', projectId)
    .executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}
