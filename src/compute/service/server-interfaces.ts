/** @module compute/service/server-interfaces: attach, detach and list a server's ports (os-interface) */
import { ServiceCallError } from '../../clients/errors.js'
import type { NetPort } from '../../clients/network-client.js'
import { RemoteError } from '../../core/bus/index.js'
import { BadRequestError, ConflictError } from '../../core/errors/index.js'
import { getInstance, updateInstance } from '../db/instances-repo.js'
import {
  ComputeValidationError,
  InterfaceHotplugFailedError,
  NetworkNotFoundError,
  PortInUseError,
  PortNotFoundError,
} from '../errors.js'
import type { Instance, Vif, VmState } from '../model/instance.js'
import { now, type Caller, type ComputeContext } from './context.js'
import { assertHostCan } from './host-capabilities.js'
import { recordEvent, startAction } from './instance-records.js'
import { assertState, assertUnlocked, findServer } from './server-access.js'

/**
 * The states a server may have its interfaces changed in, as Nova's: the guest exists on its host
 * and is not suspended (its saved machine state holds the devices it had).
 */
const INTERFACE_STATES: readonly VmState[] = ['active', 'paused', 'stopped']

/** How long the agent may take beyond the wait for the port: the hotplug itself. */
const HOTPLUG_MS = 60_000

/** One of a server's ports as os-interface shows it. */
export interface InterfaceAttachment {
  port: NetPort
  tag: string | null
}

/** What an attach asks for: a port, a network (with an address in it), or neither. */
export interface InterfaceRequest {
  portId?: string
  networkId?: string
  fixedIp?: string
  tag?: string
}

/** Networking's answer to a refused call, as this API's own error of the same status. */
function networkRefusal(error: unknown): Error {
  if (!(error instanceof ServiceCallError) || error.status >= 500) return error as Error
  const why = error.message.replace(/^\S+ answered \d+: /, '')
  if (error.status === 409) return new ConflictError(why)
  if (error.status === 404) return new PortNotFoundError(why)
  return new BadRequestError(why)
}

/** 409 unless the server's host has a driver that hot-plugs interfaces. */
async function assertHostPlugs(ctx: ComputeContext, instance: Instance, action: string) {
  const host = instance.host
  if (!host) {
    throw new ConflictError(
      `Cannot '${action}' instance ${instance.uuid}: the server has no host (it is shelved offloaded).`,
    )
  }
  await assertHostCan(ctx, instance, 'interfaceAttach', action, 'interface attach and detach')
  return host
}

/** The network an attach without port or network gets: the project's only one (Nova's rule). */
async function networkFor(ctx: ComputeContext, caller: Caller, request: InterfaceRequest) {
  if (request.networkId) {
    const network = await ctx.network.getNetwork(request.networkId)
    const usable =
      network && (caller.isAdmin || network.shared || network.projectId === caller.projectId)
    if (!usable) throw new NetworkNotFoundError(request.networkId)
    return network
  }
  const available = await ctx.network.networksFor(caller.projectId)
  const [only] = available
  if (!only) {
    throw new ComputeValidationError(
      `No specific network was requested and none are available for project '${caller.projectId}'.`,
    )
  }
  if (available.length > 1) {
    throw new ComputeValidationError(
      'Multiple possible networks found, use a Network ID to be more specific.',
    )
  }
  return only
}

/** A given port the caller may attach: visible to it and bound to no device. */
async function usablePort(ctx: ComputeContext, caller: Caller, portId: string) {
  const port = await ctx.network.getPort(portId)
  if (!port || (!caller.isAdmin && port.projectId !== caller.projectId)) {
    throw new PortNotFoundError(`Port id ${portId} could not be found.`)
  }
  if (port.deviceId !== '') throw new PortInUseError(portId)
  return port
}

function reasonOf(error: unknown): string {
  if (error instanceof RemoteError) return error.remoteMessage
  return error instanceof Error ? error.message : String(error)
}

/**
 * Nova's interface attach: binds the given port (or creates one on the network) to the server on
 * its host, has the agent hotplug it and wait for `network-vif-plugged` as a spawn does, then
 * records it with the server's interfaces (addresses, metadata, the guest's next spec). A failure
 * leaves the server as it was: a port created for it is deleted, a given one is released.
 */
export async function attachInterface(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  request: InterfaceRequest,
): Promise<InterfaceAttachment> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  assertState(instance, 'attach_interface', { vm: INTERFACE_STATES })
  const host = await assertHostPlugs(ctx, instance, 'attach_interface')
  const given = request.portId ? await usablePort(ctx, caller, request.portId) : undefined
  const network = given ? undefined : await networkFor(ctx, caller, request)
  await startAction(ctx, ctx.db, {
    uuid,
    action: 'attach_interface',
    requestId: caller.requestId,
    userId: caller.userId,
    projectId: caller.projectId,
  })
  const failed = async (reason: string) => {
    const base = { uuid, requestId: caller.requestId, event: 'compute_attach_interface', host }
    await recordEvent(ctx, { ...base, phase: 'start' })
    await recordEvent(ctx, { ...base, phase: 'finish', result: 'Error', traceback: reason })
  }
  let port: NetPort
  try {
    if (given) {
      port = await ctx.network.bindPort(given.id, uuid, host)
    } else {
      const groups = await ctx.network.securityGroupIds(
        instance.projectId,
        instance.requestSpec.securityGroups,
      )
      port = await ctx.network.createPort({
        networkId: network?.id ?? '',
        projectId: instance.projectId,
        deviceId: uuid,
        hostId: host,
        ...(request.fixedIp ? { fixedIp: request.fixedIp } : {}),
        ...(groups.length > 0 ? { securityGroups: groups } : {}),
      })
    }
  } catch (error) {
    await failed(reasonOf(error))
    throw networkRefusal(error)
  }
  const release = () =>
    (given ? ctx.network.unbindPort(port.id) : ctx.network.deletePort(port.id)).catch(
      (error: unknown) => ctx.logger.warn({ err: error, port: port.id }, 'releasing a port failed'),
    )
  const vif: Vif = {
    portId: port.id,
    networkId: port.networkId,
    networkName: network?.name ?? (await ctx.network.getNetwork(port.networkId))?.name ?? '',
    macAddress: port.macAddress,
    ips: port.fixedIps.map((ip) => ({
      address: ip.ipAddress,
      version: ip.ipAddress.includes(':') ? 6 : 4,
    })),
    created: !given,
    active: true,
    tag: request.tag ?? null,
  }
  const wait = ctx.config.vifPluggingTimeout
  try {
    await ctx.agents.attachInterface(
      host,
      {
        uuid,
        requestId: caller.requestId,
        vif: {
          portId: vif.portId,
          networkId: vif.networkId,
          macAddress: vif.macAddress,
          fixedIps: vif.ips.map((ip) => ip.address),
        },
        vifWait: {
          ports: port.status === 'ACTIVE' ? [] : [port.id],
          timeoutSeconds: wait,
          fatal: ctx.config.vifPluggingIsFatal,
        },
      },
      wait * 1000 + HOTPLUG_MS,
    )
  } catch (error) {
    await release()
    throw new InterfaceHotplugFailedError(
      `Failed to attach network adapter device to ${uuid}: ${reasonOf(error)}`,
    )
  }
  const recorded = await ctx.db.transaction().execute(async (tx) => {
    const fresh = await getInstance(tx, uuid)
    if (!fresh || fresh.deleted || fresh.taskState === 'deleting') return undefined
    const networkInfo = [...fresh.networkInfo.filter((v) => v.portId !== vif.portId), vif]
    return updateInstance(tx, uuid, { networkInfo, updatedAt: now(ctx) })
  })
  if (!recorded) {
    // Deleted meanwhile: its delete did not know this port, so it goes here.
    await release()
    throw new ConflictError(`Instance ${uuid} was deleted while its interface was attached.`)
  }
  const bound = (await ctx.network.getPort(port.id)) ?? port
  return { port: bound, tag: vif.tag ?? null }
}

/**
 * Nova's interface detach: the agent unplugs the port from the guest, then the port is deleted
 * when the compute service created it, or released (device, owner and host cleared) when it was
 * given, and the server forgets it. A failed unplug leaves the server with the port.
 */
export async function detachInterface(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  portId: string,
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  const vif = instance.networkInfo.find((v) => v.portId === portId)
  if (!vif) throw new PortNotFoundError(`Port id ${portId} could not be found.`)
  assertUnlocked(instance, caller)
  assertState(instance, 'detach_interface', { vm: INTERFACE_STATES })
  const host = await assertHostPlugs(ctx, instance, 'detach_interface')
  await startAction(ctx, ctx.db, {
    uuid,
    action: 'detach_interface',
    requestId: caller.requestId,
    userId: caller.userId,
    projectId: caller.projectId,
  })
  try {
    await ctx.agents.detachInterface(
      host,
      { uuid, requestId: caller.requestId, portId },
      HOTPLUG_MS,
    )
  } catch (error) {
    throw new InterfaceHotplugFailedError(
      `Failed to detach network adapter device from ${uuid}: ${reasonOf(error)}`,
    )
  }
  await ctx.db.transaction().execute(async (tx) => {
    const fresh = await getInstance(tx, uuid)
    if (!fresh) return
    const networkInfo = fresh.networkInfo.filter((v) => v.portId !== portId)
    await updateInstance(tx, uuid, { networkInfo, updatedAt: now(ctx) })
  })
  if (vif.created) await ctx.network.deletePort(portId)
  else await ctx.network.unbindPort(portId)
}
