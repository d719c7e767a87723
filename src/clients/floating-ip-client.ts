/** @module clients/floating-ip-client: Networking floating IPs, for Nova's os-floating-ips proxy */
import { restCall, type RestEndpoint } from './rest-client.js'

type Json = Record<string, unknown>

/** A floating IP with the device of the port it is bound to. */
export interface ProxiedFloatingIp {
  id: string
  address: string
  fixedAddress: string | null
  portId: string | null
  /** The server owning the bound port, if any. */
  deviceId: string | null
  /** Name of the external network the address comes from. */
  pool: string
}

/** Floating IPs as the caller (whose token the endpoint carries) sees them. */
export interface FloatingIpClient {
  list(projectId: string): Promise<ProxiedFloatingIp[]>
  get(id: string): Promise<ProxiedFloatingIp>
  findByAddress(address: string): Promise<ProxiedFloatingIp | undefined>
  /** Names of the external networks (Nova's floating IP pools). */
  pools(): Promise<string[]>
  /** Allocates from the external network named (or with the id) `pool`; undefined: no such pool. */
  create(pool: string, projectId: string): Promise<ProxiedFloatingIp | undefined>
  delete(id: string): Promise<void>
  associate(id: string, portId: string, fixedAddress: string | null): Promise<void>
  disassociate(id: string): Promise<void>
}

export function createFloatingIpClient(endpoint: RestEndpoint): FloatingIpClient {
  const externals = async () => {
    const r = await restCall(endpoint, 'GET', '/networks?router:external=true')
    return (r.body as { networks: Json[] }).networks
  }
  const view = async (list: Json[]): Promise<ProxiedFloatingIp[]> => {
    const nets = new Map((await externals()).map((n) => [String(n['id']), String(n['name'])]))
    const portIds = [...new Set(list.map((f) => f['port_id']).filter((p) => typeof p === 'string'))]
    const devices = new Map<string, string>()
    if (portIds.length > 0) {
      const q = portIds.map((id) => `id=${encodeURIComponent(String(id))}`).join('&')
      const r = await restCall(endpoint, 'GET', `/ports?${q}`)
      for (const p of (r.body as { ports: Json[] }).ports) {
        devices.set(String(p['id']), String(p['device_id'] ?? ''))
      }
    }
    return list.map((f) => {
      const portId = (f['port_id'] as string | null) ?? null
      return {
        id: String(f['id']),
        address: String(f['floating_ip_address']),
        fixedAddress: (f['fixed_ip_address'] as string | null) ?? null,
        portId,
        deviceId: (portId ? devices.get(portId) : undefined) || null,
        pool: nets.get(String(f['floating_network_id'])) ?? String(f['floating_network_id']),
      }
    })
  }
  const one = async (f: Json) => (await view([f]))[0] as ProxiedFloatingIp
  return {
    async list(projectId) {
      const r = await restCall(
        endpoint,
        'GET',
        `/floatingips?project_id=${encodeURIComponent(projectId)}`,
      )
      return view((r.body as { floatingips: Json[] }).floatingips)
    },
    async get(id) {
      const r = await restCall(endpoint, 'GET', `/floatingips/${encodeURIComponent(id)}`)
      return one((r.body as { floatingip: Json }).floatingip)
    },
    async findByAddress(address) {
      const q = `floating_ip_address=${encodeURIComponent(address)}`
      const r = await restCall(endpoint, 'GET', `/floatingips?${q}`)
      const found = (r.body as { floatingips: Json[] }).floatingips[0]
      return found ? one(found) : undefined
    },
    async pools() {
      return (await externals()).map((n) => String(n['name']))
    },
    async create(pool, projectId) {
      const net = (await externals()).find((n) => n['name'] === pool || n['id'] === pool)
      if (!net) return undefined
      const r = await restCall(endpoint, 'POST', '/floatingips', {
        body: { floatingip: { floating_network_id: net['id'], project_id: projectId } },
      })
      return one((r.body as { floatingip: Json }).floatingip)
    },
    async delete(id) {
      await restCall(endpoint, 'DELETE', `/floatingips/${encodeURIComponent(id)}`)
    },
    async associate(id, portId, fixedAddress) {
      await restCall(endpoint, 'PUT', `/floatingips/${encodeURIComponent(id)}`, {
        body: {
          floatingip: {
            port_id: portId,
            ...(fixedAddress ? { fixed_ip_address: fixedAddress } : {}),
          },
        },
      })
    },
    async disassociate(id) {
      await restCall(endpoint, 'PUT', `/floatingips/${encodeURIComponent(id)}`, {
        body: { floatingip: { port_id: null } },
      })
    },
  }
}
