/** @module compute/service/volume-proxy: Nova's os-volumes proxy to block storage (before 2.36) */
import { ServiceCallError } from '../../clients/errors.js'
import type { SnapshotInfo, VolumeInfo } from '../../clients/volume-client.js'
import {
  ComputeValidationError,
  QuotaExceededError,
  VolumeNotFoundError,
  VolumeSnapshotNotFoundError,
} from '../errors.js'
import type { ComputeContext } from './context.js'
import type { VolumeCaller } from './server-volumes.js'

/** Block storage's refusals as Nova's proxy answers them (its quota as 403, as Nova does). */
function translated(error: unknown, id?: string): unknown {
  if (!(error instanceof ServiceCallError) || error.status >= 500) return error
  const why = error.message.replace(/^\S+ answered \d+: /, '')
  if (error.status === 404 && id) return new VolumeNotFoundError(id)
  if (error.status === 413) return new QuotaExceededError(why)
  return new ComputeValidationError(`Invalid volume: ${why}`)
}

export async function proxyListVolumes(
  ctx: ComputeContext,
  caller: VolumeCaller,
): Promise<VolumeInfo[]> {
  return ctx.volumesFor(caller.projectId, caller.token).listVolumes()
}

export async function proxyShowVolume(
  ctx: ComputeContext,
  caller: VolumeCaller,
  id: string,
): Promise<VolumeInfo> {
  const v = await ctx.volumesFor(caller.projectId, caller.token).getVolume(id)
  if (!v) throw new VolumeNotFoundError(id)
  return v
}

export interface ProxyVolumeCreate {
  size: number
  name?: string
  description?: string
  volumeType?: string
  snapshotId?: string
  availabilityZone?: string
  metadata?: Record<string, string>
}

export async function proxyCreateVolume(
  ctx: ComputeContext,
  caller: VolumeCaller,
  input: ProxyVolumeCreate,
): Promise<VolumeInfo> {
  try {
    return await ctx.volumesFor(caller.projectId, caller.token).createVolume(input)
  } catch (error) {
    throw translated(error)
  }
}

export async function proxyDeleteVolume(
  ctx: ComputeContext,
  caller: VolumeCaller,
  id: string,
): Promise<void> {
  const volumes = ctx.volumesFor(caller.projectId, caller.token)
  if (!(await volumes.getVolume(id))) throw new VolumeNotFoundError(id)
  try {
    await volumes.deleteVolume(id)
  } catch (error) {
    throw translated(error, id)
  }
}

export async function proxyListSnapshots(
  ctx: ComputeContext,
  caller: VolumeCaller,
): Promise<SnapshotInfo[]> {
  return ctx.volumesFor(caller.projectId, caller.token).listSnapshots()
}

export async function proxyShowSnapshot(
  ctx: ComputeContext,
  caller: VolumeCaller,
  id: string,
): Promise<SnapshotInfo> {
  const s = await ctx.volumesFor(caller.projectId, caller.token).getSnapshot(id)
  if (!s) throw new VolumeSnapshotNotFoundError(id)
  return s
}

export async function proxyCreateSnapshot(
  ctx: ComputeContext,
  caller: VolumeCaller,
  input: { volumeId: string; force?: boolean; name?: string; description?: string },
): Promise<SnapshotInfo> {
  try {
    return await ctx.volumesFor(caller.projectId, caller.token).createSnapshot(input)
  } catch (error) {
    throw translated(error, input.volumeId)
  }
}

export async function proxyDeleteSnapshot(
  ctx: ComputeContext,
  caller: VolumeCaller,
  id: string,
): Promise<void> {
  const volumes = ctx.volumesFor(caller.projectId, caller.token)
  if (!(await volumes.getSnapshot(id))) throw new VolumeSnapshotNotFoundError(id)
  try {
    await volumes.deleteSnapshot(id)
  } catch (error) {
    throw translated(error)
  }
}
