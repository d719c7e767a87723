/** @module compute/db/migrations/0006-instance-list-index: server lists read a page in creation order from an index */
import type { Kysely, Migration } from 'kysely'

/**
 * `GET /servers` orders by created_at then uuid, newest first, within a project (or across
 * all of them for admins): with these the database walks the index and stops at the page,
 * instead of sorting every server of the project for each request.
 */
async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('instance_project_created_idx')
    .on('instance')
    .columns(['project_id', 'deleted', 'created_at', 'uuid'])
    .execute()
  await db.schema
    .createIndex('instance_deleted_created_idx')
    .on('instance')
    .columns(['deleted', 'created_at', 'uuid'])
    .execute()
}

export const migration0006: Migration = { up }
