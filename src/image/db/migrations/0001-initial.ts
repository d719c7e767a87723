/** @module image/db/migrations/0001-initial: the image schema */
import type { Kysely, Migration } from 'kysely'

const ID = 'varchar(64)'
const TIME = 'varchar(32)'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('image')
    .addColumn('id', ID, (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)')
    .addColumn('status', 'varchar(30)', (c) => c.notNull())
    .addColumn('visibility', 'varchar(20)', (c) => c.notNull())
    .addColumn('size', 'bigint')
    .addColumn('virtual_size', 'bigint')
    .addColumn('checksum', 'varchar(32)')
    .addColumn('os_hash_algo', 'varchar(64)')
    .addColumn('os_hash_value', 'varchar(128)')
    .addColumn('disk_format', 'varchar(20)')
    .addColumn('container_format', 'varchar(20)')
    .addColumn('min_disk', 'integer', (c) => c.notNull())
    .addColumn('min_ram', 'integer', (c) => c.notNull())
    .addColumn('protected', 'integer', (c) => c.notNull())
    .addColumn('os_hidden', 'integer', (c) => c.notNull())
    .addColumn('owner', 'varchar(255)')
    .addColumn('properties', 'text', (c) => c.notNull())
    .addColumn('store', 'varchar(64)')
    .addColumn('location', 'varchar(1024)')
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('deleted_at', TIME)
    .execute()
  await db.schema.createIndex('image_owner').on('image').columns(['owner', 'deleted']).execute()
  await db.schema
    .createIndex('image_visibility')
    .on('image')
    .columns(['visibility', 'deleted'])
    .execute()
  await db.schema
    .createTable('image_tag')
    .addColumn('image_id', ID, (c) => c.notNull())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_tag_pk', ['image_id', 'value'])
    .execute()
  await db.schema.createIndex('image_tag_value').on('image_tag').column('value').execute()
  await db.schema
    .createTable('image_member')
    .addColumn('image_id', ID, (c) => c.notNull())
    .addColumn('member', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', TIME, (c) => c.notNull())
    .addColumn('updated_at', TIME, (c) => c.notNull())
    .addPrimaryKeyConstraint('image_member_pk', ['image_id', 'member'])
    .execute()
  await db.schema.createIndex('image_member_member').on('image_member').column('member').execute()
  await db.schema
    .createTable('default_image')
    .addColumn('file_name', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('image_id', ID, (c) => c.notNull())
    .execute()
}

export const migration0001: Migration = { up }
