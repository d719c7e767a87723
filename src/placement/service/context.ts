/** @module placement/service/context: what every placement use case is given */
import type { Kysely } from 'kysely'
import { isoSeconds, type Clock } from '../../core/clock/index.js'
import type { IdSource } from '../../core/ids/index.js'
import type { PlacementDatabase } from '../db/schema.js'

export interface PlacementContext {
  db: Kysely<PlacementDatabase>
  clock: Clock
  ids: IdSource
}

export function now(ctx: PlacementContext): string {
  return isoSeconds(ctx.clock.now())
}
