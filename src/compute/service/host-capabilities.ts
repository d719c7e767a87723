/** @module compute/service/host-capabilities: actions refused up front when the host's driver cannot do them */
import { hostCapabilities } from '../db/block-devices-repo.js'
import type { Instance } from '../model/instance.js'
import { HostCapabilityError } from '../errors.js'
import type { ComputeContext } from './context.js'

/** The driver capabilities (as agents report them in heartbeats) some server actions need. */
export type DriverCapability =
  'pause' | 'suspend' | 'snapshot' | 'resize' | 'volumeAttach' | 'interfaceAttach'

/**
 * Refuses `action` with 409 when the server's host reported its driver's capabilities and
 * `capability` is not among them (a container host cannot suspend, for one), so the action
 * fails before any state changes rather than later in the agent. A host that never reported
 * any is given the benefit of the doubt: its agent refuses if it must.
 */
export async function assertHostCan(
  ctx: ComputeContext,
  instance: Instance,
  capability: DriverCapability,
  action: string,
  /** What the refusal names as unsupported; default: the action. */
  feature?: string,
): Promise<void> {
  if (!instance.host) return
  const capabilities = await hostCapabilities(ctx.db, instance.host)
  if (capabilities.size > 0 && !capabilities.has(capability)) {
    throw new HostCapabilityError(action, instance.uuid, instance.host, feature)
  }
}
