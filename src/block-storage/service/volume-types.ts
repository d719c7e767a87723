/** @module block-storage/service/volume-types: volume types, extra specs and private access */
import { isUniqueViolation } from '../../core/db/index.js'
import {
  addTypeAccess,
  createType,
  deleteType,
  getType,
  getTypeByName,
  listTypeAccess,
  listTypes,
  removeTypeAccess,
  updateType,
  type VolumeType,
} from '../db/types-repo.js'
import { listVolumes } from '../db/volumes-repo.js'
import { deleteTypeEncryption } from '../db/encryption-repo.js'
import {
  InvalidInputError,
  VolumeTypeExistsError,
  VolumeTypeInUseError,
  VolumeTypeNotFoundError,
} from '../errors.js'
import { timestamp, type BlockStorageContext, type Caller } from './context.js'

/** Creates the default type on first start, as Cinder's `__DEFAULT__`. */
export async function ensureDefaultType(ctx: BlockStorageContext): Promise<VolumeType> {
  const existing = await getTypeByName(ctx.db, ctx.config.defaultType)
  if (existing) return existing
  const type: VolumeType = {
    id: ctx.ids.uuid(),
    name: ctx.config.defaultType,
    description: 'Default Volume Type',
    isPublic: true,
    extraSpecs: {},
    createdAt: timestamp(ctx),
    updatedAt: null,
    qosSpecsId: null,
  }
  try {
    await createType(ctx.db, type)
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
  }
  return (await getTypeByName(ctx.db, ctx.config.defaultType)) ?? type
}

async function visible(ctx: BlockStorageContext, caller: Caller, type: VolumeType) {
  if (type.isPublic || caller.isAdmin) return true
  return (await listTypeAccess(ctx.db, type.id)).includes(caller.projectId)
}

/** A type by id or name that the caller may use; 404 otherwise. */
export async function resolveType(
  ctx: BlockStorageContext,
  caller: Caller,
  idOrName: string,
): Promise<VolumeType> {
  const type = (await getType(ctx.db, idOrName)) ?? (await getTypeByName(ctx.db, idOrName))
  if (!type || !(await visible(ctx, caller, type))) throw new VolumeTypeNotFoundError(idOrName)
  return type
}

export async function defaultType(ctx: BlockStorageContext): Promise<VolumeType> {
  return ensureDefaultType(ctx)
}

/** Types the caller sees; `isPublic` filters for admins (`is_public=None` shows all). */
export async function listVisibleTypes(
  ctx: BlockStorageContext,
  caller: Caller,
  isPublic: boolean | null = true,
): Promise<VolumeType[]> {
  const out: VolumeType[] = []
  for (const type of await listTypes(ctx.db)) {
    if (caller.isAdmin) {
      if (isPublic === null || type.isPublic === isPublic) out.push(type)
    } else if (await visible(ctx, caller, type)) out.push(type)
  }
  return out
}

export async function createVolumeType(
  ctx: BlockStorageContext,
  input: {
    name: string
    description?: string | null
    isPublic?: boolean
    extraSpecs?: Record<string, string>
  },
): Promise<VolumeType> {
  const name = input.name.trim()
  if (name === '') throw new InvalidInputError('Volume type name can not be empty.')
  if (await getTypeByName(ctx.db, name)) throw new VolumeTypeExistsError(name)
  const type: VolumeType = {
    id: ctx.ids.uuid(),
    name,
    description: input.description ?? null,
    isPublic: input.isPublic ?? true,
    extraSpecs: input.extraSpecs ?? {},
    createdAt: timestamp(ctx),
    updatedAt: null,
    qosSpecsId: null,
  }
  try {
    await createType(ctx.db, type)
  } catch (error) {
    if (isUniqueViolation(error)) throw new VolumeTypeExistsError(name)
    throw error
  }
  return type
}

async function typeById(ctx: BlockStorageContext, id: string): Promise<VolumeType> {
  const type = await getType(ctx.db, id)
  if (!type) throw new VolumeTypeNotFoundError(id)
  return type
}

export async function updateVolumeType(
  ctx: BlockStorageContext,
  id: string,
  patch: { name?: string; description?: string | null; isPublic?: boolean },
): Promise<VolumeType> {
  const type = await typeById(ctx, id)
  if (patch.name !== undefined) {
    const name = patch.name.trim()
    if (name === '') throw new InvalidInputError('Volume type name can not be empty.')
    if (type.name === ctx.config.defaultType && name !== type.name)
      throw new VolumeTypeInUseError(id, 'is the default volume type and cannot be renamed')
    const other = await getTypeByName(ctx.db, name)
    if (other && other.id !== id) throw new VolumeTypeExistsError(name)
    patch = { ...patch, name }
  }
  await updateType(ctx.db, id, { ...patch, updatedAt: timestamp(ctx) })
  return typeById(ctx, id)
}

export async function deleteVolumeType(ctx: BlockStorageContext, id: string): Promise<void> {
  const type = await typeById(ctx, id)
  if (type.name === ctx.config.defaultType)
    throw new VolumeTypeInUseError(id, 'is the default volume type and cannot be deleted')
  if ((await listVolumes(ctx.db)).some((v) => v.volumeTypeId === id))
    throw new VolumeTypeInUseError(id, 'deletion is not allowed with volumes present with the type')
  await deleteTypeEncryption(ctx.db, id)
  await deleteType(ctx.db, id)
}

export async function typeForCaller(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<VolumeType> {
  const type = await getType(ctx.db, id)
  if (!type || !(await visible(ctx, caller, type))) throw new VolumeTypeNotFoundError(id)
  return type
}

export async function setExtraSpecs(
  ctx: BlockStorageContext,
  id: string,
  specs: Record<string, string>,
): Promise<Record<string, string>> {
  const type = await typeById(ctx, id)
  const extraSpecs = { ...type.extraSpecs, ...specs }
  await updateType(ctx.db, id, { extraSpecs, updatedAt: timestamp(ctx) })
  return extraSpecs
}

export async function deleteExtraSpec(ctx: BlockStorageContext, id: string, key: string) {
  const type = await typeById(ctx, id)
  if (!(key in type.extraSpecs)) throw new VolumeTypeNotFoundError(`${id} extra spec ${key}`)
  const extraSpecs = { ...type.extraSpecs }
  delete extraSpecs[key]
  await updateType(ctx.db, id, { extraSpecs, updatedAt: timestamp(ctx) })
}

export async function typeAccess(ctx: BlockStorageContext, id: string): Promise<string[]> {
  const type = await typeById(ctx, id)
  if (type.isPublic) throw new VolumeTypeNotFoundError(`access of public type ${id}`)
  return listTypeAccess(ctx.db, id)
}

export async function changeTypeAccess(
  ctx: BlockStorageContext,
  id: string,
  projectId: string,
  add: boolean,
): Promise<void> {
  const type = await typeById(ctx, id)
  if (type.isPublic)
    throw new InvalidInputError(
      `Invalid volume type: Type access modification is not applicable to public volume type.`,
    )
  if (add) {
    if (!(await addTypeAccess(ctx.db, id, projectId)))
      throw new VolumeTypeExistsError(`access for ${id} and project ${projectId}`)
  } else if (!(await removeTypeAccess(ctx.db, id, projectId))) {
    throw new VolumeTypeNotFoundError(`access for ${id} and project ${projectId}`)
  }
}
