/** @module compute/service/server-password: os-server-password, the password a guest posted */
import type { Caller, ComputeContext } from './context.js'
import { clearPassword, passwordOf } from './instance-metadata.js'
import { findServer } from './server-access.js'

/** The (encrypted) password the guest posted to the metadata service, or '' when none. */
export async function serverPassword(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
): Promise<string> {
  await findServer(ctx, caller, uuid)
  return (await passwordOf(ctx.db, uuid)) ?? ''
}

/** Clears the password; it does not change the guest's own password. */
export async function clearServerPassword(
  ctx: ComputeContext,
  caller: Caller,
  uuid: string,
): Promise<void> {
  await findServer(ctx, caller, uuid)
  await clearPassword(ctx.db, uuid)
}
