/** @module compute/service/server-info: instance actions, console output, zones, hosts */
import { NotFoundError } from '../../core/errors/index.js'
import { getAction, listActions, listEvents } from '../db/actions-repo.js'
import { listServices, updateService } from '../db/catalog-repo.js'
import { getInstance, listInstances } from '../db/instances-repo.js'
import { InstanceInvalidStateError, InstanceNotFoundError } from '../errors.js'
import { SERVICE_DOWN_SECONDS } from '../model/host-provider.js'
import { providerUuidFor } from '../model/host-provider.js'
import { now, type Caller, type ComputeContext } from './context.js'
import { findServer } from './server-access.js'

/** Actions of a server, including a deleted one's (as Nova shows them). */
export async function instanceActions(ctx: ComputeContext, caller: Caller, uuid: string) {
  const instance = await getInstance(ctx.db, uuid)
  if (!instance || (!caller.isAdmin && instance.projectId !== caller.projectId)) {
    throw new InstanceNotFoundError(uuid)
  }
  return listActions(ctx.db, uuid)
}

export async function instanceAction(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  requestId: string,
) {
  const actions = await instanceActions(ctx, caller, uuid)
  const found = actions.find((a) => a.requestId === requestId)
  if (!found)
    throw new NotFoundError(`Action for request_id ${requestId} on instance ${uuid} not found`)
  const action = await getAction(ctx.db, found.id)
  return { action: action ?? found, events: await listEvents(ctx.db, found.id) }
}

/** A server's ports, as the networking service has them (Nova's os-interface list). */
export async function serverInterfaces(ctx: ComputeContext, caller: Caller, uuid: string) {
  const instance = await findServer(ctx, caller, uuid)
  const tags = new Map(instance.networkInfo.map((v) => [v.portId, v.tag ?? null]))
  return {
    projectId: instance.projectId,
    ports: await ctx.network.portsOfDevice(instance.uuid),
    /** The tag an interface attach gave the port (null for others). */
    tagOf: (portId: string): string | null => tags.get(portId) ?? null,
  }
}

/** One port of a server; 404 when the port is not the server's. */
export async function serverInterface(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  portId: string,
) {
  const { projectId, ports, tagOf } = await serverInterfaces(ctx, caller, uuid)
  const port = ports.find((p) => p.id === portId)
  if (!port) throw new NotFoundError(`Instance ${uuid} is not attached to port ${portId}.`)
  return { projectId, port, tag: tagOf(port.id) }
}

export async function consoleOutput(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  length: number | null,
): Promise<string> {
  const instance = await findServer(ctx, caller, uuid)
  if (!instance.host || instance.vmState === 'building') {
    throw new InstanceInvalidStateError(uuid, 'vm_state', instance.vmState, 'get_console_output')
  }
  const text = await ctx.agents.getConsoleOutput(instance.host, uuid)
  if (length === null) return text
  // As Nova does: the last `length` pieces of the log split on newlines.
  return text.split('\n').slice(-length).join('\n')
}

/** Compute services with up/down from heartbeats. */
export async function computeServices(ctx: ComputeContext) {
  const t = ctx.clock.now()
  return (await listServices(ctx.db)).map((s) => ({
    id: s.id,
    host: s.host,
    binary: s.binary,
    disabled: Number(s.disabled) !== 0,
    disabledReason: s.disabled_reason,
    forcedDown: Number(s.forced_down) !== 0,
    up: Number(s.forced_down) === 0 && t - Date.parse(s.last_seen_at) < SERVICE_DOWN_SECONDS * 1000,
    updatedAt: s.last_seen_at,
  }))
}

export async function setServiceStatus(
  ctx: ComputeContext,
  id: string,
  changes: { disabled?: boolean; disabledReason?: string | null; forcedDown?: boolean },
) {
  const found = (await computeServices(ctx)).find((s) => s.id === id)
  if (!found) throw new NotFoundError(`Service ${id} could not be found.`)
  await updateService(ctx.db, id, { ...changes, at: now(ctx) })
  return (await computeServices(ctx)).find((s) => s.id === id) ?? found
}

/** Hypervisors: each compute host with its placement inventory and usage. */
export async function hypervisors(ctx: ComputeContext) {
  const services = (await computeServices(ctx)).filter((s) => s.binary === 'nova-compute')
  const out = []
  for (const [index, s] of services.entries()) {
    const usage = await ctx.placement.usages(providerUuidFor(s.host)).catch(() => ({}))
    const totals = await ctx.placement.totals(providerUuidFor(s.host)).catch(() => ({}))
    const servers = await listInstances(ctx.db, { host: s.host, deleted: false })
    out.push({
      id: providerUuidFor(s.host),
      index: index + 1,
      host: s.host,
      state: s.up ? 'up' : 'down',
      status: s.disabled ? 'disabled' : 'enabled',
      usage: usage as Record<string, number>,
      totals: totals as Record<string, number>,
      servers: servers.map((i) => ({ uuid: i.uuid, name: i.name })),
      service: s,
    })
  }
  return out
}
