/** @module compute/agent/vif-wait: a move waits for its ports to be plugged on the new host */
import type { VifWait } from '../rpc/payloads.js'
import type { AgentContext } from './agent-context.js'

/** The ports were not plugged in time (or networking said they failed): the move fails. */
export class VifPlugFailedError extends Error {
  constructor(message: string) {
    super(message)
  }
}

/**
 * Waits for `network-vif-plugged` of the ports bound on this host (Nova's vif plugging for
 * moves). A timeout or a failed event throws VifPlugFailedError, unless plugging is not fatal
 * (vif_plugging_is_fatal false), which logs and goes on.
 */
export async function awaitMoveVifs(
  ctx: AgentContext,
  uuid: string,
  wait: VifWait | undefined,
): Promise<void> {
  if (!wait || wait.ports.length === 0 || wait.timeoutSeconds <= 0) return
  try {
    const outcome = await ctx.events.waitForVifs(uuid, wait.ports, wait.timeoutSeconds * 1000)
    if (outcome.kind === 'completed') return
    const why =
      outcome.kind === 'timeout'
        ? `timed out after ${wait.timeoutSeconds} s waiting for network-vif-plugged of ports ${outcome.missing.join(', ')} on ${ctx.host}`
        : `network-vif-plugged failed for port ${outcome.tag} on ${ctx.host}`
    if (!wait.fatal) {
      ctx.logger.warn({ uuid }, `vif plugging ${why}; going on (vif_plugging_is_fatal is false)`)
      return
    }
    throw new VifPlugFailedError(`Virtual interface creation failed: ${why}`)
  } finally {
    ctx.events.forget(uuid)
  }
}

/** The failure as a server fault: its message, and its stack as details. */
export function faultOf(error: unknown): { message: string; details: string } {
  const message = error instanceof Error ? error.message : String(error)
  return { message, details: error instanceof Error ? (error.stack ?? message) : message }
}
