/** @module network/agents/dhcp/dnsmasq-config: the hosts file, options file and command line of one network's dnsmasq */
import type { DhcpNetwork, DhcpSubnet } from '../../rpc/payloads.js'

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

/** The prefix length of a CIDR of either family. */
export function prefixLength(cidr: string): number {
  return Number(cidr.slice(cidr.indexOf('/') + 1))
}

/** `--dhcp-hostsfile`: one `MAC,hostname,IP` line per port address (static leases only). */
export function hostsFile(network: DhcpNetwork): string {
  return network.hosts
    .map((h) => {
      const address = h.ipAddress.includes(':') ? `[${h.ipAddress}]` : h.ipAddress
      return `${h.macAddress},${h.hostname},${address}\n`
    })
    .sort()
    .join('')
}

/**
 * `--dhcp-optsfile`: router, DNS servers, classless static routes and MTU per subnet; with
 * `metadataRoutes`, subnets no router serves also route 169.254.169.254 via the DHCP port.
 */
export function optsFile(network: DhcpNetwork, options: { metadataRoutes?: boolean } = {}): string {
  const lines: string[] = []
  for (const subnet of network.subnets) {
    const tag = `tag:${tagOf(subnet.id)}`
    if (subnet.ipVersion === 6) {
      // routes and MTU reach IPv6 hosts in router advertisements; DHCPv6 gives DNS servers
      if (subnet.dnsNameservers.length > 0) {
        const servers = subnet.dnsNameservers.map((a) => `[${a}]`).join(',')
        lines.push(`${tag},option6:dns-server,${servers}`)
      }
      continue
    }
    if (subnet.gatewayIp) lines.push(`${tag},option:router,${subnet.gatewayIp}`)
    if (subnet.dnsNameservers.length > 0) {
      lines.push(`${tag},option:dns-server,${subnet.dnsNameservers.join(',')}`)
    }
    const routes = subnet.hostRoutes.map((r) => `${r.destination},${r.nexthop}`)
    const metadataVia = options.metadataRoutes ? metadataNexthop(network, subnet) : undefined
    if (metadataVia) routes.unshift(`${METADATA_CIDR},${metadataVia}`)
    if (routes.length > 0) {
      // clients that take classless routes ignore the router option (RFC 3442): repeat the default
      if (subnet.gatewayIp) routes.push(`0.0.0.0/0,${subnet.gatewayIp}`)
      lines.push(`${tag},option:classless-static-route,${routes.join(',')}`)
    }
    lines.push(`${tag},option:mtu,${network.mtu}`)
  }
  return lines.map((l) => `${l}\n`).join('')
}

/** The metadata address as a host route. */
const METADATA_CIDR = '169.254.169.254/32'

/**
 * The DHCP port's address on an IPv4 subnet no router serves (Neutron's isolated metadata):
 * guests reach 169.254.169.254 through it. Undefined for a routed subnet, whose router answers.
 */
export function metadataNexthop(network: DhcpNetwork, subnet: DhcpSubnet): string | undefined {
  if (subnet.ipVersion !== 4 || subnet.routed) return undefined
  return network.port.fixedIps.find((f) => f.subnetId === subnet.id)?.ipAddress
}

/** Whether this network's dnsmasq advertises an IPv6 subnet: it has an RA mode but no router. */
function advertisedHere(subnet: DhcpSubnet): boolean {
  return subnet.ipVersion === 6 && subnet.ipv6RaMode !== null && !subnet.routed
}

/**
 * The `--dhcp-range` mode of an IPv6 subnet, as Neutron's dnsmasq driver chooses it: `static`
 * for stateful and stateless DHCPv6 (and subnets with no IPv6 modes), nothing for SLAAC. Where
 * no router advertises the subnet, dnsmasq does: `ra-only` for SLAAC, `ra-stateless` for
 * stateless DHCPv6 (both with the A flag), `static` for stateful (the M flag).
 */
function ipv6Mode(subnet: DhcpSubnet): string | undefined {
  const here = advertisedHere(subnet)
  switch (subnet.ipv6AddressMode) {
    case 'slaac':
      return here ? 'ra-only' : undefined
    case 'dhcpv6-stateless':
      return here ? 'ra-stateless' : 'static'
    default:
      return 'static'
  }
}

function rangeOf(subnet: DhcpSubnet): string | undefined {
  const set = `set:${tagOf(subnet.id)}`
  if (subnet.ipVersion === 4) {
    const { address, netmask } = ipv4Network(subnet.cidr)
    return `--dhcp-range=${set},${address},static,${netmask},86400s`
  }
  const mode = ipv6Mode(subnet)
  const prefix = prefixLength(subnet.cidr)
  // dnsmasq hands out and advertises IPv6 ranges of /64 or longer only (Neutron skips the rest)
  if (!mode || prefix < 64) return undefined
  return `--dhcp-range=${set},${subnet.cidr.slice(0, subnet.cidr.indexOf('/'))},${mode},${prefix},86400s`
}

/** The dnsmasq arguments for a network whose files live in `dir`, listening on `device`. */
export function dnsmasqArgs(network: DhcpNetwork, dir: string, device: string): string[] {
  const advertising = network.subnets.some(advertisedHere)
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
    ...network.subnets.flatMap((s) => rangeOf(s) ?? []),
    // advertisements name no default router: the network has none
    ...(advertising ? ['--enable-ra', `--ra-param=${device},mtu:${network.mtu},30,0`] : []),
  ]
}
