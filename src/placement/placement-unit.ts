/** @module placement/placement-unit: builds the placement service from its parts */
import { migrateToLatest, openServiceDatabase } from '../core/db/index.js'
import type { DatabaseLocation } from '../core/db/index.js'
import type { TokenValidator } from '../core/auth/index.js'
import type { Clock } from '../core/clock/index.js'
import type { ServiceMount } from '../core/http/index.js'
import type { IdSource } from '../core/ids/index.js'
import type { Logger } from '../core/log/index.js'
import { createPolicyEnforcer } from '../core/policy/index.js'
import { renderPlacementFault } from './api/placement-fault.js'
import { PLACEMENT_MAX_VERSION, placementRoutes } from './api/routes.js'
import { placementMigrations } from './db/migrations/index.js'
import type { PlacementDatabase } from './db/schema.js'
import type { PlacementContext } from './service/context.js'
import { ensureStandardTraits } from './service/traits.js'

/** Path of the placement API on the listener. */
export const PLACEMENT_PATH = '/placement'

export interface PlacementUnitOptions {
  database: DatabaseLocation
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  policyOverrides?: Record<string, string>
}

export interface PlacementUnit {
  ctx: PlacementContext
  mounts: ServiceMount[]
  close(): Promise<void>
}

export async function createPlacementUnit(options: PlacementUnitOptions): Promise<PlacementUnit> {
  const database = await openServiceDatabase<PlacementDatabase>(options.database, 'placement')
  await migrateToLatest(database.db as never, placementMigrations)
  const ctx: PlacementContext = { db: database.db, clock: options.clock, ids: options.ids }
  await ensureStandardTraits(ctx)
  const policy = createPolicyEnforcer({
    defaults: { 'placement:admin': 'role:admin or role:service' },
    ...(options.policyOverrides ? { overrides: options.policyOverrides } : {}),
  })
  return {
    ctx,
    mounts: [
      {
        name: 'placement',
        prefixes: [PLACEMENT_PATH],
        routes: placementRoutes(ctx, PLACEMENT_PATH),
        faults: renderPlacementFault,
        logger: options.logger,
        tokens: options.tokens,
        policy,
        microversion: { serviceType: 'placement', min: '1.0', max: PLACEMENT_MAX_VERSION },
      },
    ],
    close: () => database.close(),
  }
}

/** What the all-in-one gives the placement unit (structurally the deploy layer's UnitEnv). */
export interface PlacementUnitEnv {
  database: DatabaseLocation
  logger: Logger
  clock: Clock
  ids: IdSource
  tokens: TokenValidator
  policyOverrides?: Record<string, string>
}

/** The all-in-one's factory of the placement service. */
export async function startPlacementUnit(env: PlacementUnitEnv) {
  const unit = await createPlacementUnit(env)
  return {
    name: 'placement',
    mounts: unit.mounts,
    catalog: [
      { type: 'placement', name: 'placement', description: 'Placement', path: PLACEMENT_PATH },
    ],
    close: () => unit.close(),
  }
}
