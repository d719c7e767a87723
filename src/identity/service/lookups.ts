/** @module identity/service/lookups: finding entities by id or by name within a domain */
import { findProjectByName, getProject, type Project } from '../db/projects-repo.js'
import { findUserByName, getUser, type User } from '../db/users-repo.js'
import { IdentityNotFoundError } from '../errors.js'
import type { IdentityContext } from './context.js'

/** A reference as requests give it: by id, or by name (with a domain for projects and users). */
export interface DomainRef {
  id?: string
  name?: string
}
export interface ScopedRef {
  id?: string
  name?: string
  domain?: DomainRef
}

export async function requireDomain(ctx: IdentityContext, id: string): Promise<Project> {
  const domain = await getProject(ctx.db, id)
  if (!domain || !domain.isDomain) throw new IdentityNotFoundError('domain', id)
  return domain
}

export async function requireProject(ctx: IdentityContext, id: string): Promise<Project> {
  const project = await getProject(ctx.db, id)
  if (!project || project.isDomain) throw new IdentityNotFoundError('project', id)
  return project
}

export async function requireUser(ctx: IdentityContext, id: string): Promise<User> {
  const user = await getUser(ctx.db, id)
  if (!user) throw new IdentityNotFoundError('user', id)
  return user
}

/** A project or a domain (the projects API shows both). */
export async function requireProjectOrDomain(ctx: IdentityContext, id: string): Promise<Project> {
  const project = await getProject(ctx.db, id)
  if (!project) throw new IdentityNotFoundError('project', id)
  return project
}

/** A domain by id or name. */
export async function resolveDomain(
  ctx: IdentityContext,
  ref: DomainRef,
): Promise<Project | undefined> {
  if (ref.id !== undefined) {
    const domain = await getProject(ctx.db, ref.id)
    return domain?.isDomain ? domain : undefined
  }
  if (ref.name !== undefined) return findProjectByName(ctx.db, ref.name, null)
  return undefined
}

/** A project by id, or by name within a domain given by id or name. */
export async function resolveProject(
  ctx: IdentityContext,
  ref: ScopedRef,
): Promise<Project | undefined> {
  if (ref.id !== undefined) {
    const project = await getProject(ctx.db, ref.id)
    return project && !project.isDomain ? project : undefined
  }
  if (ref.name === undefined || !ref.domain) return undefined
  const domain = await resolveDomain(ctx, ref.domain)
  return domain ? findProjectByName(ctx.db, ref.name, domain.id) : undefined
}

/** A user by id, or by name within a domain given by id or name. */
export async function resolveUser(ctx: IdentityContext, ref: ScopedRef): Promise<User | undefined> {
  if (ref.id !== undefined) return getUser(ctx.db, ref.id)
  if (ref.name === undefined || !ref.domain) return undefined
  const domain = await resolveDomain(ctx, ref.domain)
  return domain ? findUserByName(ctx.db, ref.name, domain.id) : undefined
}
