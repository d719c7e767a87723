/** @module network/agents/l3/router-rules: the nftables NAT table of one router namespace */
import type { L3Router } from '../../rpc/payloads.js'

/** The table every router namespace carries. */
export const ROUTER_TABLE = { family: 'ip', name: 'nimbus-router' } as const

function quoted(device: string): string {
  return `"${device.replaceAll('"', '')}"`
}

/**
 * The body of the router's NAT table: floating IPs as DNAT (incoming and from the router
 * itself) paired with SNAT of their fixed address out of the gateway, then SNAT of everything
 * else leaving the gateway to the gateway address when `enableSnat`. Established flows keep
 * their translation in conntrack when this table is replaced.
 */
export function routerNatTable(router: L3Router, gatewayDevice: string | undefined): string {
  const pre: string[] = []
  const post: string[] = []
  const gatewayIp = router.gateway?.cidrs[0]?.split('/')[0]
  if (gatewayDevice && router.gateway) {
    for (const fip of router.floatingIps) {
      pre.push(`ip daddr ${fip.floatingIpAddress} dnat to ${fip.fixedIpAddress}`)
      post.push(
        `oifname ${quoted(gatewayDevice)} ip saddr ${fip.fixedIpAddress} snat to ${fip.floatingIpAddress}`,
      )
    }
    if (router.enableSnat && gatewayIp) {
      post.push(`oifname ${quoted(gatewayDevice)} ip saddr != ${gatewayIp} snat to ${gatewayIp}`)
    }
  }
  const chain = (name: string, hook: string, priority: string, rules: string[]) =>
    [
      `  chain ${name} {`,
      `    type nat hook ${hook} priority ${priority}`,
      ...rules.map((r) => `    ${r}`),
      '  }',
    ].join('\n')
  return [
    chain('prerouting', 'prerouting', 'dstnat', pre),
    chain('output', 'output', '-100', pre),
    chain('postrouting', 'postrouting', 'srcnat', post),
  ].join('\n')
}
