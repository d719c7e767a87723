/** @module object-storage/ring/ring-builder: the operator's ring: devices, weights, rebalance */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile, rename, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { rebalance, saveRing, type RingData, type RingDevice } from './ring.js'

/** The builder's state: what the operator asked for, before partitions are assigned. */
export interface RingBuilderData {
  partPower: number
  replicas: number
  hashSuffix: string
  devices: RingDevice[]
}

/** Bad input to a ring command (unknown device, bad weight, too few devices, ...). */
export class RingBuildError extends Error {
  override name = 'RingBuildError'
}

/** The files of an object storage data dir's ring. */
export function ringFiles(dataDir: string): { root: string; builder: string; ring: string } {
  const root = join(dataDir, 'object-storage')
  return { root, builder: join(root, 'object.builder.json'), ring: join(root, 'object.ring.json') }
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined
}

/** The builder of a data dir; an all-in-one's own ring serves as builder when none was made. */
export function loadBuilder(dataDir: string): RingBuilderData {
  const files = ringFiles(dataDir)
  const builder = readJson<RingBuilderData>(files.builder)
  if (builder) return builder
  const ring = readJson<RingData>(files.ring)
  if (ring) {
    const { partPower, replicas, hashSuffix, devices } = ring
    return { partPower, replicas, hashSuffix, devices }
  }
  throw new RingBuildError(
    `no ring in ${files.root}; run 'nimbus object-storage ring create' first`,
  )
}

/** Saves the builder atomically. */
export async function saveBuilder(dataDir: string, data: RingBuilderData): Promise<void> {
  const { builder } = ringFiles(dataDir)
  await mkdir(dirname(builder), { recursive: true })
  await writeFile(`${builder}.tmp`, JSON.stringify(data, null, 2))
  await rename(`${builder}.tmp`, builder)
}

function checkInt(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RingBuildError(`${what} must be a whole number from ${min} to ${max}, not ${value}`)
}

/**
 * A new builder. The hash suffix of an existing ring is kept, so objects already stored keep
 * their names on disk.
 */
export function createBuilder(
  dataDir: string,
  options: { partPower: number; replicas: number },
): RingBuilderData {
  checkInt('part power', options.partPower, 1, 20)
  checkInt('replicas', options.replicas, 1, 6)
  const files = ringFiles(dataDir)
  if (existsSync(files.builder))
    throw new RingBuildError(`a ring builder already exists: ${files.builder}`)
  const existing = readJson<RingData>(files.ring)
  return {
    partPower: options.partPower,
    replicas: options.replicas,
    hashSuffix: existing?.hashSuffix ?? randomBytes(8).toString('hex'),
    devices: [],
  }
}

function checkWeight(weight: number): void {
  if (!Number.isFinite(weight) || weight < 0)
    throw new RingBuildError(`weight must be a number of 0 or more, not ${weight}`)
}

/** Adds a device; its folder defaults to `object-storage/devices/<name>` in the data dir. */
export function addDevice(
  dataDir: string,
  builder: RingBuilderData,
  device: { name: string; zone: number; weight: number; path?: string },
): RingBuilderData {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(device.name))
    throw new RingBuildError(
      `device name '${device.name}' must be 1-64 letters, digits, '.', '_' or '-'`,
    )
  if (builder.devices.some((d) => d.name === device.name))
    throw new RingBuildError(`device '${device.name}' is already in the ring`)
  checkInt('zone', device.zone, 0, 1_000_000)
  checkWeight(device.weight)
  const id = builder.devices.reduce((max, d) => Math.max(max, d.id + 1), 0)
  const path = device.path ?? join(ringFiles(dataDir).root, 'devices', device.name)
  const added: RingDevice = {
    id,
    name: device.name,
    zone: device.zone,
    weight: device.weight,
    path,
  }
  return { ...builder, devices: [...builder.devices, added] }
}

function findDevice(builder: RingBuilderData, name: string): RingDevice {
  const device = builder.devices.find((d) => d.name === name)
  if (!device)
    throw new RingBuildError(
      `unknown device '${name}' (the ring has: ${builder.devices.map((d) => d.name).join(', ') || 'no devices'})`,
    )
  return device
}

/** Changes a device's weight (0 drains it at the next rebalance). */
export function setWeight(builder: RingBuilderData, name: string, weight: number): RingBuilderData {
  const device = findDevice(builder, name)
  checkWeight(weight)
  return {
    ...builder,
    devices: builder.devices.map((d) => (d.id === device.id ? { ...d, weight } : d)),
  }
}

/** Removes a device from the builder; its partitions move at the next rebalance. */
export function removeDevice(builder: RingBuilderData, name: string): RingBuilderData {
  const device = findDevice(builder, name)
  return { ...builder, devices: builder.devices.filter((d) => d.id !== device.id) }
}

/** Assigns partitions, keeping those of the previous ring that may stay, and writes the ring. */
export async function rebalanceBuilder(
  dataDir: string,
  builder: RingBuilderData,
): Promise<{ ring: RingData; moved: number }> {
  const weighted = builder.devices.filter((d) => d.weight > 0)
  if (builder.replicas > weighted.length)
    throw new RingBuildError(
      `${builder.replicas} replicas need at least ${builder.replicas} devices with a weight above 0; the ring has ${weighted.length}`,
    )
  const files = ringFiles(dataDir)
  const previous = readJson<RingData>(files.ring)
  const keep = previous && previous.partPower === builder.partPower ? previous : undefined
  const ring = rebalance(builder, keep)
  let moved = 0
  const parts = 2 ** builder.partPower
  for (let replica = 0; replica < ring.replicas; replica++) {
    for (let part = 0; part < parts; part++) {
      if (keep?.assignments[replica]?.[part] !== ring.assignments[replica]?.[part]) moved += 1
    }
  }
  await saveRing(files.ring, ring)
  await saveBuilder(dataDir, builder)
  return { ring, moved }
}

/** A table of the ring for `ring show`: devices, their share of partitions and balance. */
export function describeRing(builder: RingBuilderData, ring: RingData | undefined): string {
  const parts = 2 ** builder.partPower
  const counts = new Map<number, number>()
  for (const row of ring?.assignments ?? [])
    for (const id of row) counts.set(id, (counts.get(id) ?? 0) + 1)
  const totalWeight = builder.devices.reduce((s, d) => s + d.weight, 0)
  const replicas = ring?.replicas ?? builder.replicas
  const lines = [
    `${parts} partitions (part power ${builder.partPower}), ${builder.replicas} replicas, ${builder.devices.length} devices`,
    ring
      ? `ring: ${ring.assignments.length} replicas assigned`
      : 'ring: not built yet (run rebalance)',
    '',
    ['id', 'name', 'zone', 'weight', 'partitions', 'balance', 'path'].join('\t'),
  ]
  for (const d of builder.devices) {
    const have = counts.get(d.id) ?? 0
    const want = totalWeight > 0 ? (d.weight / totalWeight) * parts * replicas : 0
    const balance = want > 0 ? `${(((have - want) / want) * 100).toFixed(2)}%` : '-'
    lines.push([d.id, d.name, d.zone, d.weight, have, balance, d.path].join('\t'))
  }
  const stale =
    ring &&
    JSON.stringify(ring.devices.map((d) => [d.id, d.weight, d.path])) !==
      JSON.stringify(builder.devices.map((d) => [d.id, d.weight, d.path]))
  if (stale) lines.push('', 'The builder has changes the ring does not have yet: run rebalance.')
  return `${lines.join('\n')}\n`
}

/** The ring file of a data dir, if built. */
export function loadRingData(dataDir: string): RingData | undefined {
  return readJson<RingData>(ringFiles(dataDir).ring)
}
