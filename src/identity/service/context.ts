/** @module identity/service/context: what every identity use case is given */
import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock/index.js'
import type { IdSource } from '../../core/ids/index.js'
import type { Logger } from '../../core/log/index.js'
import type { IdentityConfig } from '../config.js'
import type { IdentityDatabase } from '../db/schema.js'
import type { RevocationEvent } from '../db/revocations-repo.js'
import type { KeyRepository } from '../tokens/key-repository.js'

/**
 * In-memory state shared by the identity units of one process. `generation` moves on every
 * write, so caches keyed by it never serve data older than the last change made here.
 */
export interface IdentityState {
  generation: number
  revocations: RevocationEvent[]
  /** Validated token data, keyed by token, valid while the generation is unchanged. */
  tokenCache: Map<string, { generation: number; until: number; value: unknown }>
  /** The catalog as last built, with the generation it was built at. */
  catalogCache?: { generation: number; catalog: unknown }
}

export function createIdentityState(): IdentityState {
  return { generation: 0, revocations: [], tokenCache: new Map() }
}

/** The identity service's dependencies. */
export interface IdentityContext {
  db: Kysely<IdentityDatabase>
  clock: Clock
  ids: IdSource
  config: Readonly<IdentityConfig>
  tokenKeys: KeyRepository
  credentialKeys: KeyRepository
  state: IdentityState
  logger: Logger
  /** The region endpoints are registered in. */
  region: string
}

/** Marks identity data as changed: cached tokens are rebuilt on next use. */
export function markChanged(ctx: IdentityContext): void {
  ctx.state.generation++
  ctx.state.tokenCache.clear()
}

/** Runs `fn` in a transaction and marks the data changed once it commits. */
export async function writeTransaction<T>(
  ctx: IdentityContext,
  fn: (db: Kysely<IdentityDatabase>) => Promise<T>,
): Promise<T> {
  const result = await ctx.db.transaction().execute(fn)
  markChanged(ctx)
  return result
}

/** ISO time of now, as stored. */
export function nowIso(ctx: IdentityContext): string {
  return new Date(ctx.clock.now()).toISOString()
}
