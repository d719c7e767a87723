/** @module compute/conductor/conductor-service: the conductor's RPC endpoints */
import { serveRpc, type Bus, type Subscription } from '../../core/bus/index.js'
import { getBlockDevice, deleteBlockDevice, setHostCapabilities } from '../db/block-devices-repo.js'
import { upsertServiceHeartbeat } from '../db/catalog-repo.js'
import { conductorRpc } from '../rpc/contracts.js'
import {
  payload,
  type ActionEventRequest,
  type BlockDeviceGone,
  type BuildFailure,
  type EvacuateRequest,
  type InstanceMovedRequest,
  type InstanceUpdateRequest,
  type ResizeInstanceRequest,
} from '../rpc/payloads.js'
import { now } from '../service/context.js'
import { recordEvent } from '../service/instance-records.js'
import { buildAll, handleBuildFailure } from './build-flow.js'
import type { ConductorContext } from './conductor-context.js'
import { evacuateInstance } from './evacuate-flow.js'
import { liveMigrateInstance } from './live-migrate-flow.js'
import { recoverMoves } from './move-recovery.js'
import {
  applyInstanceMoved,
  applyInstanceUpdate,
  completeDelete,
  instancesOnHost,
  recoverHost,
} from './instance-sync.js'
import { resizeInstance } from './resize-flow.js'
import { offloadInstance, unshelveInstance } from './shelve-flow.js'

/** Serves the conductor's RPC API; every handler parses its payload, then runs one flow. */
export function serveConductor(bus: Bus, ctx: ConductorContext): Promise<Subscription> {
  return serveRpc(bus, conductorRpc, {
    buildInstances: async (args) => {
      const r = payload<{ uuids: string[]; requestId: string; authToken?: string }>(
        args,
        'buildInstances',
        ['requestId'],
      )
      const token = typeof r.authToken === 'string' ? r.authToken : undefined
      await buildAll(ctx, r.uuids, r.requestId, token)
    },
    buildFailed: async (args) => {
      const f = payload<BuildFailure>(args, 'buildFailed', ['uuid', 'host', 'requestId'])
      await handleBuildFailure(ctx, f)
    },
    resizeInstance: async (args) => {
      const r = payload<ResizeInstanceRequest>(args, 'resizeInstance', ['uuid', 'requestId'])
      await resizeInstance(ctx, r)
    },
    evacuateInstance: async (args) => {
      const keys = ['uuid', 'requestId', 'migrationId']
      await evacuateInstance(ctx, payload<EvacuateRequest>(args, 'evacuateInstance', keys))
    },
    liveMigrateInstance: async (args) => {
      const keys = ['uuid', 'requestId', 'migrationId']
      await liveMigrateInstance(ctx, payload<EvacuateRequest>(args, 'liveMigrateInstance', keys))
    },
    instanceMoved: async (args) =>
      applyInstanceMoved(
        ctx,
        payload<InstanceMovedRequest>(args, 'instanceMoved', ['uuid', 'host']),
      ),
    unshelveInstance: async (args) => {
      const keys = ['uuid', 'requestId']
      await unshelveInstance(
        ctx,
        payload<{ uuid: string; requestId: string }>(args, 'unshelveInstance', keys),
      )
    },
    instanceOffloaded: async (args) => {
      await offloadInstance(
        ctx,
        payload<{ uuid: string; failure?: string }>(args, 'instanceOffloaded', ['uuid']),
      )
    },
    hostRecovered: async (args) => {
      await recoverHost(ctx, payload<{ host: string }>(args, 'hostRecovered', ['host']).host)
    },
    instanceUpdate: async (args) =>
      applyInstanceUpdate(ctx, payload<InstanceUpdateRequest>(args, 'instanceUpdate', ['uuid'])),
    actionEvent: async (args) => {
      const e = payload<ActionEventRequest>(args, 'actionEvent', ['uuid', 'requestId', 'event'])
      await recordEvent(ctx, e)
    },
    instanceDestroyed: async (args) => {
      const r = payload<{ uuid: string }>(args, 'instanceDestroyed', ['uuid'])
      await completeDelete(ctx, r.uuid)
    },
    heartbeat: async (args) => {
      const r = payload<{ host: string; binary: string; capabilities?: unknown }>(
        args,
        'heartbeat',
        ['host', 'binary'],
      )
      await upsertServiceHeartbeat(ctx.db, {
        host: r.host,
        binary: r.binary,
        id: ctx.ids.uuid(),
        at: now(ctx),
      })
      if (Array.isArray(r.capabilities)) {
        await setHostCapabilities(ctx.db, r.host, r.capabilities.map(String))
      }
    },
    blockDeviceGone: async (args) => {
      const r = payload<BlockDeviceGone>(args, 'blockDeviceGone', [
        'uuid',
        'bdmUuid',
        'attachmentId',
      ])
      const bdm = await getBlockDevice(ctx.db, r.bdmUuid)
      if (bdm && bdm.instanceUuid === r.uuid && bdm.attachmentId === r.attachmentId) {
        await deleteBlockDevice(ctx.db, r.bdmUuid)
      }
    },
    instancesOnHost: async (args) =>
      instancesOnHost(ctx, payload<{ host: string }>(args, 'instancesOnHost', ['host']).host),
    recoverMoves: async (args) => {
      const r = payload<{ host: string; guests: string[] }>(args, 'recoverMoves', ['host'])
      return recoverMoves(ctx, r.host, Array.isArray(r.guests) ? r.guests.map(String) : [])
    },
  })
}
