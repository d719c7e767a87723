/** @module compute/db/migrations: the compute service's migrations in order */
import type { MigrationSet } from '../../../core/db/index.js'
import { migration0001 } from './0001-initial.js'

export const computeMigrations: MigrationSet = { '0001-initial': migration0001 }
