/** @module network/agents/metadata/haproxy-config: the configuration of the haproxy a namespace runs as its metadata proxy */

/** Where a namespace proxy listens and whose requests it carries. */
export interface NamespaceProxySpec {
  /** `router` for a qrouter namespace, `network` for an isolated network's qdhcp namespace. */
  kind: 'router' | 'network'
  /** The router or network id the proxy stamps on each request. */
  resourceId: string
  /** `0.0.0.0` (router: redirected to) or `169.254.169.254` (network: the address itself). */
  bindAddress: string
  bindPort: number
}

/** The port a router's proxy listens on (Neutron's 9697); 169.254.169.254:80 is redirected there. */
export const ROUTER_PROXY_PORT = 9697
/** The metadata address guests ask. */
export const METADATA_ADDRESS = '169.254.169.254'

const SAFE = /^[A-Za-z0-9_.:/-]+$/

function safe(value: string, what: string): string {
  if (!SAFE.test(value)) throw new TypeError(`haproxy ${what} '${value}' has unsafe characters`)
  return value
}

/**
 * haproxy's configuration: an HTTP listener that replaces the guest's X-Forwarded-For and any
 * X-Neutron-*-ID header with its own (the source address and the resource id) and forwards to
 * the metadata proxy's UNIX socket, with timeouts so no guest request hangs.
 */
export function haproxyConfig(
  spec: NamespaceProxySpec,
  socketPath: string,
  pidFile: string,
): string {
  const header = spec.kind === 'router' ? 'X-Neutron-Router-ID' : 'X-Neutron-Network-ID'
  return [
    'global',
    '    maxconn 1024',
    `    pidfile ${safe(pidFile, 'pid file')}`,
    '',
    'defaults',
    '    mode http',
    '    option http-server-close',
    '    retries 2',
    '    timeout http-request 30s',
    '    timeout connect 5s',
    '    timeout client 32s',
    '    timeout server 32s',
    '    timeout http-keep-alive 30s',
    '',
    'listen listener',
    `    bind ${safe(spec.bindAddress, 'address')}:${spec.bindPort}`,
    `    server metadata ${safe(socketPath, 'socket path')}`,
    '    http-request del-header X-Neutron-Router-ID',
    '    http-request del-header X-Neutron-Network-ID',
    `    http-request set-header ${header} ${safe(spec.resourceId, 'resource id')}`,
    '    http-request set-header X-Forwarded-For %[src]',
    '',
  ].join('\n')
}
