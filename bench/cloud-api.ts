/** @module bench/cloud-api: JSON calls to a started cloud's APIs with an admin token */
import { access } from 'node:fs/promises'
import { nftDeleteTable } from '../src/core/sys/nft.js'
import { tableNames } from '../src/network/agents/l2/security-rules.js'
import type { Cloud } from '../test/e2e/cloud.js'

/** A response: its status and its JSON body (empty object when it has none). */
export interface ApiReply {
  status: number
  body: Record<string, any>
}

/** Issues an admin token for `cloud` and returns a caller of paths on its listener. */
export async function adminApi(
  cloud: Cloud,
): Promise<(method: string, path: string, body?: unknown) => Promise<ApiReply>> {
  const base = cloud.authUrl.replace(/\/v3$/, '')
  const auth = await fetch(`${cloud.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: 'admin', domain: { id: 'default' }, password: cloud.adminPassword },
          },
        },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  })
  const token = auth.headers.get('x-subject-token')
  if (auth.status !== 201 || !token) throw new Error(`admin token: ${auth.status}`)
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as ApiReply['body'] }
  }
}

/**
 * Deletes a network a bench made and waits (up to 30 s) until the agents have taken its DHCP
 * namespace and bridge away: they keep what they made across restarts, so a cloud stopped with
 * the network in place would leave them on the host.
 */
export async function deleteBenchNetwork(
  call: (method: string, path: string) => Promise<ApiReply>,
  networkId: string,
): Promise<void> {
  const ports = await call('GET', `/networking/v2.0/ports?network_id=${networkId}`)
  for (const port of (ports.body['ports'] ?? []) as { id: string; device_owner: string }[]) {
    if (!port.device_owner.startsWith('network:')) {
      await call('DELETE', `/networking/v2.0/ports/${port.id}`)
    }
  }
  await call('DELETE', `/networking/v2.0/networks/${networkId}`)
  const gone = (path: string) =>
    access(path).then(
      () => false,
      () => true,
    )
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const netns = await gone(`/run/netns/qdhcp-${networkId}`)
    const bridge = await gone(`/sys/class/net/brq${networkId.slice(0, 11)}`)
    if (netns && bridge) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  console.error(`bench: network ${networkId}'s namespace or bridge was still there after 30 s`)
}

/** Removes the security group tables the L2 agent of `host` keeps in nftables. */
export async function deleteHostTables(host: string): Promise<void> {
  const tables = tableNames(host)
  await nftDeleteTable('inet', tables.filter)
  await nftDeleteTable('bridge', tables.spoof)
}
