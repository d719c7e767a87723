/** @module compute/conductor/port-setup: ports for a server through the networking API */
import type { NetPort } from '../../clients/network-client.js'
import type { Reverter } from '../../core/tasks/index.js'
import { ComputeValidationError } from '../errors.js'
import type { Instance, Vif } from '../model/instance.js'
import type { ConductorContext } from './conductor-context.js'

async function vifOf(ctx: ConductorContext, port: NetPort, created: boolean): Promise<Vif> {
  const network = await ctx.network.getNetwork(port.networkId)
  return {
    portId: port.id,
    networkId: port.networkId,
    networkName: network?.name ?? port.networkId,
    macAddress: port.macAddress,
    ips: port.fixedIps.map((ip) => ({
      address: ip.ipAddress,
      version: ip.ipAddress.includes(':') ? 6 : 4,
    })),
    created,
    active: port.status === 'ACTIVE',
  }
}

/**
 * Creates (or binds) the server's ports on `host`; each is registered with `revert` so a failed
 * build deletes the ports it created and releases the ones it was given.
 */
export async function allocatePorts(
  ctx: ConductorContext,
  instance: Instance,
  host: string,
  revert: Reverter,
): Promise<Vif[]> {
  const spec = instance.requestSpec
  if (spec.networks === 'none') return []
  let requests = spec.networks
  if (requests === 'auto') {
    const available = await ctx.network.networksFor(instance.projectId)
    if (available.length === 0) return []
    if (available.length > 1) {
      throw new ComputeValidationError(
        'Multiple possible networks found, use a Network ID to be more specific.',
      )
    }
    requests = [{ uuid: (available[0] as { id: string }).id }]
  }
  const groups = await ctx.network.securityGroupIds(instance.projectId, spec.securityGroups)
  const vifs: Vif[] = []
  for (const r of requests) {
    if (r.port) {
      const port = await ctx.network.bindPort(r.port, instance.uuid, host)
      revert.add(() => ctx.network.unbindPort(port.id), `unbind port ${port.id}`)
      vifs.push(await vifOf(ctx, port, false))
      continue
    }
    const port = await ctx.network.createPort({
      networkId: r.uuid ?? '',
      projectId: instance.projectId,
      deviceId: instance.uuid,
      hostId: host,
      ...(r.fixedIp ? { fixedIp: r.fixedIp } : {}),
      ...(groups.length > 0 ? { securityGroups: groups } : {}),
    })
    revert.add(() => ctx.network.deletePort(port.id), `delete port ${port.id}`)
    vifs.push(await vifOf(ctx, port, true))
  }
  return vifs
}

/** Deletes the ports the compute service created and releases the ones it was given. */
export async function releasePorts(ctx: ConductorContext, vifs: readonly Vif[]): Promise<void> {
  for (const vif of vifs) {
    if (vif.created) await ctx.network.deletePort(vif.portId)
    else await ctx.network.unbindPort(vif.portId)
  }
}
