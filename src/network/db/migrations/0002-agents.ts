/** @module network/db/migrations/0002-agents: agents' administrative state and the agents hosting each network and router */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agent')
    .addColumn('agent_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('admin_state_up', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_pk', ['agent_type', 'host'])
    .execute()
  await db.schema
    .createTable('agent_binding')
    .addColumn('agent_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_binding_pk', ['agent_type', 'resource_id'])
    .execute()
}

export const migration0002: Migration = { up }
