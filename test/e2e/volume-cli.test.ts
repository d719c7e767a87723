/** @module test/e2e/volume-cli.test: the real openstack CLI against `nimbus up`, block storage with real files */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec } from '../../src/core/sys/exec.js'
import { removeDataDir, startCloud, type Cloud } from './cloud.js'

type Row = Record<string, unknown>

const suffix = randomBytes(3).toString('hex')
const unique = (name: string) => `e2e-${name}-${suffix}`
const GIB = 1024 ** 3
const MIB = 1024 ** 2

function asRow(value: unknown): Row {
  expect(value, 'a JSON object').toBeTypeOf('object')
  return value as Row
}

async function waitFor(
  cloud: Cloud,
  args: string[],
  statuses: string[],
  timeoutMs = 120_000,
): Promise<Row> {
  const deadline = Date.now() + timeoutMs
  let last: Row = {}
  while (Date.now() < deadline) {
    last = asRow(await cloud.runJson(args))
    if (statuses.includes(String(last['status']))) return last
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${args.join(' ')} stayed ${String(last['status'])}`)
}

/** SHA-512 of `data` followed by zeros up to `size` bytes: a volume's content as an image. */
function paddedSha512(data: Buffer, size: number): string {
  const hash = createHash('sha512')
  hash.update(data)
  const zeros = Buffer.alloc(8 * MIB)
  for (let left = size - data.length; left > 0; left -= zeros.length)
    hash.update(left >= zeros.length ? zeros : zeros.subarray(0, left))
  return hash.digest('hex')
}

describe('volumes through the openstack CLI', () => {
  let cloud: Cloud
  const info = async (id: string) => {
    const r = await exec('qemu-img', [
      'info',
      '--output=json',
      '-U',
      join(cloud.dataDir, 'volumes', `volume-${id}.qcow2`),
    ])
    return JSON.parse(r.stdout) as Row
  }
  const volume = (id: string) => waitFor(cloud, ['volume', 'show', id], ['available', 'error'])

  beforeAll(async () => {
    cloud = await startCloud()
  })

  afterAll(async () => {
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      await removeDataDir(cloud.dataDir)
    }
  })

  it('creates a blank volume as a real file, sets properties and bootable, extends it', async () => {
    const name = unique('blank')
    const created = asRow(await cloud.runJson(['volume', 'create', '--size', '1', name]))
    const id = String(created['id'])
    expect(await volume(id)).toMatchObject({ status: 'available', size: 1, bootable: 'false' })
    expect((await info(id))['virtual-size']).toBe(GIB)
    await cloud.run(['volume', 'set', '--property', 'tier=gold', '--bootable', name])
    const shown = asRow(await cloud.runJson(['volume', 'show', name]))
    expect(shown['bootable']).toBe('true')
    expect(shown['properties']).toMatchObject({ tier: 'gold' })
    const listed = (await cloud.runJson(['volume', 'list', '--long'])) as Row[]
    expect(listed.map((v) => v['ID'])).toContain(id)
    await cloud.run(['volume', 'set', '--size', '2', name])
    const grown = await waitFor(cloud, ['volume', 'show', id], ['available', 'error_extending'])
    expect(grown['size']).toBe(2)
    expect((await info(id))['virtual-size']).toBe(2 * GIB)
    await cloud.run(['volume', 'delete', name])
  }, 300_000)

  it('makes volumes from an image, a snapshot and a volume, and uploads one back as an image', async () => {
    const pattern = randomBytes(MIB)
    const file = join(cloud.dataDir, 'pattern.raw')
    writeFileSync(file, pattern)
    const image = unique('img')
    await cloud.run([
      'image',
      'create',
      '--file',
      file,
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      image,
    ])
    const fromImage = asRow(
      await cloud.runJson(['volume', 'create', '--size', '1', '--image', image, unique('fromimg')]),
    )
    const vid = String(fromImage['id'])
    const ready = await volume(vid)
    expect(ready).toMatchObject({ status: 'available', bootable: 'true' })
    expect(asRow(ready['volume_image_metadata'])['image_name']).toBe(image)

    const snap = unique('snap')
    await cloud.run(['volume', 'snapshot', 'create', '--volume', vid, snap])
    await waitFor(cloud, ['volume', 'snapshot', 'show', snap], ['available'])
    const snaps = (await cloud.runJson(['volume', 'snapshot', 'list'])) as Row[]
    expect(snaps.map((s) => s['Name'])).toContain(snap)
    const backing = String((await info(vid))['backing-filename'])
    expect(backing).toMatch(/^snapshot-.*\.qcow2$/)

    const fromSnap = asRow(
      await cloud.runJson([
        'volume',
        'create',
        '--snapshot',
        snap,
        '--size',
        '1',
        unique('fromsnap'),
      ]),
    )
    expect(await volume(String(fromSnap['id']))).toMatchObject({ status: 'available' })
    const clone = asRow(
      await cloud.runJson(['volume', 'create', '--source', vid, '--size', '1', unique('clone')]),
    )
    expect(await volume(String(clone['id']))).toMatchObject({ status: 'available' })

    // The clone of the snapshot's volume, uploaded, holds the image's bytes then zeros.
    const copy = unique('copy')
    await cloud.run([
      'image',
      'create',
      '--volume',
      String(fromSnap['id']),
      '--disk-format',
      'raw',
      copy,
    ])
    const uploaded = await waitFor(cloud, ['image', 'show', copy], ['active'], 300_000)
    expect(uploaded['size']).toBe(GIB)
    expect(asRow(uploaded['properties'])['os_hash_value']).toBe(paddedSha512(pattern, GIB))
    await cloud.run(['image', 'delete', copy])

    // A volume with a snapshot cannot go; the snapshot first, then it can.
    const refused = await cloud.exec(['volume', 'delete', vid])
    expect(refused.exitCode).not.toBe(0)
    await cloud.run(['volume', 'snapshot', 'delete', snap])
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      const left = (await cloud.runJson(['volume', 'snapshot', 'list'])) as Row[]
      if (!left.some((s) => s['Name'] === snap)) break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(readFileSync(join(cloud.dataDir, 'pattern.raw')).equals(pattern)).toBe(true)
    await cloud.run(['volume', 'delete', vid, String(fromSnap['id']), String(clone['id'])])
  }, 600_000)

  it('creates a volume type with properties and uses it', async () => {
    const type = unique('type')
    await cloud.run(['volume', 'type', 'create', '--property', 'volume_backend_name=file', type])
    const shown = asRow(await cloud.runJson(['volume', 'type', 'show', type]))
    expect(JSON.stringify(shown['properties'])).toContain('volume_backend_name')
    const v = asRow(
      await cloud.runJson(['volume', 'create', '--size', '1', '--type', type, unique('typed')]),
    )
    expect(await volume(String(v['id']))).toMatchObject({ status: 'available', type })
    const other = unique('nowhere')
    await cloud.run(['volume', 'type', 'create', '--property', 'volume_backend_name=none', other])
    const stuck = asRow(
      await cloud.runJson([
        'volume',
        'create',
        '--size',
        '1',
        '--type',
        other,
        unique('nobackend'),
      ]),
    )
    expect((await volume(String(stuck['id'])))['status']).toBe('error')
    await cloud.run(['volume', 'delete', String(v['id']), String(stuck['id'])])
  }, 300_000)

  it('enforces the volume quota', async () => {
    const project = String(asRow(await cloud.runJson(['token', 'issue']))['project_id'])
    await cloud.run(['quota', 'set', '--volumes', '1', project])
    const first = asRow(await cloud.runJson(['volume', 'create', '--size', '1', unique('q1')]))
    await volume(String(first['id']))
    const second = await cloud.exec(['volume', 'create', '--size', '1', unique('q2')])
    expect(second.exitCode).not.toBe(0)
    expect(second.stderr).toMatch(/VolumeLimitExceeded|quota/i)
    await cloud.run(['volume', 'delete', String(first['id'])])
    await cloud.run(['quota', 'set', '--volumes', '10', project])
  }, 300_000)
})

describe('volume transfers and QoS through the openstack CLI', () => {
  let cloud: Cloud
  beforeAll(async () => {
    cloud = await startCloud()
  })
  afterAll(async () => {
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      await removeDataDir(cloud.dataDir)
    }
  })

  it('gives a volume to another project that accepts it with the auth key', async () => {
    const project = unique('taker')
    const user = unique('taker-user')
    const projectId = String(asRow(await cloud.runJson(['project', 'create', project]))['id'])
    const userId = String(
      asRow(
        await cloud.runJson([
          'user',
          'create',
          '--password',
          'taker-pw',
          '--project',
          project,
          user,
        ]),
      )['id'],
    )
    await cloud.run(['role', 'add', '--user', user, '--project', project, 'member'])
    const env = {
      OS_AUTH_URL: cloud.authUrl,
      OS_AUTH_TYPE: 'password',
      OS_IDENTITY_API_VERSION: '3',
      OS_USERNAME: user,
      OS_PASSWORD: 'taker-pw',
      OS_PROJECT_NAME: project,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_REGION_NAME: 'RegionOne',
    }
    const asTaker = async (args: string[]): Promise<Row> => {
      const r = await cloud.exec([...args, '-f', 'json'], { useCloudsYaml: false, env })
      expect(r.exitCode, r.stderr).toBe(0)
      return asRow(JSON.parse(r.stdout))
    }
    const v = asRow(await cloud.runJson(['volume', 'create', '--size', '1', unique('gift')]))
    const id = String(v['id'])
    await waitFor(cloud, ['volume', 'show', id], ['available'])
    const request = asRow(
      await cloud.runJson(['volume', 'transfer', 'request', 'create', '--name', 'gift', id]),
    )
    expect(String(request['auth_key'])).toMatch(/^[0-9a-f]{16}$/)
    await waitFor(cloud, ['volume', 'show', id], ['awaiting-transfer'])
    const listed = (await cloud.runJson(['volume', 'transfer', 'request', 'list'])) as Row[]
    expect(listed.map((r) => r['ID'])).toContain(request['id'])
    await asTaker([
      'volume',
      'transfer',
      'request',
      'accept',
      '--auth-key',
      String(request['auth_key']),
      String(request['id']),
    ])
    const taken = await asTaker(['volume', 'show', id])
    expect(taken['status']).toBe('available')
    expect(taken['os-vol-tenant-attr:tenant_id']).toBe(projectId)
    expect(taken['user_id']).toBe(userId)
    const other = asRow(await cloud.runJson(['volume', 'create', '--size', '1', unique('kept')]))
    await waitFor(cloud, ['volume', 'show', String(other['id'])], ['available'])
    const second = asRow(
      await cloud.runJson(['volume', 'transfer', 'request', 'create', String(other['id'])]),
    )
    await cloud.run(['volume', 'transfer', 'request', 'delete', String(second['id'])])
    await waitFor(cloud, ['volume', 'show', String(other['id'])], ['available'])
    const deleted = await cloud.exec(['volume', 'delete', id], { useCloudsYaml: false, env })
    expect(deleted.exitCode, deleted.stderr).toBe(0)
    await cloud.run(['volume', 'delete', String(other['id'])])
  }, 600_000)

  it('creates QoS specs, sets a key, associates them with a type and deletes them', async () => {
    const qos = unique('qos')
    const type = unique('qos-type')
    await cloud.run([
      'volume',
      'qos',
      'create',
      '--consumer',
      'front-end',
      '--property',
      'read_iops_sec=2000',
      qos,
    ])
    await cloud.run(['volume', 'qos', 'set', '--property', 'write_iops_sec=1000', qos])
    await cloud.run(['volume', 'type', 'create', type])
    await cloud.run(['volume', 'qos', 'associate', qos, type])
    const shown = asRow(await cloud.runJson(['volume', 'qos', 'show', qos]))
    expect(shown['consumer']).toBe('front-end')
    expect(JSON.stringify(shown['properties'])).toContain('write_iops_sec')
    expect(JSON.stringify(shown['associations'])).toContain(type)
    const listed = (await cloud.runJson(['volume', 'qos', 'list'])) as Row[]
    expect(listed.map((r) => r['Name'])).toContain(qos)
    const refused = await cloud.exec(['volume', 'qos', 'delete', qos])
    expect(refused.exitCode).not.toBe(0)
    await cloud.run(['volume', 'qos', 'delete', '--force', qos])
    const after = (await cloud.runJson(['volume', 'qos', 'list'])) as Row[]
    expect(after.map((r) => r['Name'])).not.toContain(qos)
    await cloud.run(['volume', 'type', 'delete', type])
  }, 300_000)
})
