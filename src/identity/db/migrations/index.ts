/** @module identity/db/migrations: the identity service's migrations in order */
import type { MigrationSet } from '../../../core/db/index.js'
import { migration0001 } from './0001-initial.js'
import { migration0002 } from './0002-mysql-medium-text.js'
import { migration0003 } from './0003-policy-blobs.js'

export const identityMigrations: MigrationSet = {
  '0001-initial': migration0001,
  '0002-mysql-medium-text': migration0002,
  '0003-policy-blobs': migration0003,
}
