/** @module network/service/revisions: If-Match revision checks and the bump every update makes */
import type { StandardAttrs } from '../db/standard-attrs.js'
import { RevisionNumberConstraintFailedError } from '../errors.js'
import { ConflictError } from '../../core/errors/index.js'
import { now, type NetworkContext } from './context.js'

/** Throws 412 when the caller constrained the update to another revision. */
export function checkRevision(
  resource: { revisionNumber: number },
  ifMatch: number | undefined,
): void {
  if (ifMatch !== undefined && ifMatch !== resource.revisionNumber) {
    throw new RevisionNumberConstraintFailedError(ifMatch, resource.revisionNumber)
  }
}

/** The next version of a resource: revision + 1 and a fresh `updated_at`. */
export function bumped<T extends Pick<StandardAttrs, 'revisionNumber' | 'updatedAt'>>(
  ctx: NetworkContext,
  resource: T,
  changes: Partial<T>,
): T {
  return {
    ...resource,
    ...changes,
    revisionNumber: resource.revisionNumber + 1,
    updatedAt: now(ctx),
  }
}

/** Throws when a compare-and-swap write found the row changed under it. */
export function assertWritten(written: boolean, what: string): void {
  if (!written) throw new ConflictError(`${what} was changed by another request; retry.`)
}
