/** @module block-storage/test/nbd-export.test: file volumes exported over NBD to other hosts, through the attachments API */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec } from '../../core/sys/exec.js'
import { processesMatching } from '../../core/sys/process-table.js'
import { FileVolumeDriver } from '../driver/file/file-volume-driver.js'
import { pattern } from '../driver/volume-driver.conformance.js'
import {
  alice,
  createBlockStorageFixture,
  type BlockStorageFixture,
  type Json,
} from './block-storage-fixture.js'

/** Why this machine cannot run the suite (no TCP export needs root), or undefined. */
async function missingTools(): Promise<string | undefined> {
  for (const tool of ['qemu-nbd', 'qemu-img', 'qemu-io']) {
    try {
      await exec(tool, ['--version'], { timeoutMs: 10_000 })
    } catch {
      return `${tool} is not installed (Debian: qemu-utils)`
    }
  }
  return undefined
}

const skip = await missingTools()
const MV = { 'openstack-api-version': 'volume 3.44' }
const SERVER = '11111111-2222-4333-8444-555555555555'
/** A range of its own, so that parallel runs do not meet. */
const PORT_MIN = 20_000 + Math.floor(Math.random() * 400) * 100
const PORT_MAX = PORT_MIN + 9

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** The qemu-nbd processes serving a file whose path contains `text`. */
async function servers(text: string): Promise<number[]> {
  const found = await processesMatching(
    (argv) => (argv[0] ?? '').endsWith('qemu-nbd') && argv.some((a) => a.includes(text)),
  )
  return found.map((p) => p.pid)
}

describe.skipIf(skip !== undefined)(
  `NBD exports of file volumes${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let dataDir: string
    let f: BlockStorageFixture
    const scratch = mkdtempSync(join(tmpdir(), 'nimbus-nbd-test-'))
    const start = () =>
      createBlockStorageFixture({
        dataDir,
        config: { nbdAddress: '127.0.0.1', nbdPortMin: PORT_MIN, nbdPortMax: PORT_MAX },
      })

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'nimbus-nbd-volume-'))
      f = await start()
    })
    afterAll(async () => {
      await f.close()
      for (const pid of await servers(dataDir)) process.kill(pid, 'SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
      rmSync(scratch, { recursive: true, force: true })
    })

    const volumeFile = (id: string) => join(dataDir, 'volumes', `volume-${id}.qcow2`)

    async function volumeWith(data: Buffer): Promise<string> {
      const id = String((await f.createVolume(alice, { size: 1 }))['id'])
      await f.waitVolume(alice, id, ['available'])
      const src = join(scratch, `${id}.bin`)
      writeFileSync(src, data)
      await exec('qemu-img', ['convert', '-n', '-f', 'raw', '-O', 'qcow2', src, volumeFile(id)])
      return id
    }

    async function attach(id: string, host: string, mode?: string) {
      const r = await f.request(alice, {
        method: 'POST',
        url: f.url(alice, '/attachments'),
        headers: MV,
        payload: {
          attachment: {
            volume_uuid: id,
            instance_uuid: SERVER,
            connector: { host, mountpoint: '/dev/vdb' },
            ...(mode ? { mode } : {}),
          },
        },
      })
      return { status: r.statusCode, body: r.json<Json>() }
    }

    async function detach(attachmentId: string): Promise<void> {
      const r = await f.request(alice, {
        method: 'DELETE',
        url: f.url(alice, `/attachments/${attachmentId}`),
        headers: MV,
      })
      expect(r.statusCode).toBe(200)
    }

    /** The first MiB of an export, read through QEMU's NBD client. */
    async function readExport(data: Json): Promise<Buffer> {
      const out = join(scratch, `read-${String(data['name'])}.raw`)
      const url = `nbd://${String(data['host'])}:${String(data['port'])}/${String(data['name'])}`
      await exec('qemu-img', [
        'dd',
        '-f',
        'raw',
        '-O',
        'raw',
        'bs=1M',
        'count=1',
        `if=${url}`,
        `of=${out}`,
      ])
      return readFileSync(out)
    }

    it('exports a volume to another host, serves its bytes, and stops when detached', async () => {
      const id = await volumeWith(pattern(11))
      const local = await attach(id, 'node1')
      const localInfo = (local.body['attachment'] as Json)['connection_info'] as Json
      expect(localInfo['driver_volume_type']).toBe('file')
      await detach(String((local.body['attachment'] as Json)['id']))

      const remote = await attach(id, 'compute-2')
      expect(remote.status).toBe(200)
      const attachment = remote.body['attachment'] as Json
      const info = attachment['connection_info'] as Json
      expect(info['driver_volume_type']).toBe('nbd')
      const data = info['data'] as Json
      expect(data).toMatchObject({ host: '127.0.0.1', name: `volume-${id}`, access_mode: 'rw' })
      const port = Number(data['port'])
      expect(port).toBeGreaterThanOrEqual(PORT_MIN)
      expect(port).toBeLessThanOrEqual(PORT_MAX)
      expect((await readExport(data)).equals(pattern(11))).toBe(true)
      expect(await servers(volumeFile(id))).toHaveLength(1)

      await detach(String(attachment['id']))
      expect(await servers(volumeFile(id))).toEqual([])
      expect(await listening(port)).toBe(false)
    })

    it('answers 500 with the reason, and leaves it as a message, when the export cannot start', async () => {
      const id = await volumeWith(pattern(15))
      rmSync(volumeFile(id))
      const failed = await attach(id, 'compute-2')
      expect(failed.status).toBe(500)
      const text = JSON.stringify(failed.body)
      expect(text).toContain('Bad or unexpected response from the storage volume backend API')
      expect(text).toContain(`volume ${id} does not exist on backend file`)
      const messages = await f.request(alice, {
        method: 'GET',
        url: f.url(alice, '/messages'),
        headers: { 'openstack-api-version': 'volume 3.3' },
      })
      expect(JSON.stringify(messages.json())).toContain(`Connecting the volume to compute-2 failed`)
      expect(await servers(volumeFile(id))).toEqual([])
    })

    it('exports read-only to a read-only attachment', async () => {
      const id = await volumeWith(pattern(12))
      const ro = await attach(id, 'compute-2', 'ro')
      const data = ((ro.body['attachment'] as Json)['connection_info'] as Json)['data'] as Json
      expect(data['access_mode']).toBe('ro')
      const url = `nbd://127.0.0.1:${String(data['port'])}/${String(data['name'])}`
      await expect(exec('qemu-io', ['-f', 'raw', '-c', 'write 0 4k', url])).rejects.toThrow(
        /Permission denied|read-only/,
      )
      expect((await readExport(data)).equals(pattern(12))).toBe(true)
      await detach(String((ro.body['attachment'] as Json)['id']))
      expect(await servers(volumeFile(id))).toEqual([])
    })

    it('shares one export between holders, refuses to mix modes, lets go when a holder comes home', async () => {
      const root = join(scratch, 'driver')
      const d = new FileVolumeDriver({
        root,
        format: 'raw',
        capacityGb: 10,
        exports: {
          mode: 'auto',
          localHosts: ['storage1'],
          address: '127.0.0.1',
          portMin: PORT_MIN,
          portMax: PORT_MAX,
        },
      })
      await d.init()
      await d.createVolume({ id: 'v1', sizeGb: 1 })
      const a = await d.connectionInfo('v1', { host: 'c2' }, { holder: 'a1', readOnly: false })
      const b = await d.connectionInfo('v1', { host: 'c3' }, { holder: 'a2', readOnly: false })
      expect(a.driverVolumeType).toBe('nbd')
      expect(b.data['port']).toBe(a.data['port'])
      const mixed = d.connectionInfo('v1', { host: 'c4' }, { holder: 'a3', readOnly: true })
      await expect(mixed).rejects.toThrow(
        /exported read-write to a1, a2; it cannot be exported read-only to a3/,
      )
      // the caller's error, not the backend's: 400 across the bus, InvalidVolume at the API
      await expect(mixed).rejects.toMatchObject({ name: 'VolumeDriverRefusal', status: 400 })
      const home = await d.connectionInfo(
        'v1',
        { host: 'storage1' },
        { holder: 'a1', readOnly: false },
      )
      expect(home.driverVolumeType).toBe('file')
      expect(await servers(join(root, 'volume-v1.raw'))).toHaveLength(1)
      await d.terminateConnection('v1', 'a2')
      expect(await servers(join(root, 'volume-v1.raw'))).toEqual([])
      await d.connectionInfo('v1', { host: 'c2' }, { holder: 'a1', readOnly: true })
      expect(await servers(join(root, 'volume-v1.raw'))).toHaveLength(1)
      await d.deleteVolume('v1')
      expect(await servers(join(root, 'volume-v1.raw'))).toEqual([])
    })

    it('an agent restart keeps the exports in use and stops the ones nobody recorded', async () => {
      const id = await volumeWith(pattern(13))
      const remote = await attach(id, 'compute-2')
      const attachment = remote.body['attachment'] as Json
      const data = (attachment['connection_info'] as Json)['data'] as Json
      const [pid] = await servers(volumeFile(id))
      const stray = await volumeWith(pattern(14))
      const strayPort = PORT_MAX
      await exec('qemu-nbd', [
        '--fork',
        '--persistent',
        '--bind',
        '127.0.0.1',
        '--port',
        String(strayPort),
        '--format=qcow2',
        volumeFile(stray),
      ])
      expect(await servers(volumeFile(stray))).toHaveLength(1)

      await f.close()
      f = await start()
      expect(await servers(volumeFile(id))).toEqual([pid])
      expect((await readExport(data)).equals(pattern(13))).toBe(true)
      expect(await servers(volumeFile(stray))).toEqual([])
      expect(await listening(strayPort)).toBe(false)

      await detach(String(attachment['id']))
      expect(await servers(volumeFile(id))).toEqual([])
    })
  },
)
