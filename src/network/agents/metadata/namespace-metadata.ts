/** @module network/agents/metadata/namespace-metadata: 169.254.169.254:80 inside a router or DHCP namespace, redirected to that namespace's proxy */
import { nftDeleteTable, nftReplaceTable } from '../../../core/sys/nft.js'
import { METADATA_ADDRESS, ROUTER_PROXY_PORT } from './haproxy-config.js'
import type { NamespaceProxies } from './namespace-proxies.js'

/** The nftables table of the redirect, beside the router's own. */
export const METADATA_TABLE = { family: 'ip', name: 'nimbus-metadata' } as const

/**
 * The table's body: TCP to 169.254.169.254:80 coming in (on `inboundDevices` when given, as a
 * router takes it only from its subnets) is redirected to the proxy's port, and the proxy's
 * port takes nothing that was not redirected (a router's gateway side never reaches it).
 */
export function metadataRedirectTable(inboundDevices?: string): string {
  const from = inboundDevices ? `iifname "${inboundDevices.replaceAll('"', '')}" ` : ''
  return [
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat - 10',
    `    ${from}ip daddr ${METADATA_ADDRESS} tcp dport 80 redirect to :${ROUTER_PROXY_PORT}`,
    '  }',
    '  chain input {',
    '    type filter hook input priority filter',
    `    tcp dport ${ROUTER_PROXY_PORT} ct original ip daddr != ${METADATA_ADDRESS} drop`,
    '  }',
  ].join('\n')
}

/** Where a namespace's metadata service applies. */
export interface NamespaceMetadata {
  netns: string
  kind: 'router' | 'network'
  resourceId: string
}

/** Makes guests' 169.254.169.254:80 reach the namespace's proxy, which it starts if needed. */
export async function serveMetadataIn(
  target: NamespaceMetadata,
  proxies: NamespaceProxies,
): Promise<void> {
  const where = { netns: target.netns }
  const body = metadataRedirectTable(target.kind === 'router' ? 'qr-*' : undefined)
  await nftReplaceTable(METADATA_TABLE.family, METADATA_TABLE.name, body, where)
  await proxies.ensure(target.netns, {
    kind: target.kind,
    resourceId: target.resourceId,
    bindAddress: '0.0.0.0',
    bindPort: ROUTER_PROXY_PORT,
  })
}

/** Takes the redirect and the proxy away (the namespace stays); idempotent. */
export async function stopMetadataIn(
  target: Omit<NamespaceMetadata, 'kind'> & { netnsExists: boolean },
  proxies: NamespaceProxies,
): Promise<void> {
  await proxies.remove(target.resourceId)
  if (target.netnsExists) {
    await nftDeleteTable(METADATA_TABLE.family, METADATA_TABLE.name, { netns: target.netns })
  }
}
