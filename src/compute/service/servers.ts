/** @module compute/service/servers: create, show, update and delete servers */
import { randomBytes } from 'node:crypto'
import { ForbiddenError, NotFoundError } from '../../core/errors/index.js'
import {
  flavorProjects,
  listKeypairs,
  listServices,
  getFlavor as findFlavor,
} from '../db/catalog-repo.js'
import { addGroupMember, getGroup } from '../db/actions-repo.js'
import { createInstance, setMetadata, setTags, updateInstance } from '../db/instances-repo.js'
import { ComputeValidationError, QuotaExceededError, ServerGroupNotFoundError } from '../errors.js'
import type { Flavor } from '../model/flavor.js'
import type { Instance, RequestSpec } from '../model/instance.js'
import { now, type Caller, type ComputeContext } from './context.js'
import { knownZones } from './aggregates.js'
import { snapshotOf } from './flavors.js'
import { startAction } from './instance-records.js'
import { enforceQuota, projectLimits } from './quotas.js'
import { assertUnlocked, findServer } from './server-access.js'
import { releaseVolumes } from './volume-release.js'
import { blockDevicesOf, checkBootPlan, type BlockDeviceRequest } from './boot-volumes.js'
import { reserveBootVolumes } from './boot-volume-reservations.js'
import type { VolumeCaller } from './server-volumes.js'
import { createBlockDevice } from '../db/block-devices-repo.js'

/** A create request, in domain terms. */
export interface ServerCreate {
  name: string
  imageRef: string
  flavorRef: string
  networks: RequestSpec['networks']
  /** `networks: "auto"` given (2.37), not only implied by leaving networks out before 2.37. */
  autoNetworkAsked?: boolean
  securityGroups: string[]
  keyName?: string
  userData?: string
  metadata: Record<string, string>
  availabilityZone?: string
  groupId?: string
  minCount: number
  maxCount: number
  description?: string | null
  accessIpv4?: string
  accessIpv6?: string
  tags: string[]
  configDrive: boolean
  diskConfig?: 'AUTO' | 'MANUAL'
  /** `block_device_mapping_v2` (or the legacy list, converted). */
  blockDevices?: BlockDeviceRequest[]
}

function hostnameOf(name: string): string {
  const h = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return (h || 'server').slice(0, 63)
}

async function checkNetworks(
  ctx: ComputeContext,
  projectId: string,
  input: Pick<ServerCreate, 'networks' | 'autoNetworkAsked'>,
) {
  const networks = input.networks
  if (networks === 'none') return
  if (networks === 'auto') {
    // asked for by name, Nova would have networking make one (auto-allocated-topology), which it
    // does not offer; left out before 2.37, a server without a network to use gets none
    if (input.autoNetworkAsked && (await ctx.network.networksFor(projectId)).length === 0) {
      throw new ComputeValidationError(
        `Unable to automatically allocate a network for project ${projectId}`,
      )
    }
    return
  }
  for (const n of networks) {
    if (n.port) {
      const port = await ctx.network.getPort(n.port)
      if (!port) throw new ComputeValidationError(`Port ${n.port} could not be found.`)
      if (port.deviceId) throw new ComputeValidationError(`Port ${n.port} is still in use.`)
    } else if (n.uuid && !(await ctx.network.getNetwork(n.uuid))) {
      throw new ComputeValidationError(`Network ${n.uuid} could not be found.`)
    }
  }
}

/** Every requested security group must exist in the project (Nova's 400 before building). */
async function checkSecurityGroups(ctx: ComputeContext, projectId: string, names: string[]) {
  // networking makes a project's `default` group when it is first needed
  const named = names.filter((n) => n !== 'default')
  if (named.length === 0) return
  try {
    await ctx.network.securityGroupIds(projectId, named)
  } catch (error) {
    if (error instanceof NotFoundError) throw new ComputeValidationError(error.message)
    throw error
  }
}

/** A private flavor is usable by admins and the projects it was shared with. */
async function checkFlavorAccess(ctx: ComputeContext, caller: Caller, flavor: Flavor) {
  if (flavor.isPublic || caller.isAdmin) return
  if ((await flavorProjects(ctx.db, flavor.flavorid)).includes(caller.projectId)) return
  throw new ComputeValidationError(`Flavor ${flavor.flavorid} could not be found.`)
}

/**
 * The zone a create asks for and, for admins, the host Nova's `zone:host[:node]` form forces
 * (`:host` and `zone::node` too; the node is the host here, as each host has one node).
 */
async function requestedPlacement(
  ctx: ComputeContext,
  caller: Caller,
  requested: string | undefined,
): Promise<{ zone: string | null; forcedHost?: string }> {
  if (!requested) return { zone: null }
  const [zone = '', host = '', node = ''] = requested.split(':')
  if (zone && !(await knownZones(ctx.db)).has(zone)) {
    throw new ComputeValidationError('The requested availability zone is not available')
  }
  const forcedHost = host || node
  if (!requested.includes(':') || !forcedHost) return { zone: zone || null }
  if (!caller.isAdmin) {
    throw new ForbiddenError(
      "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.",
    )
  }
  const computes = (await listServices(ctx.db)).filter((s) => s.binary === 'nova-compute')
  if (!computes.some((s) => s.host === forcedHost)) {
    throw new ComputeValidationError(`Compute host ${forcedHost} could not be found.`)
  }
  return { zone: zone || null, forcedHost }
}

/** The image a server boots from must be visible, active and fit the flavor. */
async function checkImage(
  ctx: ComputeContext,
  caller: Caller,
  imageRef: string,
  flavor: { rootGb: number; memoryMb: number },
): Promise<void> {
  const image = await ctx.images.getImage(imageRef)
  const visible =
    image && (image.visibility !== 'private' || image.owner === caller.projectId || caller.isAdmin)
  if (!image || !visible) {
    throw new ComputeValidationError(`Image ${imageRef} could not be found.`)
  }
  if (image.status !== 'active') {
    throw new ComputeValidationError(`Image ${imageRef} is not active.`)
  }
  if (flavor.rootGb > 0 && image.minDisk > flavor.rootGb) {
    throw new ComputeValidationError("Flavor's disk is too small for requested image.")
  }
  if (image.minRam > flavor.memoryMb) {
    throw new ComputeValidationError("Flavor's memory is too small for requested image.")
  }
}

/** Records the servers in BUILD/scheduling and hands them to the conductor. */
export async function createServers(
  ctx: ComputeContext,
  caller: VolumeCaller,
  input: ServerCreate,
): Promise<{ instances: Instance[]; adminPass: string; reservationId: string }> {
  const flavor = await findFlavor(ctx.db, input.flavorRef)
  if (!flavor || flavor.disabled) {
    throw new ComputeValidationError(`Flavor ${input.flavorRef} could not be found.`)
  }
  await checkFlavorAccess(ctx, caller, flavor)
  const plan = await checkBootPlan(ctx, caller, {
    imageRef: input.imageRef,
    devices: input.blockDevices ?? [],
    maxCount: input.maxCount,
    flavor,
  })
  if (plan.imageRef) await checkImage(ctx, caller, plan.imageRef, flavor)
  const placement = await requestedPlacement(ctx, caller, input.availabilityZone)
  let keyData: string | null = null
  if (input.keyName !== undefined) {
    const key = (await listKeypairs(ctx.db, caller.userId)).find((k) => k.name === input.keyName)
    if (!key) throw new ComputeValidationError('Invalid key_name provided.')
    keyData = key.publicKey
  }
  if (input.groupId && !(await getGroup(ctx.db, input.groupId))) {
    throw new ServerGroupNotFoundError(input.groupId)
  }
  if (input.minCount > input.maxCount) {
    throw new ComputeValidationError('min_count must be <= max_count')
  }
  await checkNetworks(ctx, caller.projectId, input)
  await checkSecurityGroups(ctx, caller.projectId, input.securityGroups)
  const metadataLimit = (await projectLimits(ctx, caller.projectId)).metadata_items
  if (metadataLimit >= 0 && Object.keys(input.metadata).length > metadataLimit) {
    throw new QuotaExceededError(`Quota exceeded for metadata_items: limit ${metadataLimit}`)
  }
  const count = input.maxCount
  const owner = { projectId: caller.projectId, userId: caller.userId }
  await enforceQuota(ctx, owner, {
    instances: count,
    cores: flavor.vcpus * count,
    ram: flavor.memoryMb * count,
  })
  const snapshot = await snapshotOf(ctx, flavor)
  const reservationId = `r-${randomBytes(4).toString('hex')}`
  const adminPass = randomBytes(9).toString('base64url')
  const at = now(ctx)
  const instances: Instance[] = []
  for (let index = 0; index < count; index++) {
    const name = count > 1 ? `${input.name}-${index + 1}` : input.name
    const instance: Instance = {
      uuid: ctx.ids.uuid(),
      projectId: caller.projectId,
      userId: caller.userId,
      name,
      description: input.description ?? null,
      hostname: hostnameOf(name),
      vmState: 'building',
      taskState: 'scheduling',
      powerState: 0,
      host: null,
      node: null,
      availabilityZone: placement.zone,
      flavor: snapshot,
      oldFlavor: null,
      newFlavor: null,
      imageRef: plan.imageRef,
      keyName: input.keyName ?? null,
      keyData,
      userData: input.userData ?? null,
      lockedBy: null,
      lockedReason: null,
      launchedAt: null,
      terminatedAt: null,
      createdAt: at,
      updatedAt: at,
      deletedAt: null,
      deleted: false,
      reservationId,
      launchIndex: index,
      accessIpv4: input.accessIpv4 ?? null,
      accessIpv6: input.accessIpv6 ?? null,
      progress: 0,
      configDrive: input.configDrive || ctx.config.forceConfigDrive ? 'True' : '',
      networkInfo: [],
      requestSpec: {
        networks: input.networks,
        securityGroups: input.securityGroups,
        groupId: input.groupId ?? null,
        triedHosts: [],
        attempts: 0,
        ...(input.diskConfig ? { diskConfig: input.diskConfig } : {}),
        ...(placement.forcedHost ? { forcedHost: placement.forcedHost } : {}),
        ...(plan.localDisks ? { localDisks: plan.localDisks } : {}),
      },
    }
    const devices = await reserveBootVolumes(ctx, caller, blockDevicesOf(ctx, instance, plan))
    await ctx.db.transaction().execute(async (tx) => {
      await createInstance(tx, instance)
      for (const d of devices) await createBlockDevice(tx, d)
      await setMetadata(tx, instance.uuid, input.metadata, true)
      if (input.tags.length > 0) await setTags(tx, instance.uuid, input.tags)
      if (input.groupId) await addGroupMember(tx, input.groupId, instance.uuid)
      await startAction(ctx, tx, {
        uuid: instance.uuid,
        action: 'create',
        requestId: caller.requestId,
        userId: caller.userId,
        projectId: caller.projectId,
      })
    })
    instances.push(instance)
  }
  await ctx.conductor.buildInstances({
    uuids: instances.map((i) => i.uuid),
    requestId: caller.requestId,
    ...(plan.devices.length > 0 ? { authToken: caller.token } : {}),
  })
  return { instances, adminPass, reservationId }
}

export interface ServerUpdate {
  name?: string
  description?: string | null
  accessIpv4?: string | null
  accessIpv6?: string | null
  diskConfig?: 'AUTO' | 'MANUAL'
}

export async function updateServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  input: ServerUpdate,
): Promise<Instance> {
  const instance = await findServer(ctx, caller, uuid)
  const changes: Partial<Instance> = { updatedAt: now(ctx) }
  if (input.diskConfig !== undefined) {
    changes.requestSpec = { ...instance.requestSpec, diskConfig: input.diskConfig }
  }
  if (input.name !== undefined) {
    changes.name = input.name
    changes.hostname = hostnameOf(input.name)
  }
  if (input.description !== undefined) changes.description = input.description
  if (input.accessIpv4 !== undefined) changes.accessIpv4 = input.accessIpv4
  if (input.accessIpv6 !== undefined) changes.accessIpv6 = input.accessIpv6
  return (await updateInstance(ctx.db, uuid, changes)) as Instance
}

/**
 * Deletes a server: on its host through the agent (which reports back to the conductor), or
 * at once when it never reached a host.
 */
export async function deleteServer(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
  options: { force?: boolean } = {},
): Promise<void> {
  const instance = await findServer(ctx, caller, uuid)
  assertUnlocked(instance, caller)
  if (instance.taskState === 'deleting' && !options.force) return
  await updateInstance(ctx.db, uuid, { taskState: 'deleting', updatedAt: now(ctx) })
  await startAction(ctx, ctx.db, {
    uuid,
    action: 'delete',
    requestId: caller.requestId,
    userId: caller.userId,
    projectId: caller.projectId,
  })
  if (instance.host) {
    await ctx.agents.terminateInstance(instance.host, { uuid, requestId: caller.requestId })
    return
  }
  await localDelete(ctx, instance)
}

/** Deletes a server that has no guest: its ports and claims, then the record. */
async function localDelete(ctx: ComputeContext, instance: Instance): Promise<void> {
  for (const vif of instance.networkInfo) {
    if (vif.created) await ctx.network.deletePort(vif.portId)
    else await ctx.network.unbindPort(vif.portId)
  }
  await ctx.placement.release(instance.uuid)
  const shelved = instance.requestSpec.shelvedImageId
  if (shelved) await ctx.images.deleteImage(shelved).catch(() => undefined)
  await releaseVolumes(ctx, instance)
  const at = now(ctx)
  await updateInstance(ctx.db, instance.uuid, {
    vmState: 'deleted',
    taskState: null,
    deleted: true,
    deletedAt: at,
    terminatedAt: at,
    updatedAt: at,
  })
}
