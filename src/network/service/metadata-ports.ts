/** @module network/service/metadata-ports: which port a metadata request came from (Neutron's metadata agent asks the same of the server) */
import { listPorts } from '../db/ports-repo.js'
import type { MetadataPort, MetadataPortQuery } from '../rpc/metadata-payloads.js'
import type { NetworkContext } from './context.js'
import { ROUTER_INTERFACE } from './routers.js'

/**
 * The one port holding `query.address` on the networks a router has interfaces on, or on the
 * network given; null when no port or more than one does (overlapping addresses behind one
 * router cannot be told apart, as in Neutron).
 */
export async function metadataPortFor(
  ctx: NetworkContext,
  query: MetadataPortQuery,
): Promise<MetadataPort | null> {
  let networkIds: string[]
  if (query.routerId) {
    const interfaces = await listPorts(ctx.db, { deviceId: query.routerId })
    networkIds = [
      ...new Set(
        interfaces
          .filter((p) => p.deviceOwner.startsWith(ROUTER_INTERFACE))
          .map((p) => p.networkId),
      ),
    ]
  } else {
    networkIds = query.networkId ? [query.networkId] : []
  }
  const ports = (await listPorts(ctx.db, { networkIds })).filter((p) =>
    p.fixedIps.some((f) => f.ipAddress === query.address),
  )
  const [port] = ports
  if (!port || ports.length > 1) return null
  return {
    id: port.id,
    deviceId: port.deviceId,
    deviceOwner: port.deviceOwner,
    projectId: port.projectId,
  }
}
