/** @module identity/service/credentials: stored credentials (EC2 keys and others), encrypted at rest */
import { createHash } from 'node:crypto'
import {
  createCredential,
  deleteCredential,
  getCredential,
  listCredentials,
  updateCredential,
  type StoredCredential,
} from '../db/credentials-repo.js'
import { getProject } from '../db/projects-repo.js'
import { IdentityConflictError, IdentityNotFoundError, IdentityValidationError } from '../errors.js'
import { writeTransaction, type IdentityContext } from './context.js'
import { requireUser } from './lookups.js'

/** A credential with its blob decrypted. */
export interface Credential {
  id: string
  userId: string
  projectId: string | null
  type: string
  blob: string
  extra: Record<string, unknown>
}

export interface CredentialInput {
  userId?: string
  projectId?: string | null
  type?: string
  blob?: string
  extra?: Record<string, unknown>
}

function decrypt(ctx: IdentityContext, stored: StoredCredential): Credential {
  const plain = ctx.credentialKeys.decrypt(stored.encryptedBlob)
  return {
    id: stored.id,
    userId: stored.userId,
    projectId: stored.projectId,
    type: stored.type,
    blob: plain ? plain.toString('utf8') : '',
    extra: stored.extra,
  }
}

function encrypt(ctx: IdentityContext, c: Credential): StoredCredential {
  return {
    id: c.id,
    userId: c.userId,
    projectId: c.projectId,
    type: c.type,
    extra: c.extra,
    encryptedBlob: ctx.credentialKeys.encrypt(Buffer.from(c.blob, 'utf8'), ctx.clock.now()),
  }
}

/** EC2 credentials carry `access` in their JSON blob and belong to a project. */
function ec2Access(c: {
  type: string
  blob: string
  projectId: string | null
}): string | undefined {
  if (c.type !== 'ec2') return undefined
  let blob: unknown
  try {
    blob = JSON.parse(c.blob)
  } catch {
    throw new IdentityValidationError('Invalid blob in credential: an ec2 blob must be JSON.')
  }
  const access = (blob as { access?: unknown } | null)?.access
  if (typeof access !== 'string' || access === '')
    throw new IdentityValidationError('Invalid blob in credential: an ec2 blob needs "access".')
  if (!c.projectId)
    throw new IdentityValidationError(
      'Invalid blob in credential: an ec2 credential needs a project_id.',
    )
  return access
}

export async function createCredentialIn(
  ctx: IdentityContext,
  input: Required<Pick<CredentialInput, 'userId' | 'type' | 'blob'>> & CredentialInput,
): Promise<Credential> {
  await requireUser(ctx, input.userId)
  if (input.projectId && !(await getProject(ctx.db, input.projectId)))
    throw new IdentityValidationError(`Could not find project: ${input.projectId}.`)
  const access = ec2Access({
    type: input.type,
    blob: input.blob,
    projectId: input.projectId ?? null,
  })
  const id = access ? createHash('sha256').update(access).digest('hex') : ctx.ids.hex()
  if (await getCredential(ctx.db, id)) throw new IdentityConflictError('credential', 'id', id)
  const credential: Credential = {
    id,
    userId: input.userId,
    projectId: input.projectId ?? null,
    type: input.type,
    blob: input.blob,
    extra: input.extra ?? {},
  }
  await writeTransaction(ctx, (db) => createCredential(db, encrypt(ctx, credential)))
  return credential
}

export async function requireCredential(ctx: IdentityContext, id: string): Promise<Credential> {
  const stored = await getCredential(ctx.db, id)
  if (!stored) throw new IdentityNotFoundError('credential', id)
  return decrypt(ctx, stored)
}

export async function listCredentialsOf(
  ctx: IdentityContext,
  filter: { userId?: string; type?: string },
): Promise<Credential[]> {
  return (await listCredentials(ctx.db, filter)).map((c) => decrypt(ctx, c))
}

export async function updateCredentialBy(
  ctx: IdentityContext,
  id: string,
  input: CredentialInput,
): Promise<Credential> {
  const current = await requireCredential(ctx, id)
  if (input.userId !== undefined) await requireUser(ctx, input.userId)
  if (input.projectId && !(await getProject(ctx.db, input.projectId)))
    throw new IdentityValidationError(`Could not find project: ${input.projectId}.`)
  const next: Credential = {
    ...current,
    ...(input.userId !== undefined ? { userId: input.userId } : {}),
    ...(input.projectId !== undefined ? { projectId: input.projectId } : {}),
    ...(input.type !== undefined ? { type: input.type } : {}),
    ...(input.blob !== undefined ? { blob: input.blob } : {}),
    extra: { ...current.extra, ...(input.extra ?? {}) },
  }
  ec2Access(next)
  await writeTransaction(ctx, (db) => updateCredential(db, encrypt(ctx, next)))
  return next
}

export async function removeCredential(ctx: IdentityContext, id: string): Promise<void> {
  await requireCredential(ctx, id)
  await writeTransaction(ctx, (db) => deleteCredential(db, id))
}
