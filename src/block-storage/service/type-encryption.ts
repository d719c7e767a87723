/** @module block-storage/service/type-encryption: how the volumes of a type are to be encrypted */
import {
  createTypeEncryption,
  deleteTypeEncryption,
  getTypeEncryption,
  updateTypeEncryption,
  type TypeEncryption,
} from '../db/encryption-repo.js'
import { getType } from '../db/types-repo.js'
import { listVolumes } from '../db/volumes-repo.js'
import {
  VolumeTypeEncryptionExistsError,
  VolumeTypeEncryptionInUseError,
  VolumeTypeEncryptionNotFoundError,
  VolumeTypeNotFoundError,
} from '../errors.js'
import { timestamp, type BlockStorageContext } from './context.js'

export type { TypeEncryption }

/** Where the data is encrypted: by the consumer (the hypervisor) or by the backend. */
export const CONTROL_LOCATIONS = ['front-end', 'back-end'] as const
export type ControlLocation = (typeof CONTROL_LOCATIONS)[number]

export function isControlLocation(value: unknown): value is ControlLocation {
  return CONTROL_LOCATIONS.includes(value as ControlLocation)
}

/** An encryption's fields as given: create needs provider and control location. */
export interface EncryptionSpec {
  provider?: string
  cipher?: string | null
  keySize?: number | null
  controlLocation?: ControlLocation
}

async function assertTypeExists(ctx: BlockStorageContext, typeId: string): Promise<void> {
  if (!(await getType(ctx.db, typeId))) throw new VolumeTypeNotFoundError(typeId)
}

async function assertTypeUnused(
  ctx: BlockStorageContext,
  typeId: string,
  verb: 'create' | 'update' | 'delete',
): Promise<void> {
  if ((await listVolumes(ctx.db)).some((v) => v.volumeTypeId === typeId))
    throw new VolumeTypeEncryptionInUseError(verb)
}

/** The type's encryption, or undefined when its volumes are not encrypted; 404 for no type. */
export async function showTypeEncryption(
  ctx: BlockStorageContext,
  typeId: string,
): Promise<TypeEncryption | undefined> {
  await assertTypeExists(ctx, typeId)
  return getTypeEncryption(ctx.db, typeId)
}

/** Gives a type an encryption: refused while volumes of the type exist or when it has one. */
export async function createEncryption(
  ctx: BlockStorageContext,
  typeId: string,
  spec: EncryptionSpec & { provider: string; controlLocation: ControlLocation },
): Promise<TypeEncryption> {
  await assertTypeUnused(ctx, typeId, 'create')
  await assertTypeExists(ctx, typeId)
  if (await getTypeEncryption(ctx.db, typeId)) throw new VolumeTypeEncryptionExistsError(typeId)
  const encryption: TypeEncryption = {
    volumeTypeId: typeId,
    encryptionId: ctx.ids.uuid(),
    provider: spec.provider,
    cipher: spec.cipher ?? null,
    keySize: spec.keySize ?? null,
    controlLocation: spec.controlLocation,
    createdAt: timestamp(ctx),
    updatedAt: null,
  }
  await createTypeEncryption(ctx.db, encryption)
  return encryption
}

/** Changes the given fields: refused while volumes of the type exist; 404 without one. */
export async function updateEncryption(
  ctx: BlockStorageContext,
  typeId: string,
  spec: EncryptionSpec,
): Promise<void> {
  await assertTypeExists(ctx, typeId)
  await assertTypeUnused(ctx, typeId, 'update')
  const changed = await updateTypeEncryption(ctx.db, typeId, {
    ...(spec.provider !== undefined ? { provider: spec.provider } : {}),
    ...(spec.cipher !== undefined ? { cipher: spec.cipher } : {}),
    ...(spec.keySize !== undefined ? { keySize: spec.keySize } : {}),
    ...(spec.controlLocation !== undefined ? { controlLocation: spec.controlLocation } : {}),
    updatedAt: timestamp(ctx),
  })
  if (!changed) throw new VolumeTypeEncryptionNotFoundError(typeId)
}

/** Removes a type's encryption: refused while volumes of the type exist; 404 without one. */
export async function deleteEncryption(ctx: BlockStorageContext, typeId: string): Promise<void> {
  await assertTypeUnused(ctx, typeId, 'delete')
  if (!(await deleteTypeEncryption(ctx.db, typeId)))
    throw new VolumeTypeEncryptionNotFoundError(typeId)
}

/**
 * What a type's encryption does (provider, cipher, key size, control location), for
 * comparing two types; undefined for a type without encryption.
 */
export async function typeEncryption(
  ctx: BlockStorageContext,
  typeId: string,
): Promise<Required<EncryptionSpec> | undefined> {
  const e = await getTypeEncryption(ctx.db, typeId)
  if (!e) return undefined
  return {
    provider: e.provider,
    cipher: e.cipher,
    keySize: e.keySize,
    controlLocation: isControlLocation(e.controlLocation) ? e.controlLocation : 'front-end',
  }
}
