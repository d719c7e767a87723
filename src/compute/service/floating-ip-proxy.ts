/** @module compute/service/floating-ip-proxy: os-floating-ips and add/removeFloatingIp, forwarded to networking as the caller */
import { ServiceCallError } from '../../clients/errors.js'
import type { ProxiedFloatingIp } from '../../clients/floating-ip-client.js'
import { ConflictError, ForbiddenError, NotFoundError } from '../../core/errors/index.js'
import { ComputeValidationError } from '../errors.js'
import type { Caller, ComputeContext } from './context.js'
import { findServer } from './server-access.js'

export type { ProxiedFloatingIp }

/** Nova's default_floating_pool is the external network the cloud creates at first start. */
const DEFAULT_POOL = 'public'

async function forwarded<T>(notFound: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (error instanceof ServiceCallError && error.status === 404) throw new NotFoundError(notFound)
    throw error
  }
}

export function listFloatingIps(ctx: ComputeContext, caller: Caller, token: string) {
  return ctx.network.floatingIpsAs(token).list(caller.projectId)
}

export function getFloatingIp(ctx: ComputeContext, token: string, id: string) {
  return forwarded(`Floating IP not found for ID ${id}`, () =>
    ctx.network.floatingIpsAs(token).get(id),
  )
}

export function floatingIpPools(ctx: ComputeContext, token: string): Promise<string[]> {
  return ctx.network.floatingIpsAs(token).pools()
}

/** Allocates an address from `pool` (the default pool when null) to the caller's project. */
export async function allocateFloatingIp(
  ctx: ComputeContext,
  caller: Caller,
  token: string,
  pool: string | null,
): Promise<ProxiedFloatingIp> {
  const name = pool ?? DEFAULT_POOL
  try {
    const created = await ctx.network.floatingIpsAs(token).create(name, caller.projectId)
    if (!created) throw new NotFoundError('Floating IP pool not found.')
    return created
  } catch (error) {
    if (!(error instanceof ServiceCallError)) throw error
    if (/quota/i.test(error.message)) {
      throw new ForbiddenError(`IP allocation over quota in pool ${name}.`)
    }
    if (error.status < 500) throw new NotFoundError(`No more floating IPs in pool ${name}.`)
    throw error
  }
}

export function releaseFloatingIp(ctx: ComputeContext, token: string, id: string) {
  return forwarded(`Floating IP not found for ID ${id}`, () =>
    ctx.network.floatingIpsAs(token).delete(id),
  )
}

/** Binds `address` to the server's port holding `fixedAddress` (its first IPv4 address by default). */
export async function addFloatingIp(
  ctx: ComputeContext,
  caller: Caller,
  token: string,
  input: { uuid: string; address: string; fixedAddress: string | null },
): Promise<void> {
  const instance = await findServer(ctx, caller, input.uuid)
  const client = ctx.network.floatingIpsAs(token)
  const fip = await client.findByAddress(input.address)
  if (!fip) throw new NotFoundError(`floating IP not found`)
  const fixed = instance.networkInfo.flatMap((v) => v.ips.map((ip) => ({ ...ip, port: v.portId })))
  if (fixed.length === 0) {
    throw new ComputeValidationError('No nw_info cache associated with instance')
  }
  const chosen = input.fixedAddress
    ? fixed.find((ip) => ip.address === input.fixedAddress)
    : (fixed.find((ip) => ip.version === 4) ?? fixed[0])
  if (!chosen) throw new ComputeValidationError('Specified fixed address not assigned to instance')
  try {
    await client.associate(fip.id, chosen.port, chosen.address)
  } catch (error) {
    if (error instanceof ServiceCallError && error.status < 500) {
      throw new ComputeValidationError(
        `Unable to associate floating IP ${input.address} to fixed IP ${chosen.address} for instance ${input.uuid}. ${error.message}`,
      )
    }
    throw error
  }
}

/** Unbinds `address` from the server; 409 when it is bound elsewhere or not at all. */
export async function removeFloatingIp(
  ctx: ComputeContext,
  caller: Caller,
  token: string,
  input: { uuid: string; address: string },
): Promise<void> {
  const instance = await findServer(ctx, caller, input.uuid)
  const client = ctx.network.floatingIpsAs(token)
  const fip = await client.findByAddress(input.address)
  if (!fip) throw new NotFoundError(`floating IP not found`)
  const ports = new Set(instance.networkInfo.map((v) => v.portId))
  if (!fip.portId || !ports.has(fip.portId)) {
    throw new ConflictError(
      `Floating IP ${input.address} is not associated with instance ${input.uuid}.`,
    )
  }
  await client.disassociate(fip.id)
}
