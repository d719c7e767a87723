/** @module image/db/migrations: the image service's migrations in order */
import type { MigrationSet } from '../../../core/db/index.js'
import { migration0001 } from './0001-initial.js'
import { migration0002 } from './0002-mysql-medium-text.js'

export const imageMigrations: MigrationSet = {
  '0001-initial': migration0001,
  '0002-mysql-medium-text': migration0002,
}
