/** @module compute/agent/compute-agent: the process that owns one host's guests */
import type { ImageClient } from '../../clients/image-client.js'
import type { PlacementClient } from '../../clients/placement-client.js'
import type { VolumeClient } from '../../clients/volume-client.js'
import {
  MalformedMessageError,
  serveRpc,
  type Bus,
  type Subscription,
} from '../../core/bus/index.js'
import type { Logger } from '../../core/log/index.js'
import { createKeyedQueue, startPeriodic } from '../../core/tasks/index.js'
import { providerUuidFor } from '../model/host-provider.js'
import { agentRpc } from '../rpc/contracts.js'
import { createAgentClient, createConductorClient } from '../rpc/compute-rpc-clients.js'
import {
  guestSpecRequest,
  interfaceAttachRequest,
  payload,
  powerRequest,
  type ExternalEvent,
  type InterfaceDetachRequest,
  type MigrateRequest,
  type ResizeRequest,
  type ShelveRequest,
  type SnapshotRequest,
  type UnshelveRequest,
  type TerminateRequest,
  type VolumeRequest,
} from '../rpc/payloads.js'
import type { ComputeDriver } from '../virt/compute-driver.js'
import type { AgentContext } from './agent-context.js'
import { buildInstance } from './operations/build-instance.js'
import { attachInterface, detachInterface } from './operations/interface-attach.js'
import {
  liveMigrateDestination,
  liveMigrateSource,
  liveMigrationForceComplete,
} from './operations/live-migrate-instance.js'
import {
  confirmMigration,
  finishMigration,
  finishRevertMigration,
  migrateInstance,
  revertMigration,
} from './operations/migrate-instance.js'
import { powerAction } from './operations/power-action.js'
import { rebuildInstance } from './operations/rebuild-instance.js'
import { resizeInstance } from './operations/resize-instance.js'
import {
  shelveInstance,
  shelveOffloadInstance,
  unshelveInstance,
} from './operations/shelve-instance.js'
import { snapshotInstance } from './operations/snapshot-instance.js'
import { terminateInstance } from './operations/terminate-instance.js'
import { attachVolume, detachVolume } from './operations/volume-attach.js'
import { syncPowerStates } from './periodic/power-sync.js'
import { createInstanceEvents } from './instance-events.js'
import { reconcileHost } from './reconcile.js'
import { reportInventory } from './resource-tracker.js'

function migrateRequest(args: unknown, method: string): MigrateRequest {
  const keys = ['uuid', 'requestId', 'migrationId', 'sourceHost', 'destHost']
  const r = payload<MigrateRequest>(args, method, keys)
  guestSpecRequest({ requestId: r.requestId, spec: r.spec }, method)
  return r
}

function volumeRequest(args: unknown, method: string): VolumeRequest {
  const keys = ['uuid', 'requestId', 'projectId', 'bdmUuid', 'volumeId', 'attachmentId', 'device']
  return payload<VolumeRequest>(args, method, keys)
}

export interface ComputeAgentOptions {
  host: string
  bus: Bus
  driver: ComputeDriver
  placement: PlacementClient
  images: ImageClient
  /** Block storage as the compute service, in a project's URL. */
  volumes(projectId: string): VolumeClient
  logger: Logger
  /** Heartbeat and inventory interval. */
  periodicMs?: number
}

export interface ComputeAgent {
  host: string
  /** Resolves once no operation is queued or running. */
  idle(): Promise<void>
  stop(): Promise<void>
}

/** Starts an agent: init the driver, report inventory, reconcile, then serve its host topic. */
export async function startComputeAgent(options: ComputeAgentOptions): Promise<ComputeAgent> {
  const { host, driver, bus } = options
  const logger = options.logger.child({ unit: 'compute-agent', host })
  const ctx: AgentContext = {
    host,
    driver,
    conductor: createConductorClient(bus),
    agents: createAgentClient(bus),
    images: options.images,
    volumes: options.volumes,
    logger,
    events: createInstanceEvents(),
  }
  await driver.init(host)
  const tracked = { name: host, providerUuid: providerUuidFor(host) }
  await reportInventory(options.placement, driver, tracked)
  const capabilities = Object.entries(driver.capabilities)
    .filter(([, on]) => on)
    .map(([name]) => name)
  const heartbeat = () => ctx.conductor.heartbeat({ host, binary: 'nova-compute', capabilities })
  await heartbeat()
  await reconcileHost(ctx)
  const queue = createKeyedQueue()
  const queued = (uuid: string, fn: () => Promise<void>) =>
    queue.run(uuid, fn).catch((error: unknown) => {
      logger.error({ err: error, uuid }, 'agent operation failed unexpectedly')
    })
  const subscription: Subscription = await serveRpc(
    bus,
    agentRpc,
    {
      buildAndRunInstance: async (args) => {
        const r = guestSpecRequest(args, 'buildAndRunInstance')
        await queued(r.spec.uuid, () => buildInstance(ctx, r))
      },
      terminateInstance: async (args) => {
        const r = payload<TerminateRequest>(args, 'terminateInstance', ['uuid', 'requestId'])
        await queued(r.uuid, () => terminateInstance(ctx, r))
      },
      powerAction: async (args) => {
        const r = powerRequest(args)
        await queued(r.uuid, () => powerAction(ctx, r))
      },
      rebuildInstance: async (args) => {
        const r = guestSpecRequest(args, 'rebuildInstance')
        await queued(r.spec.uuid, () => rebuildInstance(ctx, r))
      },
      resizeInstance: async (args) => {
        const r = payload<ResizeRequest>(args, 'resizeInstance', ['uuid', 'requestId', 'phase'])
        await queued(r.uuid, () => resizeInstance(ctx, r))
      },
      snapshotInstance: async (args) => {
        const r = payload<SnapshotRequest>(args, 'snapshotInstance', [
          'uuid',
          'requestId',
          'imageId',
        ])
        await queued(r.uuid, () => snapshotInstance(ctx, r))
      },
      migrateInstance: async (args) => {
        const r = migrateRequest(args, 'migrateInstance')
        await queued(r.uuid, () => migrateInstance(ctx, r))
      },
      finishMigration: async (args) => {
        const r = migrateRequest(args, 'finishMigration')
        await queued(r.uuid, () => finishMigration(ctx, r))
      },
      revertMigration: async (args) => {
        const r = migrateRequest(args, 'revertMigration')
        await queued(r.uuid, () => revertMigration(ctx, r))
      },
      finishRevertMigration: async (args) => {
        const r = migrateRequest(args, 'finishRevertMigration')
        await queued(r.uuid, () => finishRevertMigration(ctx, r))
      },
      liveMigrateDestination: async (args) => {
        const r = migrateRequest(args, 'liveMigrateDestination')
        await queued(r.uuid, () => liveMigrateDestination(ctx, r))
      },
      liveMigrateSource: async (args) => {
        const r = migrateRequest(args, 'liveMigrateSource')
        await queued(r.uuid, () => liveMigrateSource(ctx, r))
      },
      confirmMigration: async (args) => {
        const r = payload<TerminateRequest>(args, 'confirmMigration', ['uuid', 'requestId'])
        await queued(r.uuid, () => confirmMigration(ctx, r))
      },
      shelveInstance: async (args) => {
        const r = payload<ShelveRequest>(args, 'shelveInstance', ['uuid', 'requestId', 'imageId'])
        await queued(r.uuid, () => shelveInstance(ctx, r))
      },
      shelveOffloadInstance: async (args) => {
        const r = payload<TerminateRequest>(args, 'shelveOffloadInstance', ['uuid', 'requestId'])
        await queued(r.uuid, () => shelveOffloadInstance(ctx, r))
      },
      unshelveInstance: async (args) => {
        const r = payload<UnshelveRequest>(args, 'unshelveInstance', ['uuid', 'requestId'])
        if (r.spec) guestSpecRequest({ requestId: r.requestId, spec: r.spec }, 'unshelveInstance')
        await queued(r.uuid, () => unshelveInstance(ctx, r))
      },
      // Not queued: a build holding its server's queue may be waiting for these very events.
      externalInstanceEvent: async (args) => {
        const r = payload<{ events: ExternalEvent[] }>(args, 'externalInstanceEvent', [])
        if (!Array.isArray(r.events)) {
          throw new MalformedMessageError(
            'compute',
            'externalInstanceEvent',
            'events must be a list',
          )
        }
        ctx.events.deliver(r.events)
      },
      attachVolume: async (args) => {
        const r = volumeRequest(args, 'attachVolume')
        await queued(r.uuid, () => attachVolume(ctx, r))
      },
      detachVolume: async (args) => {
        const r = volumeRequest(args, 'detachVolume')
        await queued(r.uuid, () => detachVolume(ctx, r))
      },
      // Calls: queued with the server's other operations, and the caller hears how it went.
      attachInterface: async (args) => {
        const r = interfaceAttachRequest(args)
        await queue.run(r.uuid, () => attachInterface(ctx, r))
      },
      detachInterface: async (args) => {
        const keys = ['uuid', 'requestId', 'portId']
        const r = payload<InterfaceDetachRequest>(args, 'detachInterface', keys)
        await queue.run(r.uuid, () => detachInterface(ctx, r))
      },
      getConsoleOutput: async (args) => {
        const r = payload<{ uuid: string }>(args, 'getConsoleOutput', ['uuid'])
        return driver.consoleOutput(r.uuid)
      },
      // Not queued: the migration it acts on holds the server's queue on the destination.
      liveMigrationForceComplete: async (args) => {
        const keys = ['uuid', 'requestId']
        const r = payload<TerminateRequest>(args, 'liveMigrationForceComplete', keys)
        await liveMigrationForceComplete(ctx, r).catch((error: unknown) => {
          logger.warn({ err: error, uuid: r.uuid }, 'forcing a live migration to complete failed')
        })
      },
    },
    { host },
  )
  const stop = new AbortController()
  const job = startPeriodic(
    async () => {
      await heartbeat()
      await reportInventory(options.placement, driver, tracked)
      await syncPowerStates(ctx)
    },
    {
      intervalMs: options.periodicMs ?? 10_000,
      signal: stop.signal,
      onError: (error) => logger.warn({ err: error }, 'agent periodic task failed'),
    },
  )
  return {
    host,
    idle: () => queue.idle(),
    async stop() {
      stop.abort()
      await job.stopped
      await subscription.close()
      await queue.idle()
    },
  }
}
