/** @module compute/virt/qemu/config-drive-boot.test: the tiny guest takes its config from a config-2 drive */
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { TINY_BANNER } from '../../images/tiny-guest-init.js'
import { buildTinyImage, type TinyImageFiles } from '../../images/tiny-image-builder.js'
import type { GuestSpec } from '../compute-driver.js'
import { QemuDriver } from './qemu-driver.js'

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 })

async function unavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the qemu driver needs root'
  for (const [tool, arg] of [
    ['qemu-system-x86_64', '--version'],
    ['genisoimage', '-version'],
  ] as const) {
    const ok = await exec(tool, [arg], { timeoutMs: 10_000 }).then(
      () => true,
      () => false,
    )
    if (!ok) return `${tool} is not installed`
  }
  return undefined
}

const missing = await unavailable()
const image: TinyImageFiles | Error | undefined = missing
  ? undefined
  : await buildTinyImage({ dataDir: join(tmpdir(), 'nimbus-tiny-image-cache') }).catch(
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    )
const skipReason =
  missing ?? (image instanceof Error ? `no tiny image: ${image.message}` : undefined)

const file = (path: string, text: string) => ({
  path,
  dataBase64: Buffer.from(text).toString('base64'),
})

describe.skipIf(skipReason !== undefined)('a qemu guest with a config drive', () => {
  const dirs: string[] = []
  const drivers: QemuDriver[] = []
  afterAll(async () => {
    for (const driver of drivers)
      for (const id of await driver.listGuests()) await driver.destroy(id)
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('reads its hostname, key and user-data from the config-2 CD-ROM before its appended config, and has its ephemeral and swap disks', async () => {
    const files = image as TinyImageFiles
    const paths: Record<string, { path: string; format: string; props: Record<string, unknown> }> =
      {
        img: {
          path: files.disk,
          format: 'raw',
          props: { kernel_id: 'kernel', ramdisk_id: 'ramdisk' },
        },
        kernel: { path: files.kernel, format: 'aki', props: {} },
        ramdisk: { path: files.ramdisk, format: 'ari', props: {} },
      }
    const dataDir = await mkdtemp(join(tmpdir(), 'b1-config-drive-boot-'))
    dirs.push(dataDir)
    const driver = new QemuDriver({
      dataDir,
      shutdownTimeoutMs: 300,
      images: {
        info: async (id) => {
          const found = paths[id]
          return found && { id, diskFormat: found.format, properties: found.props }
        },
        download: async (id) => createReadStream(paths[id]?.path ?? '/nonexistent'),
      },
    })
    await driver.init('host1')
    drivers.push(driver)
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFromTheConfigDrive k1'
    const spec: GuestSpec = {
      uuid: 'cd000000-0000-4000-8000-000000000001',
      name: 'appended-name',
      vcpus: 1,
      memoryMb: 128,
      rootGb: 1,
      imageId: 'img',
      vifs: [],
      ephemeralGb: 1,
      swapMb: 64,
      configDrive: {
        files: [
          file('openstack/latest/meta_data.json', JSON.stringify({ hostname: 'gamma.novalocal' })),
          file(
            'ec2/latest/meta-data.json',
            JSON.stringify({ 'public-keys': { '0': { 'openssh-key': key } } }),
          ),
          file(
            'openstack/latest/user_data',
            '#!/bin/sh\necho "user-data from $(cat /proc/cmdline | wc -c) config-2" > /dev/ttyS0\n' +
              'cat /proc/partitions > /dev/ttyS0\n' +
              'swapon /dev/vdc && grep -c ^/dev/vdc /proc/swaps | sed "s/^/swaps on vdc: /" > /dev/ttyS0\n',
          ),
        ],
      },
    }
    await driver.spawn(spec)
    const deadline = Date.now() + 120_000
    let log = ''
    while (Date.now() < deadline && !log.includes('user-data exited')) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      log = await driver.consoleOutput(spec.uuid)
    }
    expect(log).toContain(`${TINY_BANNER} gamma (config from config-2)`)
    expect(log).toMatch(/user-data from \d+ config-2/)
    expect(log).toContain('user-data exited with status 0')
    // the config drive is a CD-ROM, the flavor's ephemeral and swap disks follow the root disk
    const partitions = (name: string) => new RegExp(`^\\s*\\d+\\s+\\d+\\s+(\\d+) ${name}\\r?$`, 'm')
    expect(log).toMatch(partitions('sr0'))
    expect(partitions('vdb').exec(log)?.[1]).toBe(String(1024 * 1024))
    expect(partitions('vdc').exec(log)?.[1]).toBe(String(64 * 1024))
    expect(log).not.toMatch(partitions('vdd'))
    expect(log).toContain('swaps on vdc: 1')
  })
})
