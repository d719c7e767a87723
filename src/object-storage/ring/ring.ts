/** @module object-storage/ring/ring: maps accounts, containers and objects to devices */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile, rename, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'

/** One device of the ring: a folder on a storage node. */
export interface RingDevice {
  id: number
  name: string
  zone: number
  weight: number
  /** Folder of the device on its node. */
  path: string
}

/** The ring as stored: partition power, replicas, devices and the replica-to-device table. */
export interface RingData {
  partPower: number
  replicas: number
  /** Mixed into every hash so rings of different clusters differ (Swift's swift_hash_path_suffix). */
  hashSuffix: string
  devices: RingDevice[]
  /** `assignments[replica][partition]` is a device id. */
  assignments: number[][]
}

/** Where one account, container or object lives. */
export interface RingNodes {
  partition: number
  /** Hash of the path, hex; also names the item on disk. */
  hash: string
  nodes: RingDevice[]
  /** Other devices, in order, to use when a primary is down. */
  handoffs: RingDevice[]
}

/** Swift's hash of `/account[/container[/object]]`. */
export function hashPath(suffix: string, account: string, container?: string, object?: string) {
  const parts = [account, container, object].filter((p): p is string => p !== undefined)
  return createHash('md5')
    .update(`/${parts.join('/')}${suffix}`)
    .digest('hex')
}

/**
 * Assigns each partition's replicas to devices: weighted by device, never two replicas of a
 * partition on one device, preferring distinct zones (Swift's "as unique as possible"). With a
 * `previous` ring, a replica stays where it was while its device is still in the ring, weighted,
 * not over its share and not already holding the partition, so a rebalance moves few partitions.
 */
export function rebalance(ring: Omit<RingData, 'assignments'>, previous?: RingData): RingData {
  const parts = 2 ** ring.partPower
  const devices = ring.devices.filter((d) => d.weight > 0)
  const replicas = Math.min(ring.replicas, devices.length)
  const totalWeight = devices.reduce((sum, d) => sum + d.weight, 0)
  const wanted = new Map(devices.map((d) => [d.id, (d.weight / totalWeight) * parts * replicas]))
  const load = new Map(devices.map((d) => [d.id, 0]))
  const byId = new Map(devices.map((d) => [d.id, d]))
  const assignments: number[][] = Array.from({ length: replicas }, () => new Array<number>(parts))
  const used: RingDevice[][] = Array.from({ length: parts }, () => [])
  const place = (part: number, replica: number, device: RingDevice) => {
    used[part]?.push(device)
    load.set(device.id, (load.get(device.id) ?? 0) + 1)
    const row = assignments[replica]
    if (row) row[part] = device.id
  }
  const kept = new Set<string>()
  for (let replica = 0; replica < replicas && previous; replica++) {
    for (let part = 0; part < parts; part++) {
      const device = byId.get(previous.assignments[replica]?.[part] ?? -1)
      if (!device || used[part]?.includes(device)) continue
      if ((load.get(device.id) ?? 0) + 1 > Math.ceil(wanted.get(device.id) ?? 0)) continue
      place(part, replica, device)
      kept.add(`${replica}/${part}`)
    }
  }
  for (let part = 0; part < parts; part++) {
    for (let replica = 0; replica < replicas; replica++) {
      if (kept.has(`${replica}/${part}`)) continue
      const taken = used[part] ?? []
      const candidates = devices.filter((d) => !taken.includes(d))
      candidates.sort((a, b) => {
        const zoneA = taken.some((u) => u.zone === a.zone) ? 1 : 0
        const zoneB = taken.some((u) => u.zone === b.zone) ? 1 : 0
        if (zoneA !== zoneB) return zoneA - zoneB
        const needA = (wanted.get(a.id) ?? 0) - (load.get(a.id) ?? 0)
        const needB = (wanted.get(b.id) ?? 0) - (load.get(b.id) ?? 0)
        return needB - needA || a.id - b.id
      })
      const chosen = candidates[0]
      if (chosen) place(part, replica, chosen)
    }
  }
  return {
    partPower: ring.partPower,
    replicas,
    hashSuffix: ring.hashSuffix,
    devices: ring.devices,
    assignments,
  }
}

/** Account and container places a ring remembers before it starts over. */
const MAX_KNOWN_PLACES = 4096

/** A loaded ring answering where things live. */
export class Ring {
  readonly data: RingData
  private readonly shift: number
  private readonly byId: Map<number, RingDevice>
  /** Each partition's primaries and handoffs, worked out on first use. */
  private readonly partitions: { nodes: RingDevice[]; handoffs: RingDevice[] }[] = []
  /** Places of accounts and containers, which every object request asks for again. */
  private readonly places = new Map<string, RingNodes>()

  constructor(data: RingData) {
    this.data = data
    this.shift = 32 - data.partPower
    this.byId = new Map(data.devices.map((d) => [d.id, d]))
  }

  get devices(): readonly RingDevice[] {
    return this.data.devices
  }

  get replicaCount(): number {
    return this.data.assignments.length
  }

  /** The primary devices and handoffs of a path. */
  nodesFor(account: string, container?: string, object?: string): RingNodes {
    const key = object === undefined ? JSON.stringify([account, container]) : undefined
    const known = key === undefined ? undefined : this.places.get(key)
    if (known) return { ...known, nodes: [...known.nodes], handoffs: [...known.handoffs] }
    const hash = hashPath(this.data.hashSuffix, account, container, object)
    const partition = Number.parseInt(hash.slice(0, 8), 16) >>> this.shift
    const place = { partition, hash, ...this.partitionNodes(partition) }
    if (key !== undefined) {
      if (this.places.size >= MAX_KNOWN_PLACES) this.places.clear()
      this.places.set(key, { ...place, nodes: [...place.nodes], handoffs: [...place.handoffs] })
    }
    return place
  }

  /** The primaries and handoffs of a partition (fresh arrays: callers may change them). */
  partitionNodes(partition: number): { nodes: RingDevice[]; handoffs: RingDevice[] } {
    const known = (this.partitions[partition] ??= this.workOutPartition(partition))
    return { nodes: [...known.nodes], handoffs: [...known.handoffs] }
  }

  private workOutPartition(partition: number): { nodes: RingDevice[]; handoffs: RingDevice[] } {
    const nodes: RingDevice[] = []
    for (const row of this.data.assignments) {
      const device = this.byId.get(row[partition] ?? -1)
      if (device) nodes.push(device)
    }
    const handoffs = this.data.devices.filter((d) => !nodes.includes(d) && d.weight > 0)
    return { nodes, handoffs }
  }
}

/** Reads a ring file, or builds, saves and returns `build()` when there is none. */
export async function loadOrBuildRing(file: string, build: () => RingData): Promise<Ring> {
  if (existsSync(file)) return new Ring(JSON.parse(readFileSync(file, 'utf8')) as RingData)
  const data = build()
  await saveRing(file, data)
  return new Ring(data)
}

/** Writes a ring file atomically. */
export async function saveRing(file: string, data: RingData): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const temp = `${file}.tmp`
  await writeFile(temp, JSON.stringify(data))
  await rename(temp, file)
}
