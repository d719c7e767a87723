/** @module compute/agent/agent-context: what every agent operation is given */
import type { ImageClient } from '../../clients/image-client.js'
import type { VolumeClient } from '../../clients/volume-client.js'
import type { Logger } from '../../core/log/index.js'
import type { AgentClient, ConductorClient } from '../rpc/compute-rpc-clients.js'
import type { ComputeDriver } from '../virt/compute-driver.js'
import type { InstanceEvents } from './instance-events.js'

export interface AgentContext {
  host: string
  driver: ComputeDriver
  conductor: ConductorClient
  /** The other hosts' agents, for the steps of a migration that continue there. */
  agents: AgentClient
  images: ImageClient
  /** Block storage as the compute service, in a project's URL (attachments of its servers). */
  volumes(projectId: string): VolumeClient
  logger: Logger
  /** Events other services report about this host's servers, and their waiters. */
  events: InstanceEvents
}

/**
 * Runs `fn` as an instance action event (`compute_reboot_instance`...): started, then finished
 * with Success or Error. The error is rethrown for the caller to turn into a state.
 */
export async function asEvent<T>(
  ctx: AgentContext,
  ref: { uuid: string; requestId: string },
  event: string,
  fn: () => Promise<T>,
): Promise<T> {
  const base = { uuid: ref.uuid, requestId: ref.requestId, event, host: ctx.host }
  await ctx.conductor.actionEvent({ ...base, phase: 'start' })
  try {
    const result = await fn()
    await ctx.conductor.actionEvent({ ...base, phase: 'finish', result: 'Success' })
    return result
  } catch (error) {
    await ctx.conductor.actionEvent({
      ...base,
      phase: 'finish',
      result: 'Error',
      traceback: error instanceof Error ? (error.stack ?? error.message) : String(error),
    })
    throw error
  }
}

/** Records a failed operation: the server goes to ERROR unless `keepState`, task state cleared. */
export async function failOperation(
  ctx: AgentContext,
  uuid: string,
  error: unknown,
): Promise<void> {
  ctx.logger.warn({ err: error, uuid }, 'compute operation failed')
  await ctx.conductor.instanceUpdate({
    uuid,
    changes: { taskState: null, powerState: await ctx.driver.powerState(uuid) },
  })
}
