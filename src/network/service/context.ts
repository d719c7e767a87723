/** @module network/service/context: what every network use case is given */
import type { Kysely, Transaction } from 'kysely'
import { isoSeconds, type Clock } from '../../core/clock/index.js'
import { isUniqueViolation, type DbDialect } from '../../core/db/index.js'
import type { IdSource } from '../../core/ids/index.js'
import type { Logger } from '../../core/log/index.js'
import type { NetworkConfig } from '../config.js'
import type { NetworkDatabase } from '../db/schema.js'
import type { MechanismDriver } from '../mech/mechanism-driver.js'
import type { AgentRegistry } from '../rpc/agent-registry.js'
import type { PortChange } from './compute-notifier.js'

export type Db = Kysely<NetworkDatabase>
export type Tx = Transaction<NetworkDatabase> | Kysely<NetworkDatabase>

/** The network service's dependencies. */
export interface NetworkContext {
  db: Db
  dialect: DbDialect
  clock: Clock
  ids: IdSource
  config: Readonly<NetworkConfig>
  logger: Logger
  drivers: readonly MechanismDriver[]
  /** The agents that report to this server (none when no bus reaches agents). */
  agents?: AgentRegistry
  /** Told of every committed port change (the compute notifier sends server events from it). */
  onPortChange?: (change: PortChange) => void
}

/** Who is calling, as the use cases need it. */
export interface Caller {
  projectId: string
  isAdmin: boolean
}

/** Timestamps as Neutron shows them (`2026-01-01T00:00:00Z`). */
export function now(ctx: NetworkContext): string {
  return isoSeconds(ctx.clock.now())
}

/**
 * Runs `fn` in a transaction, retrying the whole transaction when a unique index refuses a
 * row another transaction took first (an address, a MAC, a segment): the retry sees that row
 * and picks another. After `attempts` the last violation is rethrown.
 */
export async function retryingTransaction<T>(
  ctx: NetworkContext,
  fn: (tx: Transaction<NetworkDatabase>) => Promise<T>,
  attempts = 20,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction().execute(fn)
    } catch (error) {
      if (!isUniqueViolation(error) && !isDeadlock(error)) throw error
      if (attempt >= attempts) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
    }
  }
}

function isDeadlock(error: unknown): boolean {
  const e = error as { code?: string }
  return (
    e.code === 'ER_LOCK_DEADLOCK' ||
    e.code === 'ER_LOCK_WAIT_TIMEOUT' ||
    e.code === '40001' ||
    e.code === '40P01' ||
    e.code === 'SQLITE_BUSY'
  )
}

/** Whether `projectId` may see a resource owned by `owner`. */
export function owns(caller: Caller, owner: string): boolean {
  return caller.isAdmin || caller.projectId === owner
}
