/** @module test/e2e/qemu-local-disks.test: a real guest's ephemeral, swap and config drive disks, through the openstack CLI */
import { randomInt } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TINY_BANNER } from '../../src/compute/images/tiny-guest-init.js'
import { buildTinyImage } from '../../src/compute/images/tiny-image-builder.js'
import { QemuDriver } from '../../src/compute/virt/qemu/qemu-driver.js'
import { removeDataDir, startCloud, type Cloud } from './cloud.js'
import { qemuUnavailable, until } from './guest-tests.js'

type Row = Record<string, unknown>

const skipReason = await qemuUnavailable()

const ENV_KEYS = [
  'COMPUTE_DRIVER',
  'COMPUTE_GUEST_IMAGE_CACHE',
  'HOST_NAME',
  'NETWORK_VNI_RANGES',
  'NETWORK_PUBLIC_CIDR',
]

describe.skipIf(skipReason !== undefined)('a real guest with ephemeral and swap disks', () => {
  let cloud: Cloud
  let work: string

  beforeAll(async () => {
    const cache = join(tmpdir(), 'nimbus-tiny-image-cache')
    await buildTinyImage({ dataDir: cache })
    work = await mkdtemp(join(tmpdir(), 'nimbus-local-disks-'))
    const vni = randomInt(20_000, 15_000_000)
    process.env['NIMBUS_COMPUTE_DRIVER'] = 'qemu'
    process.env['NIMBUS_COMPUTE_GUEST_IMAGE_CACHE'] = cache
    process.env['NIMBUS_HOST_NAME'] = `localdisks${randomInt(1000, 9999)}`
    process.env['NIMBUS_NETWORK_VNI_RANGES'] = `${vni}:${vni + 99}`
    process.env['NIMBUS_NETWORK_PUBLIC_CIDR'] = `198.18.${randomInt(1, 254)}.0/24`
    try {
      cloud = await startCloud()
    } finally {
      for (const key of ENV_KEYS) delete process.env[`NIMBUS_${key}`]
    }
  })

  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      // guests outlive their agent by design: a failed run must not leave them running
      const hostsDir = join(cloud.dataDir, 'compute')
      for (const host of await readdir(hostsDir).catch(() => [] as string[])) {
        const noImages = { info: async () => undefined, download: async () => Readable.from([]) }
        const driver = new QemuDriver({ dataDir: join(hostsDir, host), images: noImages })
        for (const uuid of await driver.listGuests()) await driver.destroy(uuid)
      }
      await removeDataDir(cloud.dataDir)
    }
  })

  it("boots tiny with a config drive on a flavor with ephemeral and swap: the guest finds config-2 on its CD-ROM, vdb and vdc, swaps on vdc, and reads ephemeral0 and swap in the drive's EC2 metadata", async () => {
    await until('tiny registered', 300_000, async () => {
      const images = (await cloud.runJson(['image', 'list'])) as Row[]
      return images.some((i) => i['Name'] === 'tiny' && i['Status'] === 'active') || undefined
    })
    await cloud.run([
      ...['flavor', 'create', '--vcpus', '1', '--ram', '256', '--disk', '1'],
      ...['--ephemeral', '1', '--swap', '64', 'f.local'],
    ])
    const userData = join(work, 'user-data.sh')
    await writeFile(
      userData,
      [
        '#!/bin/sh',
        'cat /proc/partitions > /dev/ttyS0',
        'swapon /dev/vdc && echo "swap on vdc: $(grep -c ^/dev/vdc /proc/swaps)" > /dev/ttyS0',
        'mkdir -p /mnt/cd && mount -t iso9660 -o ro /dev/sr0 /mnt/cd &&',
        '  tr -d " \\n" < /mnt/cd/ec2/latest/meta-data.json | grep -o \'"block-device-mapping":{[^}]*}\' > /dev/ttyS0',
        '',
      ].join('\n'),
    )
    const server = (await cloud.runJson([
      ...['--os-compute-api-version', '2.37', 'server', 'create', '--image', 'tiny'],
      ...['--flavor', 'f.local', '--nic', 'none', '--config-drive', 'true'],
      ...['--user-data', userData, '--wait', 'local-1'],
    ])) as Row
    const id = String(server['id'])
    expect(server['status']).toBe('ACTIVE')
    const log = await until('the user-data to finish', 180_000, async () => {
      const text = await cloud.run(['console', 'log', 'show', id])
      return text.includes('user-data exited') ? text : undefined
    })
    expect(log).toContain(`${TINY_BANNER} local-1 (config from config-2)`)
    const size = (name: string) =>
      new RegExp(`^\\s*\\d+\\s+\\d+\\s+(\\d+) ${name}\\r?$`, 'm').exec(log)?.[1]
    expect(size('vda')).toBe(String(1024 * 1024))
    expect(size('vdb')).toBe(String(1024 * 1024))
    expect(size('vdc')).toBe(String(64 * 1024))
    expect(size('sr0')).toBeDefined()
    expect(size('vdd')).toBeUndefined()
    expect(log).toContain('swap on vdc: 1')
    expect(log).toContain(
      '"block-device-mapping":{"ami":"vda","root":"/dev/vda","ephemeral0":"/dev/vdb","swap":"/dev/vdc"}',
    )
    expect(log).toContain('user-data exited with status 0')
    await cloud.run(['server', 'delete', id, '--wait'])
    const hostsDir = join(cloud.dataDir, 'compute')
    for (const host of await readdir(hostsDir)) {
      expect(await readdir(join(hostsDir, host, 'qemu', 'guests')).catch(() => [])).toEqual([])
    }
  })
})
