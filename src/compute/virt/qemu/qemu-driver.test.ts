/** @module compute/virt/qemu/qemu-driver.test: the qemu driver on real QEMU (TCG here), with the tiny image */
import { createReadStream } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { getLink } from '../../../core/sys/ip-link.js'
import { buildTinyImage, type TinyImageFiles } from '../../images/tiny-image-builder.js'
import { TINY_BANNER } from '../../images/tiny-guest-init.js'
import { computeDriverConformance } from '../compute-driver.conformance.js'
import { POWER_STATE, type GuestSpec } from '../compute-driver.js'
import type { GuestImageSource } from './image-cache.js'
import { QemuDriver, tapNameOf } from './qemu-driver.js'
import { withQmp } from './qmp-client.js'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 })

/** Why this machine cannot run the suite, or undefined when it can. */
async function unavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'taps need root'
  try {
    await exec('qemu-system-x86_64', ['--version'], { timeoutMs: 10_000 })
  } catch {
    return 'qemu-system-x86_64 is not installed'
  }
  return undefined
}

const missing = await unavailable()
// built once per machine and kept, as `nimbus image build tiny` keeps it in a data dir
const image: TinyImageFiles | Error | undefined = missing
  ? undefined
  : await buildTinyImage({ dataDir: join(tmpdir(), 'nimbus-tiny-image-cache') }).catch(
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    )
const skipReason =
  missing ??
  (image instanceof Error ? `the tiny image could not be built: ${image.message}` : undefined)

function imageSource(files: TinyImageFiles): GuestImageSource {
  const byId: Record<
    string,
    { path: string; diskFormat: string; properties: Record<string, unknown> }
  > = {
    img: {
      path: files.disk,
      diskFormat: 'raw',
      properties: { kernel_id: 'tiny-kernel', ramdisk_id: 'tiny-ramdisk' },
    },
    'tiny-kernel': { path: files.kernel, diskFormat: 'aki', properties: {} },
    'tiny-ramdisk': { path: files.ramdisk, diskFormat: 'ari', properties: {} },
  }
  return {
    info: async (id) => {
      const found = byId[id]
      return found ? { id, diskFormat: found.diskFormat, properties: found.properties } : undefined
    },
    download: async (id) => createReadStream(byId[id]?.path ?? '/nonexistent'),
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'nimbus-qemu-driver-'))
const made: QemuDriver[] = []

async function makeDriver(): Promise<QemuDriver> {
  if (!image || image instanceof Error) throw new Error('no image')
  const driver = new QemuDriver({ dataDir, images: imageSource(image), shutdownTimeoutMs: 300 })
  await driver.init('host1')
  made.push(driver)
  return driver
}

afterEach(async () => {
  for (const driver of made.splice(0)) {
    for (const uuid of await driver.listGuests()) await driver.destroy(uuid)
  }
})
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

const everything = skipReason
  ? Object.fromEntries(
      [
        'reports positive host resources',
        'spawns a running guest that it then lists',
        'refuses to spawn a guest twice',
        'destroys idempotently',
        'stops and starts a guest, idempotently',
        'reboots a stopped guest into running',
        'pauses and unpauses when capable',
        'suspends and resumes when capable',
        'snapshots a guest without changing its power state',
        'returns console output when capable',
        'resizes a guest',
      ].map((title) => [title, skipReason]),
    )
  : {}
computeDriverConformance('qemu', makeDriver, everything)

function spec(uuid: string, extra: Partial<GuestSpec> = {}): GuestSpec {
  return {
    uuid,
    name: `vm-${uuid}`,
    vcpus: 1,
    memoryMb: 128,
    rootGb: 1,
    imageId: 'img',
    vifs: [],
    ...extra,
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return false
}

describe.skipIf(skipReason !== undefined)('QemuDriver on this host', () => {
  it('boots the tiny guest with its hostname from the config data and prints the banner', async () => {
    const driver = await makeDriver()
    await driver.spawn(spec('boot-1', { name: 'alpha', keyData: 'ssh-ed25519 AAAA test' }))
    const banner = await waitFor(
      async () => (await driver.consoleOutput('boot-1')).includes(TINY_BANNER),
      90_000,
    )
    const log = await driver.consoleOutput('boot-1')
    expect(banner, log).toBe(true)
    expect(log).toContain(`${TINY_BANNER} alpha (config from config-drive)`)
  })

  it('plugs a tap named after the port with its MAC, and destroy leaves no file, tap or process', async () => {
    const driver = await makeDriver()
    const vif = {
      portId: '0123456789abcdef',
      networkId: 'net',
      macAddress: 'fa:16:3e:00:00:01',
      fixedIps: [],
    }
    await driver.spawn(spec('tap-1', { vifs: [vif] }))
    expect(await getLink(tapNameOf(vif.portId))).toBeDefined()
    const nics = await withQmp(join(dataDir, 'qemu/guests/tap-1/qmp.sock'), (qmp) =>
      qmp.execute('human-monitor-command', { 'command-line': 'info network' }),
    )
    expect(String(nics)).toContain('macaddr=fa:16:3e:00:00:01')
    expect(String(nics)).toContain(`ifname=${tapNameOf(vif.portId)}`)
    await driver.destroy('tap-1')
    expect(await getLink(tapNameOf(vif.portId))).toBeUndefined()
    expect(await readdir(join(dataDir, 'qemu/guests'))).not.toContain('tap-1')
    const { stdout } = await exec('ps', ['-eo', 'args'])
    expect(stdout).not.toContain('tap-1/qmp.sock')
  })

  it('adopts running guests after a restart: a new driver on the same data dir controls them', async () => {
    const first = await makeDriver()
    await first.spawn(spec('adopt-1'))
    const second = await makeDriver()
    expect(await second.listGuests()).toContain('adopt-1')
    expect(await second.powerState('adopt-1')).toBe(POWER_STATE.running)
    await second.pause('adopt-1')
    expect(await first.powerState('adopt-1')).toBe(POWER_STATE.paused)
  })

  it('hotplugs a file volume as a virtio disk and unplugs it when the guest releases it', async () => {
    const driver = await makeDriver()
    await driver.spawn(spec('vol-1'))
    await waitFor(async () => (await driver.consoleOutput('vol-1')).includes(TINY_BANNER), 90_000)
    const volume = join(dataDir, 'volume-1.qcow2')
    await exec('qemu-img', ['create', '-q', '-f', 'qcow2', volume, '64M'])
    await driver.attachVolume('vol-1', {
      volumeId: 'v-1',
      device: '/dev/vdb',
      connection: { driver_volume_type: 'file', data: { path: volume, format: 'qcow2' } },
      bootIndex: null,
      readOnly: false,
    })
    const qmpPath = join(dataDir, 'qemu/guests/vol-1/qmp.sock')
    const blocks = async () =>
      JSON.stringify(await withQmp(qmpPath, (qmp) => qmp.execute('query-block')))
    expect(await blocks()).toContain('volume-1.qcow2')
    await driver.detachVolume('vol-1', 'v-1')
    expect(await blocks()).not.toContain('volume-1.qcow2')
    expect(await driver.volumes('vol-1')).toEqual([])
    await rm(volume)
  })

  it('fails a spawn of an unknown image and leaves nothing behind', async () => {
    const driver = await makeDriver()
    await expect(driver.spawn(spec('bad-1', { imageId: 'nope' }))).rejects.toThrow(/not found/)
    expect(await driver.listGuests()).not.toContain('bad-1')
    await expect(stat(join(dataDir, 'qemu/guests/bad-1'))).rejects.toThrow()
  })
})
