/** @module core/sys/ip-link: network interfaces, addresses and routes through iproute2 (`ip`) */
import { readFile } from 'node:fs/promises'
import { exec, ExecError, type ExecOptions } from './exec.js'

const IP = 'ip'
const TIMEOUT = { timeoutMs: 10_000 }
const IFNAME = /^[A-Za-z0-9_.@-]{1,15}$/

/** An interface as `ip -j -d link` describes it. */
export interface LinkInfo {
  name: string
  /** `bridge`, `vxlan`, `veth`, `tun`, ... or '' for a plain device. */
  kind: string
  mac: string
  mtu: number
  up: boolean
  /** The bridge it is enslaved to, if any. */
  master?: string
  /** VXLAN network identifier, for `vxlan` links. */
  vni?: number
  /** Local VTEP address and UDP port, for `vxlan` links. */
  vxlan?: { local: string; port: number }
}

/** An address on an interface. */
export interface AddressInfo {
  device: string
  /** `10.0.0.1/24` */
  cidr: string
  family: 4 | 6
}

/** Where a command runs: the host (default) or a named namespace. */
export interface Where {
  netns?: string
}

function ip(where: Where, args: readonly string[], options: ExecOptions = {}) {
  return exec(IP, [...(where.netns ? ['-n', where.netns] : []), ...args], {
    ...TIMEOUT,
    ...options,
  })
}

/** Throws a TypeError for a name the kernel would refuse (over 15 bytes, odd characters). */
export function checkIfname(name: string): void {
  if (!IFNAME.test(name)) throw new TypeError(`'${name}' is not a valid interface name`)
}

interface RawLink {
  ifname: string
  address?: string
  mtu: number
  flags?: string[]
  master?: string
  linkinfo?: {
    info_kind?: string
    info_data?: { id?: number; local?: string; local6?: string; port?: number }
  }
}

/** Every interface of the host or of a namespace. */
export async function listLinks(where: Where = {}): Promise<LinkInfo[]> {
  const { stdout } = await ip(where, ['-j', '-d', 'link', 'show'])
  const rows = JSON.parse(stdout || '[]') as RawLink[]
  return rows.map((r) => ({
    name: r.ifname,
    kind: r.linkinfo?.info_kind ?? '',
    mac: r.address ?? '',
    mtu: r.mtu,
    up: (r.flags ?? []).includes('UP'),
    ...(r.master ? { master: r.master } : {}),
    ...(r.linkinfo?.info_data?.id !== undefined ? { vni: r.linkinfo.info_data.id } : {}),
    ...(r.linkinfo?.info_kind === 'vxlan'
      ? {
          vxlan: {
            local: r.linkinfo.info_data?.local ?? r.linkinfo.info_data?.local6 ?? '',
            port: r.linkinfo.info_data?.port ?? 0,
          },
        }
      : {}),
  }))
}

/** One interface, or undefined when it does not exist. */
export async function getLink(name: string, where: Where = {}): Promise<LinkInfo | undefined> {
  checkIfname(name)
  return (await listLinks(where)).find((l) => l.name === name)
}

/**
 * The MTU of an interface of this process's namespace, read from sysfs without running `ip`;
 * undefined when there is no such interface.
 */
export async function hostLinkMtu(name: string): Promise<number | undefined> {
  checkIfname(name)
  try {
    return Number((await readFile(`/sys/class/net/${name}/mtu`, 'utf8')).trim())
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Creates a bridge (no STP, forwarding at once) unless it exists. */
export async function ensureBridge(name: string, where: Where = {}): Promise<void> {
  checkIfname(name)
  if (await getLink(name, where)) return
  await ip(where, ['link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'])
}

/** What a VXLAN device needs. */
export interface VxlanSpec {
  name: string
  vni: number
  /** The local VTEP address. */
  local: string
  /** The underlay device (optional). */
  device?: string
  /** UDP port; default 4789. */
  port?: number
}

/**
 * Makes `name` a VXLAN device with learning off (peers come from static FDB entries): does
 * nothing when it exists with this VNI, local address and port, replaces it when it differs.
 * Resolves true when it created the device (which then has no master, FDB entries and is down).
 */
export async function ensureVxlan(spec: VxlanSpec, where: Where = {}): Promise<boolean> {
  checkIfname(spec.name)
  const link = await getLink(spec.name, where)
  const port = spec.port ?? 4789
  if (link?.vni === spec.vni && link.vxlan?.local === spec.local && link.vxlan.port === port) {
    return false
  }
  if (link) await ip(where, ['link', 'delete', spec.name])
  await ip(where, [
    'link',
    'add',
    spec.name,
    'type',
    'vxlan',
    'id',
    String(spec.vni),
    'local',
    spec.local,
    ...(spec.device ? ['dev', spec.device] : []),
    'dstport',
    String(port),
    'nolearning',
  ])
  return true
}

/** Creates a veth pair unless `name` exists; `peerNetns` puts the peer in a namespace. */
export async function ensureVeth(
  name: string,
  peer: string,
  options: Where & { peerNetns?: string } = {},
): Promise<void> {
  checkIfname(name)
  checkIfname(peer)
  if (await getLink(name, options)) return
  await ip(options, [
    'link',
    'add',
    name,
    'type',
    'veth',
    'peer',
    'name',
    peer,
    ...(options.peerNetns ? ['netns', options.peerNetns] : []),
  ])
}

/** Changes of {@link setLink}. */
export interface LinkChanges {
  up?: boolean
  /** A bridge to enslave to; `null` releases it. */
  master?: string | null
  mtu?: number
  mac?: string
  /** Moves the link into a namespace. */
  netns?: string
}

/** Applies `changes` to an interface. */
export async function setLink(
  name: string,
  changes: LinkChanges,
  where: Where = {},
): Promise<void> {
  checkIfname(name)
  const args: string[] = []
  if (changes.mac !== undefined) args.push('address', changes.mac)
  if (changes.mtu !== undefined) args.push('mtu', String(changes.mtu))
  if (changes.master === null) args.push('nomaster')
  else if (changes.master !== undefined) args.push('master', changes.master)
  if (changes.netns !== undefined) args.push('netns', changes.netns)
  if (changes.up !== undefined) args.push(changes.up ? 'up' : 'down')
  if (args.length > 0) await ip(where, ['link', 'set', 'dev', name, ...args])
}

/** Sets interfaces up, all in one `ip` batch. */
export async function setLinksUp(names: readonly string[], where: Where = {}): Promise<void> {
  for (const name of names) checkIfname(name)
  if (names.length === 0) return
  const batch = names.map((name) => `link set dev ${name} up`).join('\n')
  await ip(where, ['-batch', '-'], { input: batch })
}

/**
 * Deletes an interface; does nothing when it is gone, also when it goes meanwhile (a veth goes
 * with its peer's namespace, which the kernel cleans up after `ip netns delete` returns).
 */
export async function deleteLink(name: string, where: Where = {}): Promise<void> {
  checkIfname(name)
  if (!(await getLink(name, where))) return
  await ip(where, ['link', 'del', 'dev', name]).catch((error: unknown) => {
    if (error instanceof ExecError && /Cannot find device/.test(error.stderr)) return
    throw error
  })
}

interface RawAddr {
  ifname: string
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string }[]
}

/** The global addresses of the host's or a namespace's interfaces. */
export async function listAddresses(where: Where = {}): Promise<AddressInfo[]> {
  const { stdout } = await ip(where, ['-j', 'addr', 'show'])
  const rows = JSON.parse(stdout || '[]') as RawAddr[]
  return rows.flatMap((r) =>
    (r.addr_info ?? [])
      .filter((a) => a.scope !== 'link' && a.scope !== 'host')
      .map((a) => ({
        device: r.ifname,
        cidr: `${a.local}/${a.prefixlen}`,
        family: a.family === 'inet6' ? (6 as const) : (4 as const),
      })),
  )
}

/** Makes `cidrs` exactly the global addresses of `device` (adds the missing, removes the rest). */
export async function syncAddresses(
  device: string,
  cidrs: readonly string[],
  where: Where = {},
): Promise<void> {
  checkIfname(device)
  const present = (await listAddresses(where)).filter((a) => a.device === device)
  for (const a of present) {
    if (!cidrs.includes(a.cidr)) await ip(where, ['addr', 'del', a.cidr, 'dev', device])
  }
  for (const cidr of cidrs) {
    if (!present.some((a) => a.cidr === cidr)) {
      await ip(where, ['addr', 'add', cidr, 'dev', device])
    }
  }
}

/** Adds or replaces a route (`ip route replace`); `via` absent makes it on-link through `device`. */
export async function replaceRoute(
  route: { destination: string; via?: string; device?: string },
  where: Where = {},
): Promise<void> {
  await ip(where, [
    'route',
    'replace',
    route.destination,
    ...(route.via ? ['via', route.via] : []),
    ...(route.device ? ['dev', route.device] : []),
  ])
}

/** The IPv4 routes of the main table, as `destination via gateway`. */
export async function listRoutes(
  where: Where = {},
): Promise<{ destination: string; via?: string; device?: string }[]> {
  const { stdout } = await ip(where, ['-j', '-4', 'route', 'show'])
  const rows = JSON.parse(stdout || '[]') as { dst: string; gateway?: string; dev?: string }[]
  return rows.map((r) => ({
    destination: r.dst,
    ...(r.gateway ? { via: r.gateway } : {}),
    ...(r.dev ? { device: r.dev } : {}),
  }))
}

/** Deletes a route; does nothing when it is absent. */
export async function deleteRoute(destination: string, where: Where = {}): Promise<void> {
  await ip(where, ['route', 'del', destination], { okCodes: [0, 2] })
}
