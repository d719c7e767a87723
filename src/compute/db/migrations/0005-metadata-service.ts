/** @module compute/db/migrations/0005-metadata-service: EC2 ids of servers and images, server system metadata */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  // Nova's instance_id_mappings and s3_images: the integer behind i-%08x and ami-%08x
  await db.schema
    .createTable('ec2_id_mapping')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('uuid', 'varchar(64)', (c) => c.notNull().unique())
    .execute()
  await db.schema
    .createTable('instance_system_metadata')
    .addColumn('instance_uuid', 'varchar(64)', (c) => c.notNull())
    .addColumn('meta_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('meta_value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('instance_system_metadata_pk', ['instance_uuid', 'meta_key'])
    .execute()
}

export const migration0005: Migration = { up }
