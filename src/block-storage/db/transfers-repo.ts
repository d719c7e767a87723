/** @module block-storage/db/transfers-repo: pending volume transfers */
import type { Kysely, Transaction } from 'kysely'
import { fromBool, toBool } from '../../core/db/index.js'
import type { BlockStorageDatabase, TransferTable } from './schema.js'

type Db = Kysely<BlockStorageDatabase> | Transaction<BlockStorageDatabase>

export interface Transfer {
  id: string
  volumeId: string
  /** The project giving the volume away. */
  projectId: string
  name: string | null
  salt: string
  cryptHash: string
  noSnapshots: boolean
  createdAt: string
  updatedAt: string | null
}

function fromRow(r: TransferTable): Transfer {
  return {
    id: r.id,
    volumeId: r.volume_id,
    projectId: r.project_id,
    name: r.name,
    salt: r.salt,
    cryptHash: r.crypt_hash,
    noSnapshots: toBool(r.no_snapshots),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

export async function getTransfer(db: Db, id: string): Promise<Transfer | undefined> {
  const row = await db.selectFrom('transfer').selectAll().where('id', '=', id).executeTakeFirst()
  return row && fromRow(row)
}

/** Every pending transfer, or one project's, or one volume's. */
export async function listTransfers(
  db: Db,
  filter: { projectId?: string; volumeId?: string } = {},
): Promise<Transfer[]> {
  let q = db.selectFrom('transfer').selectAll()
  if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId)
  if (filter.volumeId !== undefined) q = q.where('volume_id', '=', filter.volumeId)
  return (await q.orderBy('created_at').execute()).map(fromRow)
}

export async function createTransfer(db: Db, t: Transfer): Promise<void> {
  await db
    .insertInto('transfer')
    .values({
      id: t.id,
      volume_id: t.volumeId,
      project_id: t.projectId,
      name: t.name,
      salt: t.salt,
      crypt_hash: t.cryptHash,
      no_snapshots: fromBool(t.noSnapshots),
      created_at: t.createdAt,
      updated_at: t.updatedAt,
    })
    .execute()
}

/** Removes a transfer; whether it was there (only one accept or delete wins). */
export async function deleteTransferRow(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('transfer').where('id', '=', id).executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}
