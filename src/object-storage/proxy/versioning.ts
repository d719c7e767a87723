/** @module object-storage/proxy/versioning: X-Versions-Location (stack) and X-History-Location */
import type { ProxyContext } from './context.js'
import type { ContainerState } from './container-ops.js'
import { readContainer } from './container-ops.js'
import { copyStored } from './object-copy.js'
import { deleteObject, readObject } from './replicated-objects.js'

interface ObjectPath {
  account: string
  container: string
  object: string
}

/** The archive container of a versioned container, and its mode. */
export function versionsOf(
  state: ContainerState,
): { container: string; mode: 'stack' | 'history' } | undefined {
  const stack = state.meta['x-versions-location']
  if (stack) return { container: decodeURIComponent(stack), mode: 'stack' }
  const history = state.meta['x-history-location']
  if (history) return { container: decodeURIComponent(history), mode: 'history' }
  return undefined
}

/** Swift's archive name: three hex digits of the name's length, the name, `/`, the timestamp. */
export function versionPrefix(object: string): string {
  return `${object.length.toString(16).padStart(3, '0')}${object}/`
}

/** Copies the current version, if any, into the archive container before it is replaced. */
export async function archiveCurrent(ctx: ProxyContext, state: ContainerState, path: ObjectPath) {
  const versions = versionsOf(state)
  if (!versions || !readContainer(ctx, path.account, versions.container)) return
  const current = await readObject(ctx, path)
  if (!current) return
  const target = {
    account: path.account,
    container: versions.container,
    object: `${versionPrefix(path.object)}${current.metadata.timestamp}`,
  }
  await copyStored(ctx, current, target, {})
}

/**
 * Deletes an object of a versioned container. Stack mode restores the newest archived version
 * (and removes it from the archive); history mode archives the current one first.
 * Returns false when the container is not versioned (the caller deletes normally).
 */
export async function deleteVersioned(ctx: ProxyContext, state: ContainerState, path: ObjectPath) {
  const versions = versionsOf(state)
  if (!versions || !readContainer(ctx, path.account, versions.container)) return false
  if (versions.mode === 'history') {
    await archiveCurrent(ctx, state, path)
    await deleteObject(ctx, path, ctx.timestamp())
    return true
  }
  const brokers = ctx.cluster.containerBrokers(path.account, versions.container)
  const newest = brokers[0]?.broker
    .list({ prefix: versionPrefix(path.object), limit: 1, reverse: true })
    .find((e) => e.kind === 'row')
  if (!newest || newest.kind !== 'row') {
    await deleteObject(ctx, path, ctx.timestamp())
    return true
  }
  const archived = { account: path.account, container: versions.container, object: newest.row.name }
  const stored = await readObject(ctx, archived)
  if (stored) await copyStored(ctx, stored, path, {})
  else await deleteObject(ctx, path, ctx.timestamp())
  await deleteObject(ctx, archived, ctx.timestamp())
  return true
}
