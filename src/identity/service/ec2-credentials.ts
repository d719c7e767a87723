/** @module identity/service/ec2-credentials: the OS-EC2 view of a user's ec2 credentials */
import { randomBytes } from 'node:crypto'
import { getProject } from '../db/projects-repo.js'
import { IdentityNotFoundError } from '../errors.js'
import type { IdentityContext } from './context.js'
import {
  createCredentialIn,
  listCredentialsOf,
  removeCredential,
  type Credential,
} from './credentials.js'
import { requireUser } from './lookups.js'

/** An ec2 key pair as OS-EC2 shows it. */
export interface Ec2Credential {
  userId: string
  tenantId: string | null
  access: string
  secret: string
  trustId: string | null
}

function fromCredential(c: Credential): Ec2Credential {
  const blob = JSON.parse(c.blob) as { access: string; secret?: string; trust_id?: string | null }
  return {
    userId: c.userId,
    tenantId: c.projectId,
    access: blob.access,
    secret: blob.secret ?? '',
    trustId: blob.trust_id ?? null,
  }
}

/** Creates a key pair for a user on a project. */
export async function createEc2Credential(
  ctx: IdentityContext,
  userId: string,
  tenantId: string,
): Promise<Ec2Credential> {
  await requireUser(ctx, userId)
  const project = await getProject(ctx.db, tenantId)
  if (!project || project.isDomain) throw new IdentityNotFoundError('project', tenantId)
  const access = randomBytes(16).toString('hex')
  const secret = randomBytes(16).toString('hex')
  const blob = JSON.stringify({ access, secret, trust_id: null })
  const credential = await createCredentialIn(ctx, {
    userId,
    projectId: tenantId,
    type: 'ec2',
    blob,
  })
  return fromCredential(credential)
}

export async function listEc2Credentials(
  ctx: IdentityContext,
  userId: string,
): Promise<Ec2Credential[]> {
  await requireUser(ctx, userId)
  return (await listCredentialsOf(ctx, { userId, type: 'ec2' })).map(fromCredential)
}

export async function getEc2Credential(
  ctx: IdentityContext,
  userId: string,
  access: string,
): Promise<Ec2Credential> {
  const found = (await listEc2Credentials(ctx, userId)).find((c) => c.access === access)
  if (!found) throw new IdentityNotFoundError('credential', access)
  return found
}

export async function removeEc2Credential(
  ctx: IdentityContext,
  userId: string,
  access: string,
): Promise<void> {
  const list = await listCredentialsOf(ctx, { userId, type: 'ec2' })
  const found = list.find((c) => fromCredential(c).access === access)
  if (!found) throw new IdentityNotFoundError('credential', access)
  await removeCredential(ctx, found.id)
}
