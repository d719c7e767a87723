/** @module network/db/migrations: the network service's migrations in order */
import type { MigrationSet } from '../../../core/db/index.js'
import { migration0001 } from './0001-initial.js'
import { migration0002 } from './0002-agents.js'

export const networkMigrations: MigrationSet = {
  '0001-initial': migration0001,
  '0002-agents': migration0002,
}
