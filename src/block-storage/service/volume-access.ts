/** @module block-storage/service/volume-access: finding volumes and checking their state */
import { getSnapshot, type Snapshot } from '../db/snapshots-repo.js'
import { getVolume, type Volume } from '../db/volumes-repo.js'
import {
  InvalidInputError,
  InvalidVolumeError,
  SnapshotNotFoundError,
  VolumeNotFoundError,
} from '../errors.js'
import type { BlockStorageContext, Caller } from './context.js'

/** A volume the caller may see (its project's, or any for an admin); 404 otherwise. */
export async function visibleVolume(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<Volume> {
  const v = await getVolume(ctx.db, id)
  if (!v || (!caller.isAdmin && v.projectId !== caller.projectId)) throw new VolumeNotFoundError(id)
  return v
}

export async function visibleSnapshot(
  ctx: BlockStorageContext,
  caller: Caller,
  id: string,
): Promise<Snapshot> {
  const s = await getSnapshot(ctx.db, id)
  if (!s || (!caller.isAdmin && s.projectId !== caller.projectId))
    throw new SnapshotNotFoundError(id)
  return s
}

/** 400 unless the volume's status is one of `allowed`. */
export function assertStatus(v: Volume, allowed: readonly string[], action: string): void {
  if (!allowed.includes(v.status))
    throw new InvalidVolumeError(
      `Volume ${v.id} status must be ${allowed.join(' or ')} to ${action}, but current status is: ${v.status}.`,
    )
}

/** Checks metadata as Cinder does: keys of 1-255 characters, values up to 255. */
export function checkMetadata(metadata: unknown): Record<string, string> {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new InvalidInputError('Malformed metadata: it must be a dictionary.')
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(metadata)) {
    if (key.length === 0 || key.length > 255)
      throw new InvalidInputError('Metadata property key must be 1 to 255 characters long.')
    if (typeof value !== 'string')
      throw new InvalidInputError(`Metadata property value of ${key} must be a string.`)
    if (value.length > 255)
      throw new InvalidInputError(
        `Metadata property value of ${key} is longer than 255 characters.`,
      )
    out[key] = value
  }
  return out
}

/** A volume size: a positive integer (also as a numeric string, as Cinder accepts). */
export function checkSize(value: unknown, name = 'size'): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > 2 ** 31 - 1)
    throw new InvalidInputError(
      `'${name}' must be an integer greater than 0 and less than or equal to 2147483647: ${JSON.stringify(value)}.`,
    )
  return n
}
