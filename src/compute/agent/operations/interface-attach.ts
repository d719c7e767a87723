/** @module compute/agent/operations/interface-attach: hot-plug a bound port into a guest, or unplug it */
import type { InterfaceAttachRequest, InterfaceDetachRequest } from '../../rpc/payloads.js'
import { asEvent, type AgentContext } from '../agent-context.js'
import { awaitMoveVifs } from '../vif-wait.js'

function assertCapable(ctx: AgentContext): void {
  if (!ctx.driver.capabilities.interfaceAttach) {
    throw new Error(`the ${ctx.driver.name} driver of host ${ctx.host} cannot hot-plug interfaces`)
  }
}

/**
 * Plugs the port into the guest, then waits for its `network-vif-plugged` as a spawn does (same
 * timeout, same fatality). On failure the guest is left without the port and the event keeps the
 * reason; the error goes back to the caller, which releases the port.
 */
export async function attachInterface(ctx: AgentContext, r: InterfaceAttachRequest): Promise<void> {
  await asEvent(ctx, r, 'compute_attach_interface', async () => {
    assertCapable(ctx)
    await ctx.driver.attachInterface(r.uuid, r.vif)
    try {
      await awaitMoveVifs(ctx, r.uuid, r.vifWait)
    } catch (error) {
      await ctx.driver.detachInterface(r.uuid, r.vif.portId).catch((undo: unknown) => {
        ctx.logger.warn({ err: undo, uuid: r.uuid }, 'unplugging a failed interface failed')
      })
      throw error
    }
  })
}

/** Unplugs the port from the guest; on failure the guest keeps it and the event says why. */
export async function detachInterface(ctx: AgentContext, r: InterfaceDetachRequest): Promise<void> {
  await asEvent(ctx, r, 'compute_detach_interface', async () => {
    assertCapable(ctx)
    await ctx.driver.detachInterface(r.uuid, r.portId)
  })
}
