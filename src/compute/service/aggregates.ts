/** @module compute/service/aggregates: host aggregates and the availability zones they define */
import { BadRequestError, ConflictError, NotFoundError } from '../../core/errors/index.js'
import {
  addAggregateHost,
  insertAggregate,
  listAggregates,
  removeAggregate,
  removeAggregateHost,
  renameAggregate,
  setAggregateMetadata,
  type Aggregate,
} from '../db/aggregates-repo.js'
import { listServices } from '../db/catalog-repo.js'
import type { Db } from '../db/instances-repo.js'
import { DEFAULT_AVAILABILITY_ZONE } from '../model/host-provider.js'
import { now, type ComputeContext } from './context.js'

export type { Aggregate }

const AZ_KEY = 'availability_zone'

/** The zone of each host that an aggregate names one for; others are in the default zone. */
export async function hostZones(db: Db): Promise<Map<string, string>> {
  const zones = new Map<string, string>()
  for (const a of await listAggregates(db)) {
    const az = a.metadata[AZ_KEY]
    if (az) for (const host of a.hosts) zones.set(host, az)
  }
  return zones
}

/** Every zone a server may ask for: the default one and those aggregates name. */
export async function knownZones(db: Db): Promise<Set<string>> {
  return new Set([DEFAULT_AVAILABILITY_ZONE, ...(await hostZones(db)).values()])
}

export async function getAggregate(ctx: ComputeContext, id: string): Promise<Aggregate> {
  const found = (await listAggregates(ctx.db)).find((a) => String(a.id) === id || a.uuid === id)
  if (!found) throw new NotFoundError(`Aggregate ${id} could not be found.`)
  return found
}

export function aggregates(ctx: ComputeContext): Promise<Aggregate[]> {
  return listAggregates(ctx.db)
}

async function assertNameFree(ctx: ComputeContext, name: string, except?: number) {
  const taken = (await listAggregates(ctx.db)).some((a) => a.name === name && a.id !== except)
  if (taken) throw new ConflictError(`Aggregate ${name} already exists.`)
}

export async function createAggregate(
  ctx: ComputeContext,
  input: { name: string; availabilityZone: string | null },
): Promise<Aggregate> {
  await assertNameFree(ctx, input.name)
  const id = await insertAggregate(ctx.db, {
    uuid: ctx.ids.uuid(),
    name: input.name,
    createdAt: now(ctx),
  })
  if (input.availabilityZone) {
    await setAggregateMetadata(ctx.db, id, { [AZ_KEY]: input.availabilityZone })
  }
  return getAggregate(ctx, String(id))
}

export async function updateAggregate(
  ctx: ComputeContext,
  id: string,
  input: { name?: string; availabilityZone?: string | null },
): Promise<Aggregate> {
  const a = await getAggregate(ctx, id)
  if (input.name !== undefined) {
    await assertNameFree(ctx, input.name, a.id)
    await renameAggregate(ctx.db, a.id, input.name, now(ctx))
  }
  if (input.availabilityZone !== undefined) {
    await setAggregateMetadata(ctx.db, a.id, { [AZ_KEY]: input.availabilityZone })
  }
  return getAggregate(ctx, id)
}

export async function deleteAggregate(ctx: ComputeContext, id: string): Promise<void> {
  const a = await getAggregate(ctx, id)
  if (a.hosts.length > 0) {
    throw new BadRequestError(`Cannot remove aggregate ${id}: it still has hosts.`)
  }
  await removeAggregate(ctx.db, a.id)
}

/** Adds a compute host; a host may be in several aggregates but in one zone only. */
export async function addHost(ctx: ComputeContext, id: string, host: string): Promise<Aggregate> {
  const a = await getAggregate(ctx, id)
  const known = (await listServices(ctx.db)).some(
    (s) => s.host === host && s.binary === 'nova-compute',
  )
  if (!known) throw new NotFoundError(`Compute host ${host} could not be found.`)
  if (a.hosts.includes(host)) {
    throw new ConflictError(`Aggregate ${id} already has host ${host}.`)
  }
  const zone = a.metadata[AZ_KEY]
  const current = (await hostZones(ctx.db)).get(host)
  if (zone && current && current !== zone) {
    throw new ConflictError(`Host ${host} is already in availability zone ${current}.`)
  }
  await addAggregateHost(ctx.db, a.id, host)
  return getAggregate(ctx, id)
}

export async function removeHost(ctx: ComputeContext, id: string, host: string) {
  const a = await getAggregate(ctx, id)
  if (!(await removeAggregateHost(ctx.db, a.id, host))) {
    throw new NotFoundError(`Cannot remove host ${host} from aggregate ${id}: not found.`)
  }
  return getAggregate(ctx, id)
}

export async function setMetadata(
  ctx: ComputeContext,
  id: string,
  metadata: Record<string, string | null>,
): Promise<Aggregate> {
  const a = await getAggregate(ctx, id)
  await setAggregateMetadata(ctx.db, a.id, metadata)
  return getAggregate(ctx, id)
}
