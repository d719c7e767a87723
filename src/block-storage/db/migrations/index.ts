/** @module block-storage/db/migrations: the block storage service's migrations in order */
import type { MigrationSet } from '../../../core/db/index.js'
import { migration0001 } from './0001-initial.js'
import { migration0002 } from './0002-transfers-qos.js'
import { migration0003 } from './0003-groups.js'
import { migration0004 } from './0004-encryption-frozen.js'

export const blockStorageMigrations: MigrationSet = {
  '0001-initial': migration0001,
  '0002-transfers-qos': migration0002,
  '0003-groups': migration0003,
  '0004-encryption-frozen': migration0004,
}
