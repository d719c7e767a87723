/** @module test/e2e/server-volume-cli.test: the real openstack CLI attaching volumes to servers and booting from them */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDataDir, startCloud, type Cloud } from './cloud.js'

type Row = Record<string, unknown>

function row(value: unknown): Row {
  expect(value, 'a JSON object').toBeTypeOf('object')
  return value as Row
}

describe('server volumes through the openstack CLI', () => {
  let cloud: Cloud

  beforeAll(async () => {
    cloud = await startCloud()
    const disk = join(cloud.dataDir, 'disk.img')
    await writeFile(disk, Buffer.alloc(64 * 1024, 1))
    await cloud.run([
      'image',
      'create',
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--file',
      disk,
      '--public',
      'e2e-image',
    ])
    await cloud.run(['network', 'create', 'e2e-net'])
    await cloud.run(
      ['subnet', 'create', 'e2e-sub', '--network', 'e2e-net'].concat([
        '--subnet-range',
        '10.31.0.0/24',
      ]),
    )
  })

  afterAll(async () => {
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      await removeDataDir(cloud.dataDir)
    }
  })

  async function waitFor(args: string[], status: string): Promise<Row> {
    let last: Row = {}
    for (let i = 0; i < 240; i++) {
      last = row(await cloud.runJson(args))
      if (last['status'] === status) return last
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(`${args.join(' ')} never became ${status}: ${JSON.stringify(last)}`)
  }

  const volumeIn = (name: string, status: string) => waitFor(['volume', 'show', name], status)

  it('adds a volume to a server (in-use, shown in volumes_attached), refuses its delete and removes it', async () => {
    await cloud.run([
      'server',
      'create',
      '--image',
      'e2e-image',
      '--flavor',
      'm1.nano',
      '--network',
      'e2e-net',
      '--wait',
      'e2e-vol-vm',
    ])
    const volume = row(await cloud.runJson(['volume', 'create', '--size', '1', 'e2e-data']))
    const id = String(volume['id'])
    await volumeIn('e2e-data', 'available')
    await cloud.run(['server', 'add', 'volume', 'e2e-vol-vm', 'e2e-data'])
    const inUse = await volumeIn('e2e-data', 'in-use')
    expect(JSON.stringify(inUse['attachments'])).toContain('/dev/vdb')
    const server = row(await cloud.runJson(['server', 'show', 'e2e-vol-vm']))
    expect(JSON.stringify(server['volumes_attached'])).toContain(id)
    const refused = await cloud.exec(['volume', 'delete', 'e2e-data'])
    expect(refused.exitCode).not.toBe(0)
    expect((await volumeIn('e2e-data', 'in-use'))['status']).toBe('in-use')
    await cloud.run(['server', 'remove', 'volume', 'e2e-vol-vm', 'e2e-data'])
    await volumeIn('e2e-data', 'available')
    const after = row(await cloud.runJson(['server', 'show', 'e2e-vol-vm']))
    expect(JSON.stringify(after['volumes_attached'] ?? '')).not.toContain(id)
    await cloud.run(['volume', 'delete', 'e2e-data'])
    await cloud.run(['server', 'delete', '--wait', 'e2e-vol-vm'])
  })

  it('boots a server from a volume made from an image and gives the volume back on delete', async () => {
    const volume = row(
      await cloud.runJson(['volume', 'create', '--image', 'e2e-image', '--size', '1', 'e2e-boot']),
    )
    const id = String(volume['id'])
    await volumeIn('e2e-boot', 'available')
    const server = row(
      await cloud.runJson([
        'server',
        'create',
        '--volume',
        'e2e-boot',
        '--flavor',
        'm1.nano',
        '--network',
        'e2e-net',
        '--wait',
        'e2e-bfv',
      ]),
    )
    expect(server['status']).toBe('ACTIVE')
    const shown = row(await cloud.runJson(['server', 'show', 'e2e-bfv']))
    expect(String(shown['image'])).toContain('booted from volume')
    expect(JSON.stringify(shown['volumes_attached'])).toContain(id)
    const inUse = await volumeIn('e2e-boot', 'in-use')
    expect(JSON.stringify(inUse['attachments'])).toContain('/dev/vda')
    await cloud.run(['server', 'delete', '--wait', 'e2e-bfv'])
    await volumeIn('e2e-boot', 'available')
    await cloud.run(['volume', 'delete', 'e2e-boot'])
  })
})
