/** @module placement/db/migrations: the placement service's migrations in order */
import type { MigrationSet } from '../../../core/db/index.js'
import { migration0001 } from './0001-initial.js'
import { migration0002 } from './0002-traits.js'

export const placementMigrations: MigrationSet = {
  '0001-initial': migration0001,
  '0002-traits': migration0002,
}
