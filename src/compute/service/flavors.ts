/** @module compute/service/flavors: flavors, their extra specs and access lists */
import { isUniqueViolation } from '../../core/db/index.js'
import {
  addFlavorProject,
  createFlavor as insertFlavor,
  deleteExtraSpec,
  deleteFlavor as removeFlavor,
  extraSpecs,
  flavorProjects,
  flavorsOfProject,
  getFlavor as findFlavor,
  listFlavors as allFlavors,
  removeFlavorProject,
  setExtraSpec,
  updateFlavorDescription,
} from '../db/catalog-repo.js'
import { NotFoundError } from '../../core/errors/index.js'
import { FlavorExistsError, FlavorNotFoundError } from '../errors.js'
import type { Flavor } from '../model/flavor.js'
import type { FlavorSnapshot } from '../model/instance.js'
import { now, type Caller, type ComputeContext } from './context.js'

/** A flavor the caller may see, or FlavorNotFoundError. */
export async function getFlavor(ctx: ComputeContext, caller: Caller, id: string): Promise<Flavor> {
  const f = await findFlavor(ctx.db, id)
  if (!f) throw new FlavorNotFoundError(id)
  if (!f.isPublic && !caller.isAdmin) {
    const allowed = await flavorsOfProject(ctx.db, caller.projectId)
    if (!allowed.has(id)) throw new FlavorNotFoundError(id)
  }
  return f
}

export interface FlavorQuery {
  minRam?: number
  minDisk?: number
  /** true: public only, false: private only, undefined: both (admin) or visible (user). */
  isPublic?: boolean | 'all'
  sortKey?: string
  sortDir?: 'asc' | 'desc'
}

export async function listFlavors(
  ctx: ComputeContext,
  caller: Caller,
  q: FlavorQuery,
): Promise<Flavor[]> {
  const accessible = caller.isAdmin ? undefined : await flavorsOfProject(ctx.db, caller.projectId)
  const wantPublic = q.isPublic ?? true
  const list = (await allFlavors(ctx.db)).filter((f) => {
    if (f.disabled) return false
    if (q.minRam !== undefined && f.memoryMb < q.minRam) return false
    if (q.minDisk !== undefined && f.rootGb < q.minDisk) return false
    if (!caller.isAdmin) return f.isPublic || accessible?.has(f.flavorid) === true
    if (wantPublic === 'all') return true
    return f.isPublic === wantPublic
  })
  const key = q.sortKey ?? 'flavorid'
  const value = (f: Flavor): string | number => {
    const map: Record<string, string | number> = {
      flavorid: f.flavorid,
      id: f.flavorid,
      name: f.name,
      memory_mb: f.memoryMb,
      vcpus: f.vcpus,
      root_gb: f.rootGb,
      swap: f.swap,
      ephemeral_gb: f.ephemeralGb,
      created_at: f.createdAt,
    }
    return map[key] ?? f.flavorid
  }
  const dir = q.sortDir === 'desc' ? -1 : 1
  return list.sort((a, b) => {
    const x = value(a)
    const y = value(b)
    return (x < y ? -1 : x > y ? 1 : 0) * dir
  })
}

export interface FlavorInput {
  name: string
  id?: string | null
  vcpus: number
  memoryMb: number
  rootGb: number
  ephemeralGb?: number
  swap?: number
  rxtxFactor?: number
  isPublic?: boolean
  description?: string | null
}

export async function createFlavor(ctx: ComputeContext, input: FlavorInput): Promise<Flavor> {
  const flavor: Flavor = {
    flavorid: input.id ?? ctx.ids.uuid(),
    name: input.name,
    vcpus: input.vcpus,
    memoryMb: input.memoryMb,
    rootGb: input.rootGb,
    ephemeralGb: input.ephemeralGb ?? 0,
    swap: input.swap ?? 0,
    rxtxFactor: input.rxtxFactor ?? 1,
    isPublic: input.isPublic ?? true,
    disabled: false,
    description: input.description ?? null,
    createdAt: now(ctx),
  }
  if (await findFlavor(ctx.db, flavor.flavorid))
    throw new FlavorExistsError(`ID ${flavor.flavorid}`)
  try {
    await insertFlavor(ctx.db, flavor)
  } catch (error) {
    if (isUniqueViolation(error)) throw new FlavorExistsError(`name ${flavor.name}`)
    throw error
  }
  return flavor
}

export async function updateFlavor(ctx: ComputeContext, id: string, description: string | null) {
  if (!(await findFlavor(ctx.db, id))) throw new FlavorNotFoundError(id)
  await updateFlavorDescription(ctx.db, id, description)
  return findFlavor(ctx.db, id) as Promise<Flavor>
}

export async function deleteFlavor(ctx: ComputeContext, id: string): Promise<void> {
  if (!(await findFlavor(ctx.db, id))) throw new FlavorNotFoundError(id)
  await removeFlavor(ctx.db, id)
}

export async function flavorExtraSpecs(ctx: ComputeContext, caller: Caller, id: string) {
  await getFlavor(ctx, caller, id)
  return extraSpecs(ctx.db, id)
}

export async function setFlavorExtraSpecs(
  ctx: ComputeContext,
  id: string,
  specs: Record<string, string>,
): Promise<Record<string, string>> {
  if (!(await findFlavor(ctx.db, id))) throw new FlavorNotFoundError(id)
  for (const [k, v] of Object.entries(specs)) await setExtraSpec(ctx.db, id, k, v)
  return specs
}

export async function deleteFlavorExtraSpec(ctx: ComputeContext, id: string, key: string) {
  if (!(await findFlavor(ctx.db, id))) throw new FlavorNotFoundError(id)
  if (!(await deleteExtraSpec(ctx.db, id, key))) {
    throw new FlavorNotFoundError(`${id} extra spec ${key}`)
  }
}

export async function flavorAccess(ctx: ComputeContext, id: string): Promise<string[]> {
  const flavor = await findFlavor(ctx.db, id)
  if (!flavor) throw new FlavorNotFoundError(id)
  if (flavor.isPublic) throw new NotFoundError('Access list not available for public flavors.')
  return flavorProjects(ctx.db, id)
}

export async function changeFlavorAccess(
  ctx: ComputeContext,
  id: string,
  projectId: string,
  add: boolean,
): Promise<string[]> {
  const f = await findFlavor(ctx.db, id)
  if (!f) throw new FlavorNotFoundError(id)
  if (add) {
    if ((await flavorProjects(ctx.db, id)).includes(projectId)) {
      throw new FlavorExistsError(`access for project ${projectId}`)
    }
    await addFlavorProject(ctx.db, id, projectId)
  } else if (!(await removeFlavorProject(ctx.db, id, projectId))) {
    throw new FlavorNotFoundError(`${id} access for ${projectId}`)
  }
  return flavorProjects(ctx.db, id)
}

/** The copy of a flavor a server keeps. */
export async function snapshotOf(ctx: ComputeContext, f: Flavor): Promise<FlavorSnapshot> {
  return {
    flavorid: f.flavorid,
    name: f.name,
    vcpus: f.vcpus,
    memoryMb: f.memoryMb,
    rootGb: f.rootGb,
    ephemeralGb: f.ephemeralGb,
    swap: f.swap,
    extraSpecs: await extraSpecs(ctx.db, f.flavorid),
  }
}

/** DevStack's flavors, created on first start. */
const DEFAULT_FLAVORS: [string, string, number, number, number][] = [
  ['42', 'm1.nano', 1, 128, 1],
  ['84', 'm1.micro', 1, 192, 1],
  ['1', 'm1.tiny', 1, 512, 1],
  ['2', 'm1.small', 1, 2048, 20],
  ['3', 'm1.medium', 2, 4096, 40],
  ['4', 'm1.large', 4, 8192, 80],
  ['5', 'm1.xlarge', 8, 16384, 160],
]

export async function registerDefaultFlavors(ctx: ComputeContext): Promise<void> {
  if ((await allFlavors(ctx.db)).length > 0) return
  for (const [id, name, vcpus, memoryMb, rootGb] of DEFAULT_FLAVORS) {
    await createFlavor(ctx, { id, name, vcpus, memoryMb, rootGb })
  }
}
