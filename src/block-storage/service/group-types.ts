/** @module block-storage/service/group-types: group types and their group specs */
import { isUniqueViolation } from '../../core/db/index.js'
import {
  createGroupType as insertGroupType,
  deleteGroupTypeRow,
  getGroupType,
  getGroupTypeByName,
  listGroupTypes,
  updateGroupType,
  type GroupType,
} from '../db/group-types-repo.js'
import { listGroups } from '../db/groups-repo.js'
import {
  GroupTypeExistsError,
  GroupTypeInUseError,
  GroupTypeNotFoundError,
  GroupTypeSpecNotFoundError,
  InvalidInputError,
} from '../errors.js'
import { timestamp, type BlockStorageContext, type Caller } from './context.js'
import { page, type PageRequest } from './list-page.js'

export type { GroupType }

/** A group type by id or name the caller may use; private ones only for admins. */
export async function resolveGroupType(
  ctx: BlockStorageContext,
  caller: Caller,
  idOrName: string,
): Promise<GroupType> {
  const t = (await getGroupType(ctx.db, idOrName)) ?? (await getGroupTypeByName(ctx.db, idOrName))
  if (!t || (!t.isPublic && !caller.isAdmin)) throw new GroupTypeNotFoundError(idOrName)
  return t
}

export const GROUP_TYPE_SORT_KEYS = ['id', 'name', 'description', 'created_at'] as const

function groupTypeField(t: GroupType, key: string): unknown {
  if (key === 'name') return t.name
  if (key === 'description') return t.description
  if (key === 'created_at') return t.createdAt
  return t.id
}

/** Types the caller sees, sorted and paged; `isPublic` filters for admins (`null` shows all). */
export async function listVisibleGroupTypes(
  ctx: BlockStorageContext,
  caller: Caller,
  q: { isPublic: boolean | null; page: PageRequest },
): Promise<GroupType[]> {
  const all = await listGroupTypes(ctx.db)
  const shown = !caller.isAdmin
    ? all.filter((t) => t.isPublic)
    : q.isPublic === null
      ? all
      : all.filter((t) => t.isPublic === q.isPublic)
  return page(shown, q.page, groupTypeField).items
}

function checkName(name: string): string {
  const trimmed = name.trim()
  if (trimmed === '' || trimmed.length > 255)
    throw new InvalidInputError('Group type name must be 1 to 255 characters long.')
  return trimmed
}

export async function createGroupType(
  ctx: BlockStorageContext,
  input: {
    name: string
    description?: string | null
    isPublic?: boolean
    groupSpecs?: Record<string, string>
  },
): Promise<GroupType> {
  const name = checkName(input.name)
  if (await getGroupTypeByName(ctx.db, name)) throw new GroupTypeExistsError(name)
  const t: GroupType = {
    id: ctx.ids.uuid(),
    name,
    description: input.description ?? null,
    isPublic: input.isPublic ?? true,
    groupSpecs: input.groupSpecs ?? {},
    createdAt: timestamp(ctx),
    updatedAt: null,
  }
  try {
    await insertGroupType(ctx.db, t)
  } catch (error) {
    if (isUniqueViolation(error)) throw new GroupTypeExistsError(name)
    throw error
  }
  return t
}

export async function groupTypeById(ctx: BlockStorageContext, id: string): Promise<GroupType> {
  const t = await getGroupType(ctx.db, id)
  if (!t) throw new GroupTypeNotFoundError(id)
  return t
}

export async function updateGroupTypeInfo(
  ctx: BlockStorageContext,
  id: string,
  patch: { name?: string; description?: string | null; isPublic?: boolean },
): Promise<GroupType> {
  await groupTypeById(ctx, id)
  if (patch.name !== undefined) {
    const name = checkName(patch.name)
    const other = await getGroupTypeByName(ctx.db, name)
    if (other && other.id !== id) throw new GroupTypeExistsError(name)
    patch = { ...patch, name }
  }
  await updateGroupType(ctx.db, id, { ...patch, updatedAt: timestamp(ctx) })
  return groupTypeById(ctx, id)
}

export async function deleteGroupType(ctx: BlockStorageContext, id: string): Promise<void> {
  await groupTypeById(ctx, id)
  if ((await listGroups(ctx.db, { groupTypeId: id })).length > 0) throw new GroupTypeInUseError(id)
  await deleteGroupTypeRow(ctx.db, id)
}

export async function setGroupSpecs(
  ctx: BlockStorageContext,
  id: string,
  specs: Record<string, string>,
): Promise<Record<string, string>> {
  const t = await groupTypeById(ctx, id)
  await updateGroupType(ctx.db, id, {
    groupSpecs: { ...t.groupSpecs, ...specs },
    updatedAt: timestamp(ctx),
  })
  return specs
}

export async function deleteGroupSpec(
  ctx: BlockStorageContext,
  id: string,
  key: string,
): Promise<void> {
  const t = await groupTypeById(ctx, id)
  if (!(key in t.groupSpecs)) throw new GroupTypeSpecNotFoundError(id, key)
  const groupSpecs = { ...t.groupSpecs }
  delete groupSpecs[key]
  await updateGroupType(ctx.db, id, { groupSpecs, updatedAt: timestamp(ctx) })
}
