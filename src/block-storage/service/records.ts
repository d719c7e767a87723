/** @module block-storage/service/records: the records the API renders, read for it */
import { listAttachments, type Attachment } from '../db/attachments-repo.js'
import { listEncryptedTypeIds } from '../db/encryption-repo.js'
import {
  listServices as listServiceRows,
  setServiceDisabled,
  type ServiceRecord,
} from '../db/records-repo.js'
import type { Snapshot } from '../db/snapshots-repo.js'
import { getType, listTypes, type VolumeType } from '../db/types-repo.js'
import type { Volume } from '../db/volumes-repo.js'
import type { BlockStorageContext } from './context.js'

export type { Attachment, ServiceRecord, Snapshot, Volume, VolumeType }

/** Type names by id, to show each volume's type by name. */
export async function typeNames(ctx: BlockStorageContext): Promise<Map<string, string>> {
  return new Map((await listTypes(ctx.db)).map((t) => [t.id, t.name]))
}

/** The ids of the volume types whose volumes are encrypted. */
export async function encryptedTypes(ctx: BlockStorageContext): Promise<Set<string>> {
  return listEncryptedTypeIds(ctx.db)
}

export async function attachmentsOf(ctx: BlockStorageContext, volumeId: string) {
  return listAttachments(ctx.db, { volumeId })
}

export async function typeById(ctx: BlockStorageContext, id: string) {
  return getType(ctx.db, id)
}

export async function services(ctx: BlockStorageContext): Promise<ServiceRecord[]> {
  return listServiceRows(ctx.db)
}

/** Enables or disables a service; false when no such service exists. */
export async function setServiceState(
  ctx: BlockStorageContext,
  where: { host: string; binary: string },
  disabled: boolean,
  reason: string | null,
): Promise<boolean> {
  return setServiceDisabled(ctx.db, where, disabled, reason)
}
