/** @module identity/service/policy-blobs: `/v3/policies`, opaque policy documents kept for other services */
import {
  createPolicyBlob,
  deletePolicyBlob,
  getPolicyBlob,
  listPolicyBlobs,
  updatePolicyBlob,
  type PolicyBlob,
} from '../db/policy-blobs-repo.js'
import { IdentityNotFoundError } from '../errors.js'
import { writeTransaction, type IdentityContext } from './context.js'

export type { PolicyBlob } from '../db/policy-blobs-repo.js'

export interface PolicyBlobInput {
  type?: string
  blob?: string
  extra?: Record<string, unknown>
}

export async function requirePolicyBlob(ctx: IdentityContext, id: string): Promise<PolicyBlob> {
  const found = await getPolicyBlob(ctx.db, id)
  if (!found) throw new IdentityNotFoundError('policy', id)
  return found
}

export const listPolicyBlobsBy = (ctx: IdentityContext, filter: { type?: string }) =>
  listPolicyBlobs(ctx.db, filter)

export async function createPolicyBlobIn(
  ctx: IdentityContext,
  input: Required<Pick<PolicyBlobInput, 'type' | 'blob'>> & PolicyBlobInput,
): Promise<PolicyBlob> {
  const policy: PolicyBlob = {
    id: ctx.ids.hex(),
    type: input.type,
    blob: input.blob,
    extra: input.extra ?? {},
  }
  await writeTransaction(ctx, (db) => createPolicyBlob(db, policy))
  return policy
}

export async function updatePolicyBlobBy(
  ctx: IdentityContext,
  id: string,
  input: PolicyBlobInput,
): Promise<PolicyBlob> {
  const current = await requirePolicyBlob(ctx, id)
  const next: PolicyBlob = {
    ...current,
    ...(input.type !== undefined ? { type: input.type } : {}),
    ...(input.blob !== undefined ? { blob: input.blob } : {}),
    extra: { ...current.extra, ...(input.extra ?? {}) },
  }
  await writeTransaction(ctx, (db) => updatePolicyBlob(db, next))
  return next
}

export async function removePolicyBlob(ctx: IdentityContext, id: string): Promise<void> {
  await requirePolicyBlob(ctx, id)
  await writeTransaction(ctx, (db) => deletePolicyBlob(db, id))
}
