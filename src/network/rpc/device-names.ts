/** @module network/rpc/device-names: the kernel names of every object the data plane creates, derived from ids */

/** Interface names hold 15 bytes: a 3-4 letter prefix and the first 11 characters of the id. */
const ID_CHARS = 11

/** The Linux bridge of a network on every host (`brq` + network id), as Neutron's linuxbridge names it. */
export function bridgeName(networkId: string): string {
  return `brq${networkId.slice(0, ID_CHARS)}`
}

/** The host end of a port's interface (`tap` + port id): what compute plugs and the L2 agent enslaves. */
export function tapName(portId: string): string {
  return `tap${portId.slice(0, ID_CHARS)}`
}

/** The VXLAN device of a segment (`vxlan-<vni>`). */
export function vxlanName(vni: number): string {
  return `vxlan-${vni}`
}

/** The DHCP namespace of a network. */
export function dhcpNamespace(networkId: string): string {
  return `qdhcp-${networkId}`
}

/** The DHCP port's end inside its namespace (`ns-` + port id). */
export function dhcpInterfaceName(portId: string): string {
  return `ns-${portId.slice(0, ID_CHARS)}`
}

/** The namespace of a router. */
export function routerNamespace(routerId: string): string {
  return `qrouter-${routerId}`
}

/** A router's interface on one of its subnets, inside its namespace. */
export function routerInterfaceName(portId: string): string {
  return `qr-${portId.slice(0, ID_CHARS)}`
}

/** A router's gateway interface on the external network, inside its namespace. */
export function routerGatewayName(portId: string): string {
  return `qg-${portId.slice(0, ID_CHARS)}`
}

/** The id prefix a `tap` device carries, or undefined for another name. */
export function portIdPrefixOfTap(device: string): string | undefined {
  return /^tap[0-9a-f-]{11}$/.test(device) ? device.slice(3) : undefined
}
