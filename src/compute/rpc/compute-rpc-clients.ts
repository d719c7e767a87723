/** @module compute/rpc/compute-rpc-clients: typed clients of the compute RPC APIs */
import { createRpcClient, type Bus } from '../../core/bus/index.js'
import { agentRpc, conductorRpc, schedulerRpc } from './contracts.js'
import type {
  ActionEventRequest,
  BlockDeviceGone,
  BuildFailure,
  BuildRequest,
  EvacuateRequest,
  ExternalEvent,
  InterfaceAttachRequest,
  InterfaceDetachRequest,
  InstanceMovedRequest,
  InstanceMovedResult,
  InstanceUpdateRequest,
  MigrateRequest,
  MoveRecovery,
  PowerRequest,
  RebuildRequest,
  ResizeInstanceRequest,
  ResizeRequest,
  SelectDestinationRequest,
  SelectedDestination,
  ShelveRequest,
  SnapshotRequest,
  TerminateRequest,
  UnshelveRequest,
  VolumeRequest,
} from './payloads.js'

/** What the API and conductor send to an agent. */
export interface AgentClient {
  buildAndRunInstance(host: string, request: BuildRequest): Promise<void>
  terminateInstance(host: string, request: TerminateRequest): Promise<void>
  powerAction(host: string, request: PowerRequest): Promise<void>
  rebuildInstance(host: string, request: RebuildRequest): Promise<void>
  resizeInstance(host: string, request: ResizeRequest): Promise<void>
  snapshotInstance(host: string, request: SnapshotRequest): Promise<void>
  migrateInstance(host: string, request: MigrateRequest): Promise<void>
  finishMigration(host: string, request: MigrateRequest): Promise<void>
  revertMigration(host: string, request: MigrateRequest): Promise<void>
  finishRevertMigration(host: string, request: MigrateRequest): Promise<void>
  confirmMigration(host: string, request: TerminateRequest): Promise<void>
  liveMigrateDestination(host: string, request: MigrateRequest): Promise<void>
  liveMigrateSource(host: string, request: MigrateRequest): Promise<void>
  shelveInstance(host: string, request: ShelveRequest): Promise<void>
  shelveOffloadInstance(host: string, request: TerminateRequest): Promise<void>
  unshelveInstance(host: string, request: UnshelveRequest): Promise<void>
  externalInstanceEvent(host: string, request: { events: ExternalEvent[] }): Promise<void>
  getConsoleOutput(host: string, uuid: string): Promise<string>
  liveMigrationForceComplete(host: string, request: TerminateRequest): Promise<void>
  attachVolume(host: string, request: VolumeRequest): Promise<void>
  detachVolume(host: string, request: VolumeRequest): Promise<void>
  /** Resolves once the port is plugged; `timeoutMs` covers the wait for it as well. */
  attachInterface(host: string, request: InterfaceAttachRequest, timeoutMs: number): Promise<void>
  detachInterface(host: string, request: InterfaceDetachRequest, timeoutMs: number): Promise<void>
}

export function createAgentClient(bus: Bus): AgentClient {
  const rpc = createRpcClient(bus, agentRpc, { timeoutMs: 30_000 })
  return {
    buildAndRunInstance: (host, r) => rpc.buildAndRunInstance(r, { host }),
    terminateInstance: (host, r) => rpc.terminateInstance(r, { host }),
    powerAction: (host, r) => rpc.powerAction(r, { host }),
    rebuildInstance: (host, r) => rpc.rebuildInstance(r, { host }),
    resizeInstance: (host, r) => rpc.resizeInstance(r, { host }),
    snapshotInstance: (host, r) => rpc.snapshotInstance(r, { host }),
    migrateInstance: (host, r) => rpc.migrateInstance(r, { host }),
    finishMigration: (host, r) => rpc.finishMigration(r, { host }),
    revertMigration: (host, r) => rpc.revertMigration(r, { host }),
    finishRevertMigration: (host, r) => rpc.finishRevertMigration(r, { host }),
    confirmMigration: (host, r) => rpc.confirmMigration(r, { host }),
    liveMigrateDestination: (host, r) => rpc.liveMigrateDestination(r, { host }),
    liveMigrateSource: (host, r) => rpc.liveMigrateSource(r, { host }),
    shelveInstance: (host, r) => rpc.shelveInstance(r, { host }),
    shelveOffloadInstance: (host, r) => rpc.shelveOffloadInstance(r, { host }),
    unshelveInstance: (host, r) => rpc.unshelveInstance(r, { host }),
    externalInstanceEvent: (host, r) => rpc.externalInstanceEvent(r, { host }),
    getConsoleOutput: async (host, uuid) => String(await rpc.getConsoleOutput({ uuid }, { host })),
    liveMigrationForceComplete: (host, r) => rpc.liveMigrationForceComplete(r, { host }),
    attachVolume: (host, r) => rpc.attachVolume(r, { host }),
    detachVolume: (host, r) => rpc.detachVolume(r, { host }),
    attachInterface: async (host, r, timeoutMs) =>
      void (await rpc.attachInterface(r, { host, timeoutMs })),
    detachInterface: async (host, r, timeoutMs) =>
      void (await rpc.detachInterface(r, { host, timeoutMs })),
  }
}

/** What the API and agents send to the conductor. */
export interface ConductorClient {
  /** `authToken`: the user's, for the volumes the builds create (boot from volume). */
  buildInstances(request: { uuids: string[]; requestId: string; authToken?: string }): Promise<void>
  buildFailed(failure: BuildFailure): Promise<void>
  resizeInstance(request: ResizeInstanceRequest): Promise<void>
  evacuateInstance(request: EvacuateRequest): Promise<void>
  liveMigrateInstance(request: EvacuateRequest): Promise<void>
  /** Null when the server is gone. */
  instanceMoved(request: InstanceMovedRequest): Promise<InstanceMovedResult | null>
  hostRecovered(request: { host: string }): Promise<void>
  unshelveInstance(request: { uuid: string; requestId: string }): Promise<void>
  instanceOffloaded(request: { uuid: string; failure?: string }): Promise<void>
  instanceUpdate(request: InstanceUpdateRequest): Promise<unknown>
  actionEvent(request: ActionEventRequest): Promise<void>
  instanceDestroyed(request: { uuid: string; host: string; requestId: string }): Promise<void>
  /** `capabilities`: the names of the driver's capability flags that are on. */
  heartbeat(request: { host: string; binary: string; capabilities?: string[] }): Promise<void>
  instancesOnHost(
    host: string,
  ): Promise<{ uuid: string; vmState: string; taskState: string | null }[]>
  recoverMoves(request: { host: string; guests: string[] }): Promise<MoveRecovery>
  blockDeviceGone(request: BlockDeviceGone): Promise<void>
}

export function createConductorClient(bus: Bus): ConductorClient {
  const rpc = createRpcClient(bus, conductorRpc, { timeoutMs: 30_000 })
  return {
    buildInstances: (r) => rpc.buildInstances(r),
    buildFailed: (r) => rpc.buildFailed(r),
    resizeInstance: (r) => rpc.resizeInstance(r),
    evacuateInstance: (r) => rpc.evacuateInstance(r),
    liveMigrateInstance: (r) => rpc.liveMigrateInstance(r),
    instanceMoved: async (r) => (await rpc.instanceMoved(r)) as InstanceMovedResult | null,
    hostRecovered: async (r) => void (await rpc.hostRecovered(r)),
    unshelveInstance: (r) => rpc.unshelveInstance(r),
    instanceOffloaded: async (r) => void (await rpc.instanceOffloaded(r)),
    instanceUpdate: (r) => rpc.instanceUpdate(r),
    actionEvent: async (r) => void (await rpc.actionEvent(r)),
    instanceDestroyed: async (r) => void (await rpc.instanceDestroyed(r)),
    heartbeat: (r) => rpc.heartbeat(r),
    instancesOnHost: async (host) =>
      (await rpc.instancesOnHost({ host })) as {
        uuid: string
        vmState: string
        taskState: string | null
      }[],
    recoverMoves: async (r) => (await rpc.recoverMoves(r)) as MoveRecovery,
    blockDeviceGone: async (r) => void (await rpc.blockDeviceGone(r)),
  }
}

/** What the conductor asks the scheduler. */
export interface SchedulerClient {
  selectDestination(request: SelectDestinationRequest): Promise<SelectedDestination>
}

export function createSchedulerClient(bus: Bus): SchedulerClient {
  const rpc = createRpcClient(bus, schedulerRpc, { timeoutMs: 30_000 })
  return {
    selectDestination: async (r) => (await rpc.selectDestination(r)) as SelectedDestination,
  }
}
