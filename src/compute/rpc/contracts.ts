/** @module compute/rpc/contracts: the RPC APIs between compute API, conductor, scheduler and agents */
import { defineRpc } from '../../core/bus/index.js'

/** The conductor: build flows, and the database on behalf of agents (which have none). */
export const conductorRpc = defineRpc({
  topic: 'compute-conductor',
  version: '1.1',
  methods: {
    /** Schedule, claim, create ports and cast to the chosen agent, for each new server. */
    buildInstances: { kind: 'cast', since: '1.0' },
    /** An agent failed a build: reschedule or give up with a fault. */
    buildFailed: { kind: 'cast', since: '1.0' },
    /** Resize or migrate a server to a new flavor/host. */
    resizeInstance: { kind: 'cast', since: '1.0' },
    /** Rebuild a server on another host because its own is down. */
    evacuateInstance: { kind: 'cast', since: '1.0' },
    /** A moving server now runs on `host`: its ports follow and its host is recorded. Replies. */
    instanceMoved: { kind: 'call', since: '1.0' },
    /** Live-migrate a server to another host (scheduled, or the one asked for). */
    liveMigrateInstance: { kind: 'cast', since: '1.0' },
    /** An agent came back: finish the evacuations made away from its host. */
    hostRecovered: { kind: 'call', since: '1.0' },
    /** Schedule a shelved-offloaded server again and have the chosen host spawn it. */
    unshelveInstance: { kind: 'cast', since: '1.0' },
    /** An agent destroyed a shelved server's guest: free the host's resources. Replies. */
    instanceOffloaded: { kind: 'call', since: '1.0' },
    /** An agent changed a server's state. Replies with the updated server or null. */
    instanceUpdate: { kind: 'call', since: '1.0' },
    /** An agent started or finished an instance action event. */
    actionEvent: { kind: 'call', since: '1.0' },
    /** An agent destroyed a server's guest: release its ports and allocations. */
    instanceDestroyed: { kind: 'call', since: '1.0' },
    /** An agent is alive. */
    heartbeat: { kind: 'cast', since: '1.0' },
    /** The servers the database puts on a host, for an agent's reconciliation. */
    instancesOnHost: { kind: 'call', since: '1.0' },
    /** A host started: settle the moves it was part of; answers what it does with their guests. */
    recoverMoves: { kind: 'call', since: '1.1' },
    /** A volume left a server (detached, or its attach failed): forget the mapping. Replies. */
    blockDeviceGone: { kind: 'call', since: '1.1' },
  },
})

/** The scheduler: picks a host and claims its resources. */
export const schedulerRpc = defineRpc({
  topic: 'compute-scheduler',
  version: '1.0',
  methods: {
    selectDestination: { kind: 'call', since: '1.0' },
  },
})

/** A compute agent, addressed per host (`compute.<host>`). */
export const agentRpc = defineRpc({
  topic: 'compute',
  version: '1.2',
  methods: {
    buildAndRunInstance: { kind: 'cast', since: '1.0' },
    terminateInstance: { kind: 'cast', since: '1.0' },
    powerAction: { kind: 'cast', since: '1.0' },
    rebuildInstance: { kind: 'cast', since: '1.0' },
    resizeInstance: { kind: 'cast', since: '1.0' },
    snapshotInstance: { kind: 'cast', since: '1.0' },
    /** Source host of a cold migration: power the guest off, then hand it to the destination. */
    migrateInstance: { kind: 'cast', since: '1.0' },
    /** Destination host of a cold migration: create the guest (VERIFY_RESIZE follows). */
    finishMigration: { kind: 'cast', since: '1.0' },
    /** Destination host of a reverted migration: drop the guest, then hand back to the source. */
    revertMigration: { kind: 'cast', since: '1.0' },
    /** Source host of a reverted migration: power the kept guest on again. */
    finishRevertMigration: { kind: 'cast', since: '1.0' },
    /** Destination of a live migration: start the guest, then let the source clean up. */
    liveMigrateDestination: { kind: 'cast', since: '1.0' },
    /** Source of a live migration: destroy the guest that moved and finish the migration. */
    liveMigrateSource: { kind: 'cast', since: '1.0' },
    /** Source host of a confirmed migration: destroy the guest left behind. */
    confirmMigration: { kind: 'cast', since: '1.0' },
    /** Power off, snapshot to the image service, and offload when asked. */
    shelveInstance: { kind: 'cast', since: '1.0' },
    /** Destroy a shelved server's guest. */
    shelveOffloadInstance: { kind: 'cast', since: '1.0' },
    /** Power a shelved guest on, or spawn it from its snapshot after an offload. */
    unshelveInstance: { kind: 'cast', since: '1.0' },
    /** Events about the host's servers from other services (network-vif-plugged...). */
    externalInstanceEvent: { kind: 'cast', since: '1.0' },
    getConsoleOutput: { kind: 'call', since: '1.0' },
    /** Source of a live migration: make it converge (the guest is paused until it has moved). */
    liveMigrationForceComplete: { kind: 'cast', since: '1.1' },
    /** Connect a reserved volume to the host, plug it into the guest, complete the attachment. */
    attachVolume: { kind: 'cast', since: '1.1' },
    /** Unplug a volume from the guest and delete its attachment. */
    detachVolume: { kind: 'cast', since: '1.1' },
    /** Hot-plug a bound port into the guest and wait for it to be plugged. Replies when done. */
    attachInterface: { kind: 'call', since: '1.2' },
    /** Unplug a port from the guest. Replies when done. */
    detachInterface: { kind: 'call', since: '1.2' },
  },
})

/** The power operations an agent performs through `powerAction`. */
export const POWER_ACTIONS = [
  'reboot-soft',
  'reboot-hard',
  'stop',
  'start',
  'pause',
  'unpause',
  'suspend',
  'resume',
] as const
export type PowerAction = (typeof POWER_ACTIONS)[number]
