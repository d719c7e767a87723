/** @module compute/images/tiny-container.test: the tiny guest packed for and booted by the container driver */
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { exec } from '../../core/sys/exec.js'
import { runcUnavailableReason } from '../../core/sys/runc.js'
import { ContainerDriver } from '../virt/container/container-driver.js'
import { readImageArchive } from '../virt/container/docker-archive.js'
import { buildTinyContainer, TINY_CONTAINER_CONFIG } from './tiny-container.js'
import { TINY_BANNER } from './tiny-guest-init.js'
import { buildTinyImage, type TinyImageFiles } from './tiny-image-builder.js'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 600_000 })

const missing = await runcUnavailableReason()
// the same cache as the qemu tests: built once per machine from Debian packages
const tiny: TinyImageFiles | Error | undefined = missing
  ? undefined
  : await buildTinyImage({ dataDir: join(tmpdir(), 'nimbus-tiny-image-cache') }).catch(
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    )
const skipReason =
  missing ??
  (tiny instanceof Error ? `the tiny image could not be built: ${tiny.message}` : undefined)

const work = await mkdtemp(join(tmpdir(), 'nimbus-tiny-container-'))
afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

describe.skipIf(skipReason !== undefined)(`the tiny container image ${skipReason ?? ''}`, () => {
  it('holds the tiny system without kernel modules, started by its own script, and is built once', async () => {
    const files = tiny as TinyImageFiles
    const archive = await buildTinyContainer(files)
    expect(await buildTinyContainer(files)).toBe(archive)
    const contents = await readImageArchive(archive, join(work, 'unpacked'))
    expect(contents.config).toMatchObject({ Entrypoint: TINY_CONTAINER_CONFIG.Entrypoint })
    const layer = contents.layers[0] ?? ''
    const { stdout } = await exec('tar', ['-tf', layer], { timeoutMs: 60_000 })
    const names = stdout.split('\n').map((n) => n.replace(/^\.\//, ''))
    expect(names).toEqual(
      expect.arrayContaining([
        'bin/busybox',
        'usr/sbin/dropbear',
        'etc/udhcpc.script',
        'sbin/nimbus-container-init',
      ]),
    )
    expect(names.some((n) => n.startsWith('lib/modules/') && n.endsWith('.ko'))).toBe(false)
    expect(names).not.toContain('init')
  })

  it('boots under runc: the banner names the guest and a stop ends it cleanly', async () => {
    const archive = await buildTinyContainer(tiny as TinyImageFiles)
    const driver = new ContainerDriver({
      dataDir: join(work, 'driver'),
      images: {
        info: async (id) => ({ id, containerFormat: 'docker', snapshot: false }),
        download: async () => createReadStream(archive),
      },
      shutdownTimeoutMs: 5000,
    })
    await driver.init('host1')
    const uuid = '3f1e2d3c-0000-4000-8000-00000000c0de'
    try {
      await driver.spawn({
        uuid,
        name: 'tiny-ctr',
        vcpus: 1,
        memoryMb: 64,
        rootGb: 1,
        imageId: 'tiny-container',
        vifs: [],
      })
      const deadline = Date.now() + 30_000
      let console = ''
      while (!console.includes(TINY_BANNER) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        console = await driver.consoleOutput(uuid)
      }
      expect(console).toContain(`=== ${TINY_BANNER} tiny-ctr (container, config from none) ===`)
      await driver.powerOff(uuid)
      expect(await driver.consoleOutput(uuid)).toContain('stopping')
    } finally {
      await driver.destroy(uuid)
    }
  })
})
