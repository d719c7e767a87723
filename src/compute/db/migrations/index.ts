/** @module compute/db/migrations: the compute service's migrations in order */
import type { MigrationSet } from '../../../core/db/index.js'
import { migration0001 } from './0001-initial.js'
import { migration0002 } from './0002-aggregates.js'
import { migration0003 } from './0003-migrations.js'
import { migration0004 } from './0004-block-devices.js'
import { migration0005 } from './0005-metadata-service.js'
import { migration0006 } from './0006-instance-list-index.js'
import { migration0007 } from './0007-quota-classes.js'

export const computeMigrations: MigrationSet = {
  '0001-initial': migration0001,
  '0002-aggregates': migration0002,
  '0003-migrations': migration0003,
  '0004-block-devices': migration0004,
  '0005-metadata-service': migration0005,
  '0006-instance-list-index': migration0006,
  '0007-quota-classes': migration0007,
}
