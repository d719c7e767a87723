/** @module network/agents/dhcp/dnsmasq-config: the hosts file, options file and command line of one network's dnsmasq */
import type { DhcpNetwork } from '../../rpc/payloads.js'

/** The dotted netmask and network address of an IPv4 CIDR. */
export function ipv4Network(cidr: string): { address: string; netmask: string; prefix: number } {
  const [addr = '', bits = ''] = cidr.split('/')
  const prefix = Number(bits)
  const octets = addr.split('.').map(Number)
  if (
    octets.length !== 4 ||
    octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > 32
  ) {
    throw new TypeError(`'${cidr}' is not an IPv4 CIDR`)
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  const value = octets.reduce((acc, o) => ((acc << 8) | o) >>> 0, 0)
  const dotted = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')
  return { address: dotted((value & mask) >>> 0), netmask: dotted(mask), prefix }
}

/** The tag dnsmasq gives clients of one subnet. */
function tagOf(subnetId: string): string {
  return `subnet-${subnetId}`
}

/** `--dhcp-hostsfile`: one `MAC,hostname,IP` line per port address (static leases only). */
export function hostsFile(network: DhcpNetwork): string {
  return network.hosts
    .map((h) => `${h.macAddress},${h.hostname},${h.ipAddress}\n`)
    .sort()
    .join('')
}

/** `--dhcp-optsfile`: router, DNS servers, classless static routes and MTU per subnet. */
export function optsFile(network: DhcpNetwork): string {
  const lines: string[] = []
  for (const subnet of network.subnets) {
    const tag = `tag:${tagOf(subnet.id)}`
    if (subnet.gatewayIp) lines.push(`${tag},option:router,${subnet.gatewayIp}`)
    if (subnet.dnsNameservers.length > 0) {
      lines.push(`${tag},option:dns-server,${subnet.dnsNameservers.join(',')}`)
    }
    if (subnet.hostRoutes.length > 0) {
      // clients that take classless routes ignore the router option (RFC 3442): repeat the default
      const routes = subnet.hostRoutes.map((r) => `${r.destination},${r.nexthop}`)
      if (subnet.gatewayIp) routes.push(`0.0.0.0/0,${subnet.gatewayIp}`)
      lines.push(`${tag},option:classless-static-route,${routes.join(',')}`)
    }
    lines.push(`${tag},option:mtu,${network.mtu}`)
  }
  return lines.map((l) => `${l}\n`).join('')
}

/** The dnsmasq arguments for a network whose files live in `dir`, listening on `device`. */
export function dnsmasqArgs(network: DhcpNetwork, dir: string, device: string): string[] {
  return [
    '--conf-file=/dev/null',
    // the files live under the data directory, which only root may read
    '--user=root',
    '--keep-in-foreground',
    '--no-hosts',
    '--no-resolv',
    '--port=0',
    '--leasefile-ro',
    '--dhcp-authoritative',
    '--bind-interfaces',
    `--interface=${device}`,
    '--except-interface=lo',
    `--pid-file=${dir}/pid`,
    `--dhcp-hostsfile=${dir}/host`,
    `--dhcp-optsfile=${dir}/opts`,
    ...network.subnets.map((s) => {
      const { address, netmask } = ipv4Network(s.cidr)
      return `--dhcp-range=set:${tagOf(s.id)},${address},static,${netmask},86400s`
    }),
  ]
}
