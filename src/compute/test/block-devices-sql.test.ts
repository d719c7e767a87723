/** @module compute/test/block-devices-sql.test: block device mappings and host capabilities on SQLite, MariaDB and PostgreSQL */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  migrateToLatest,
  openServiceDatabase,
  parseDatabaseUrl,
  serviceDatabaseName,
} from '../../core/db/index.js'
import {
  createBlockDevice,
  deleteBlockDevicesOf,
  hostCapabilities,
  listBlockDevices,
  setHostCapabilities,
  updateBlockDevice,
} from '../db/block-devices-repo.js'
import { computeMigrations } from '../db/migrations/index.js'
import type { ComputeDatabase } from '../db/schema.js'
import type { BlockDevice } from '../model/block-device.js'

const RUN = `nimbus_bdmtest_${randomBytes(4).toString('hex')}`
const dir = mkdtempSync(join(tmpdir(), 'nimbus-bdm-sql-'))

async function reachable(probe: () => Promise<void>): Promise<string | undefined> {
  try {
    await probe()
    return undefined
  } catch (error) {
    return String(error)
  }
}

const mysqlDown = await reachable(async () => {
  const mysql = await import('mysql2/promise')
  await (
    await mysql.createConnection({ host: '127.0.0.1', user: 'root', connectTimeout: 2000 })
  ).end()
})
const pgDown = await reachable(async () => {
  const { default: pg } = await import('pg')
  const c = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' })
  await c.connect()
  await c.end()
})

const targets = [
  { dialect: 'sqlite', url: `sqlite://${join(dir, 'bdm')}`, down: undefined },
  { dialect: 'mysql', url: `mysql://root@127.0.0.1:3306/${RUN}`, down: mysqlDown },
  { dialect: 'postgres', url: `postgresql://postgres@127.0.0.1:5432/${RUN}`, down: pgDown },
]

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  if (!mysqlDown) {
    const mysql = await import('mysql2/promise')
    const admin = await mysql.createConnection({ host: '127.0.0.1', user: 'root' })
    const name = serviceDatabaseName(new URL(`mysql://h/${RUN}`), 'compute')
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
    await admin.end()
  }
  if (!pgDown) {
    const { default: pg } = await import('pg')
    const admin = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' })
    await admin.connect()
    const name = serviceDatabaseName(new URL(`postgresql://h/${RUN}`), 'compute')
    await admin.query(`DROP DATABASE IF EXISTS "${name.toLowerCase()}"`)
    await admin.end()
  }
})

function bdm(fields: Partial<BlockDevice> & Pick<BlockDevice, 'uuid'>): BlockDevice {
  return {
    instanceUuid: 'server-1',
    sourceType: 'volume',
    destinationType: 'volume',
    deviceName: '/dev/vdb',
    bootIndex: null,
    volumeId: 'vol-1',
    attachmentId: 'att-1',
    imageId: null,
    snapshotId: null,
    volumeSize: 1,
    volumeType: null,
    deleteOnTermination: false,
    tag: null,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: null,
    ...fields,
  }
}

describe.each(targets)('block device mappings on $dialect', ({ url, down }) => {
  it.skipIf(down !== undefined)('records, updates with a guard and deletes mappings', async () => {
    const database = await openServiceDatabase<ComputeDatabase>(
      parseDatabaseUrl(url, dir),
      'compute',
    )
    try {
      await migrateToLatest(database.db as never, computeMigrations)
      const db = database.db
      await createBlockDevice(db, bdm({ uuid: 'b1', bootIndex: 0, deviceName: '/dev/vda' }))
      await createBlockDevice(db, bdm({ uuid: 'b2', volumeId: 'vol-2', tag: 'data' }))
      const listed = await listBlockDevices(db, ['server-1'])
      expect(listed.map((d) => [d.uuid, d.bootIndex, d.deleteOnTermination])).toEqual([
        ['b1', 0, false],
        ['b2', null, false],
      ])
      expect(await updateBlockDevice(db, 'b2', { attachmentId: null }, 'att-other')).toBe(false)
      expect(
        await updateBlockDevice(
          db,
          'b2',
          { deleteOnTermination: true, attachmentId: null },
          'att-1',
        ),
      ).toBe(true)
      expect((await listBlockDevices(db, ['server-1']))[1]).toMatchObject({
        attachmentId: null,
        deleteOnTermination: true,
        tag: 'data',
      })
      await setHostCapabilities(db, 'h1', ['volumeAttach', 'pause'])
      await setHostCapabilities(db, 'h1', ['pause'])
      expect([...(await hostCapabilities(db, 'h1'))]).toEqual(['pause'])
      await deleteBlockDevicesOf(db, 'server-1')
      expect(await listBlockDevices(db, ['server-1'])).toEqual([])
    } finally {
      await database.close()
    }
  })
})
