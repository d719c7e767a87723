/** @module compute/virt/qemu/qemu-driver.test: the qemu driver on real QEMU (TCG here), with the tiny image */
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { deleteLink, ensureBridge, getLink, setLink } from '../../../core/sys/ip-link.js'
import { buildTinyImage, type TinyImageFiles } from '../../images/tiny-image-builder.js'
import { TINY_BANNER } from '../../images/tiny-guest-init.js'
import {
  COMPUTE_DRIVER_CONFORMANCE_CASES,
  computeDriverConformance,
  type VolumeConformanceHooks,
} from '../compute-driver.conformance.js'
import {
  POWER_STATE,
  type ComputeDriver,
  type GuestSpec,
  type GuestVolume,
} from '../compute-driver.js'
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

const volumesDir = join(dataDir, 'volumes')
const volumePaths = new Map<string, string>()

/** A new 16 MiB qcow2 volume file, as block storage's file backend would make it. */
async function volumeFile(volumeId: string, format: 'raw' | 'qcow2' = 'qcow2'): Promise<string> {
  await mkdir(volumesDir, { recursive: true })
  const path = join(volumesDir, `volume-${volumeId}`)
  await rm(path, { force: true })
  await exec('qemu-img', ['create', '-q', '-f', format, path, '16M'])
  volumePaths.set(path, volumeId)
  return path
}

function qmpOf(uuid: string): string {
  return join(dataDir, 'qemu/guests', uuid, 'qmp.sock')
}

/** The block devices QEMU has open, as `{file, ro}`, root disk first. */
async function openBlocks(uuid: string): Promise<{ file: string; ro: boolean }[]> {
  const blocks = (await withQmp(qmpOf(uuid), (qmp) => qmp.execute('query-block'))) as {
    inserted?: { file: string; ro: boolean }
  }[]
  return blocks.flatMap((b) => (b.inserted ? [{ file: b.inserted.file, ro: b.inserted.ro }] : []))
}

/** The MACs of a running guest's NICs, in PCI slot order (the order the guest finds them). */
async function liveMacs(uuid: string): Promise<string[]> {
  return withQmp(qmpOf(uuid), async (qmp) => {
    const filters = (await qmp.execute('query-rx-filter')) as { name: string; 'main-mac': string }[]
    const buses = (await qmp.execute('query-pci')) as {
      devices: { slot: number; qdev_id: string }[]
    }[]
    const slotOf = new Map(buses.flatMap((b) => b.devices.map((d) => [d.qdev_id, d.slot])))
    return filters
      .sort((a, b) => (slotOf.get(a.name) ?? 0) - (slotOf.get(b.name) ?? 0))
      .map((f) => f['main-mac'])
  })
}

/** A TCP port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof address !== 'object' || address === null) throw new Error('no port')
  return address.port
}

async function untilBooted(driver: ComputeDriver, uuid: string): Promise<void> {
  const booted = async () => (await driver.consoleOutput(uuid)).includes(TINY_BANNER)
  if (!(await waitFor(booted, 90_000))) throw new Error(`guest ${uuid} did not boot`)
}

const hooks: VolumeConformanceHooks = {
  connect: async (volumeId) => ({
    driver_volume_type: 'file',
    data: { path: await volumeFile(volumeId), format: 'qcow2', access_mode: 'rw' },
  }),
  // what the running QEMU has open, else what its next start will open
  listVolumes: async (driver, uuid) => {
    if ((await driver.powerState(uuid)) !== POWER_STATE.running) {
      return (await (driver as QemuDriver).volumes(uuid)).map((v) => v.volumeId)
    }
    return (await openBlocks(uuid)).flatMap((b) => volumePaths.get(b.file) ?? [])
  },
  untilBooted,
  // the NICs the running QEMU has, in PCI slot order, else what its next start will have
  listInterfaces: async (driver, uuid) => {
    if ((await driver.powerState(uuid)) !== POWER_STATE.running) {
      return (driver as QemuDriver).interfaces(uuid)
    }
    return liveMacs(uuid)
  },
}

computeDriverConformance(
  'qemu',
  makeDriver,
  skipReason
    ? Object.fromEntries(COMPUTE_DRIVER_CONFORMANCE_CASES.map((title) => [title, skipReason]))
    : {},
  hooks,
)

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

  it("hotplugs a port's NIC with its tap on the network's bridge, keeps it across a driver restart, and unplugs it", async () => {
    const driver = await makeDriver()
    await driver.spawn(spec('nic-1'))
    await untilBooted(driver, 'nic-1')
    const networkId = randomUUID()
    const bridge = `brq${networkId.slice(0, 11)}`
    await ensureBridge(bridge)
    try {
      await setLink(bridge, { mtu: 1400, up: true })
      const vif = {
        portId: randomUUID(),
        networkId,
        macAddress: 'fa:16:3e:00:00:42',
        fixedIps: ['10.9.0.42'],
      }
      await driver.attachInterface('nic-1', vif)
      const tap = await getLink(tapNameOf(vif.portId))
      expect(tap).toMatchObject({ master: bridge, mtu: 1400 })
      expect(await liveMacs('nic-1')).toEqual(['fa:16:3e:00:00:42'])
      // a new driver (an agent restart) and a new QEMU (a stop and start) keep the NIC
      const again = await makeDriver()
      await again.powerOff('nic-1')
      await again.powerOn('nic-1')
      expect(await liveMacs('nic-1')).toEqual(['fa:16:3e:00:00:42'])
      // the console log keeps the first boot's lines: the second boot prints the banner again
      const twice = async () => (await again.consoleOutput('nic-1')).split(TINY_BANNER).length > 2
      expect(await waitFor(twice, 90_000)).toBe(true)
      await again.detachInterface('nic-1', vif.portId)
      expect(await liveMacs('nic-1')).toEqual([])
      expect(await getLink(tapNameOf(vif.portId))).toBeUndefined()
      expect(await again.interfaces('nic-1')).toEqual([])
    } finally {
      await deleteLink(bridge)
    }
  })

  it('refuses to unplug a NIC from a paused guest and to change NICs of a suspended one, leaving them as they were', async () => {
    const driver = await makeDriver()
    await driver.spawn(spec('nic-2'))
    const vif = {
      portId: randomUUID(),
      networkId: randomUUID(),
      macAddress: 'fa:16:3e:00:00:43',
      fixedIps: [],
    }
    await driver.attachInterface('nic-2', vif)
    await driver.pause('nic-2')
    await expect(driver.detachInterface('nic-2', vif.portId)).rejects.toThrow(/unpause it first/)
    await driver.unpause('nic-2')
    await driver.suspend('nic-2')
    await expect(driver.detachInterface('nic-2', vif.portId)).rejects.toThrow(/resume it first/)
    const other = { ...vif, portId: randomUUID(), macAddress: 'fa:16:3e:00:00:44' }
    await expect(driver.attachInterface('nic-2', other)).rejects.toThrow(/resume it first/)
    expect(await driver.interfaces('nic-2')).toEqual(['fa:16:3e:00:00:43'])
    await driver.resume('nic-2')
    expect(await liveMacs('nic-2')).toEqual(['fa:16:3e:00:00:43'])
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

  it('starts every QEMU process with spawned and hot-plugged volumes, read-only ones read-only, and destroy keeps their files', async () => {
    const driver = await makeDriver()
    const data: GuestVolume = {
      volumeId: 'data-1',
      device: '/dev/vdb',
      connection: {
        driver_volume_type: 'file',
        data: { path: await volumeFile('data-1'), format: 'qcow2' },
      },
      bootIndex: null,
      readOnly: false,
    }
    await driver.spawn(spec('keep-1', { volumes: [data] }))
    const hot = join(volumesDir, 'hot.raw')
    await exec('qemu-img', ['create', '-q', '-f', 'raw', hot, '8M'])
    await driver.attachVolume('keep-1', {
      volumeId: 'hot-1',
      device: '/dev/vdc',
      connection: { driver_volume_type: 'file', data: { path: hot, format: 'raw' } },
      bootIndex: null,
      readOnly: true,
    })
    const opened = await openBlocks('keep-1')
    expect(opened.slice(1)).toEqual([
      { file: data.connection.data['path'], ro: false },
      { file: hot, ro: true },
    ])
    const commandLine = async (d: QemuDriver) => {
      const pid = (await readFile(join(dataDir, 'qemu/guests/keep-1/qemu.pid'), 'utf8')).trim()
      expect(await d.powerState('keep-1')).toBe(POWER_STATE.running)
      return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ')
    }
    // the saved state of a guest with a hot-plugged disk fits the QEMU the resume starts
    await driver.suspend('keep-1')
    await driver.resume('keep-1')
    expect(await driver.powerState('keep-1')).toBe(POWER_STATE.running)
    expect((await openBlocks('keep-1')).slice(1)).toEqual(opened.slice(1))
    const both = new RegExp(`volume-data-1.*serial=data-1.*hot\\.raw,read-only=on.*serial=hot-1`)
    await driver.powerOff('keep-1')
    await driver.powerOn('keep-1')
    expect(await commandLine(driver)).toMatch(both)
    // a restarted agent's driver starts QEMU from the same record: on a reboot of a stopped guest,
    // and on a resize
    const adopted = await makeDriver()
    await adopted.powerOff('keep-1')
    await adopted.reboot('keep-1', 'hard')
    expect(await commandLine(adopted)).toMatch(both)
    await adopted.resize('keep-1', { vcpus: 1, memoryMb: 160, rootGb: 1 })
    expect(await commandLine(adopted)).toMatch(both)
    await adopted.destroy('keep-1')
    expect((await stat(hot)).size).toBe(8 * 1024 * 1024)
    await expect(stat(String(data.connection.data['path']))).resolves.toBeDefined()
  })

  it('boots from a volume with the kernel of its source image, the volume file as root disk', async () => {
    if (!image || image instanceof Error) throw new Error('no image')
    const driver = await makeDriver()
    const root = join(volumesDir, 'boot.qcow2')
    await mkdir(volumesDir, { recursive: true })
    await exec('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', image.disk, root])
    const boot: GuestVolume = {
      volumeId: 'boot-vol',
      device: '/dev/vda',
      connection: { driver_volume_type: 'file', data: { path: root, format: 'qcow2' } },
      bootIndex: 0,
      readOnly: false,
    }
    // Cinder's image metadata names the image; its kernel_id comes from the image's properties
    const bfv = spec('bfv-1', {
      name: 'from-volume',
      imageId: '',
      volumes: [boot],
      volumeImageMetadata: { image_id: 'img', image_name: 'tiny' },
    })
    await driver.spawn(bfv)
    await untilBooted(driver, 'bfv-1')
    expect(await driver.consoleOutput('bfv-1')).toContain(`${TINY_BANNER} from-volume`)
    expect((await openBlocks('bfv-1'))[0]).toEqual({ file: root, ro: false })
    expect(await readdir(join(dataDir, 'qemu/guests/bfv-1'))).not.toContain('root.qcow2')
    await expect(driver.detachVolume('bfv-1', 'boot-vol')).rejects.toThrow(/root disk/)
    await driver.destroy('bfv-1')
    await expect(stat(root)).resolves.toBeDefined()
  })

  it('hotplugs a volume served over NBD, which the guest reads, unplugs it, and opens it at a start', async () => {
    const driver = await makeDriver()
    const marker = 'NIMBUS-NBD-DISK-7'
    // the guest prints the first bytes and the size of its vdb once the disk appears
    const script = [
      '#!/bin/sh',
      '( while [ ! -b /dev/vdb ]; do sleep 1; done',
      '  echo "vdb says $(head -c 17 /dev/vdb) size $(cat /sys/block/vdb/size)" > /dev/ttyS0 ) &',
    ].join('\n')
    await driver.spawn(spec('nbd-1', { userData: Buffer.from(script).toString('base64') }))
    await mkdir(volumesDir, { recursive: true })
    const raw = join(volumesDir, 'nbd-source.raw')
    const file = join(volumesDir, 'nbd-1.qcow2')
    await writeFile(raw, Buffer.concat([Buffer.from(marker), Buffer.alloc(4096 - marker.length)]))
    await exec('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, file])
    await exec('qemu-img', ['resize', '-q', '-f', 'qcow2', file, '32M'])
    const port = await freePort()
    const pidFile = join(volumesDir, 'nbd-1.pid')
    await exec('qemu-nbd', [
      '--fork',
      '--pid-file',
      pidFile,
      '--persistent',
      '--shared=4',
      '--format=qcow2',
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--export-name',
      'volume-nbd-1',
      file,
    ])
    try {
      await untilBooted(driver, 'nbd-1')
      const volume: GuestVolume = {
        volumeId: 'nbd-vol-1',
        device: '/dev/vdb',
        connection: {
          driver_volume_type: 'nbd',
          data: { host: '127.0.0.1', port, name: 'volume-nbd-1', access_mode: 'rw' },
        },
        bootIndex: null,
        readOnly: false,
      }
      await driver.attachVolume('nbd-1', volume)
      const url = `nbd://127.0.0.1:${port}/volume-nbd-1`
      expect((await openBlocks('nbd-1')).map((b) => b.file)).toContain(url)
      const seen = `vdb says ${marker} size ${(32 * 1024 * 1024) / 512}`
      const sees = async () => (await driver.consoleOutput('nbd-1')).includes(seen)
      expect(await waitFor(sees, 60_000), await driver.consoleOutput('nbd-1')).toBe(true)
      await driver.detachVolume('nbd-1', 'nbd-vol-1', 60_000)
      expect((await openBlocks('nbd-1')).map((b) => b.file)).not.toContain(url)
      // a stopped guest gets it at its next start: QEMU opens the export before the guest runs
      await driver.powerOff('nbd-1')
      await driver.attachVolume('nbd-1', { ...volume, readOnly: true })
      await driver.powerOn('nbd-1')
      expect(await openBlocks('nbd-1')).toContainEqual({ file: url, ro: true })
    } finally {
      const pid = Number((await readFile(pidFile, 'utf8')).trim())
      if (pid > 1) process.kill(pid, 'SIGTERM')
    }
  })

  it('refuses an iSCSI target, an NBD export that does not answer, a missing file and a device in use, leaving no guest', async () => {
    const driver = await makeDriver()
    const iscsi: GuestVolume = {
      volumeId: 'iscsi-1',
      device: '/dev/vdb',
      connection: { driver_volume_type: 'iscsi', data: { target_portal: '10.0.0.5:3260' } },
      bootIndex: null,
      readOnly: false,
    }
    await expect(driver.spawn(spec('refuse-1', { volumes: [iscsi] }))).rejects.toThrow(
      /iscsi-1 cannot be attached: its connection is an iSCSI target .* not available/,
    )
    const nbd: GuestVolume = {
      ...iscsi,
      volumeId: 'nbd-1',
      connection: {
        driver_volume_type: 'nbd',
        data: { host: '127.0.0.1', port: await freePort(), name: 'volume-nbd-1' },
      },
    }
    await expect(driver.spawn(spec('refuse-1', { volumes: [nbd] }))).rejects.toThrow(
      /nbd-1 cannot be attached: its NBD export .* cannot be reached \(ECONNREFUSED\)/,
    )
    const gone = join(volumesDir, 'gone.qcow2')
    const missing: GuestVolume = {
      ...nbd,
      volumeId: 'gone-1',
      connection: { driver_volume_type: 'file', data: { path: gone, format: 'qcow2' } },
    }
    await expect(driver.spawn(spec('refuse-1', { volumes: [missing] }))).rejects.toThrow(
      `volume gone-1 cannot be attached: its file ${gone} does not exist on this host`,
    )
    expect(await driver.listGuests()).not.toContain('refuse-1')
    await driver.spawn(spec('refuse-2'))
    await expect(driver.attachVolume('refuse-2', nbd)).rejects.toThrow(/NBD export/)
    await expect(driver.attachVolume('refuse-2', iscsi)).rejects.toThrow(/iSCSI target/)
    await expect(driver.attachVolume('refuse-2', missing)).rejects.toThrow(/does not exist/)
    const present = { ...missing, volumeId: 'here-1', connection: await hooks.connect('here-1') }
    await driver.attachVolume('refuse-2', present)
    await expect(
      driver.attachVolume('refuse-2', { ...present, volumeId: 'other-1' }),
    ).rejects.toThrow(/at \/dev\/vdb: guest refuse-2 has volume here-1 there/)
    expect((await driver.volumes('refuse-2')).map((v) => v.volumeId)).toEqual(['here-1'])
  })

  it('fails a spawn of an unknown image and leaves nothing behind', async () => {
    const driver = await makeDriver()
    await expect(driver.spawn(spec('bad-1', { imageId: 'nope' }))).rejects.toThrow(/not found/)
    expect(await driver.listGuests()).not.toContain('bad-1')
    await expect(stat(join(dataDir, 'qemu/guests/bad-1'))).rejects.toThrow()
  })

  it('fails a spawn QEMU refuses with the tail of its stderr in the error, and leaves nothing behind', async () => {
    const driver = await makeDriver()
    // more vCPUs than the machine type allows: QEMU exits at once and says why on stderr
    await expect(driver.spawn(spec('bad-2', { vcpus: 4096 }))).rejects.toThrow(/CPUs/)
    expect(await driver.listGuests()).not.toContain('bad-2')
    await expect(stat(join(dataDir, 'qemu/guests/bad-2'))).rejects.toThrow()
  })

  /** The first `bytes` of a qcow2 disk's contents, as the guest reads them. */
  async function diskHead(path: string, bytes: number): Promise<Buffer> {
    const out = `${path}.head`
    await exec('qemu-img', [
      'dd',
      '-U',
      '-f',
      'qcow2',
      '-O',
      'raw',
      'bs=4096',
      `count=${Math.ceil(bytes / 4096)}`,
      `if=${path}`,
      `of=${out}`,
    ])
    try {
      return (await readFile(out)).subarray(0, bytes)
    } finally {
      await rm(out, { force: true })
    }
  }

  async function virtualSizeMb(path: string): Promise<number> {
    const { stdout } = await exec('qemu-img', ['info', '-U', '--output=json', path])
    return (JSON.parse(stdout) as { 'virtual-size': number })['virtual-size'] / 1024 / 1024
  }

  it('gives the flavor ephemeral (ext4) and swap disks after the root, across stop, start, suspend, reboot and a restarted agent, and destroy removes them', async () => {
    const driver = await makeDriver()
    await driver.spawn(spec('eph-1', { ephemeralGb: 1, swapMb: 32 }))
    const dir = join(dataDir, 'qemu/guests/eph-1')
    const local = join(dir, 'disk.local')
    const swap = join(dir, 'disk.swap')
    expect((await driver.localDisks('eph-1')).map((d) => [d.file, d.format])).toEqual([
      ['disk.local', 'ext4'],
      ['disk.swap', 'swap'],
    ])
    expect(await virtualSizeMb(local)).toBe(1024)
    expect(await virtualSizeMb(swap)).toBe(32)
    // sparse: the qcow2 holds what mkfs wrote, not the disk's size
    expect((await stat(local)).size).toBeLessThan(64 * 1024 * 1024)
    // ext4's superblock magic 0xEF53 at 1080, mkswap's signature at the end of the first page
    expect((await diskHead(local, 1082)).readUInt16LE(1080)).toBe(0xef53)
    expect((await diskHead(swap, 4096)).subarray(4086).toString()).toBe('SWAPSPACE2')
    const order = async () => (await openBlocks('eph-1')).map((b) => b.file.replace(`${dir}/`, ''))
    expect(await order()).toEqual(['root.qcow2', 'disk.local', 'disk.swap'])
    await driver.powerOff('eph-1')
    await driver.powerOn('eph-1')
    expect(await order()).toEqual(['root.qcow2', 'disk.local', 'disk.swap'])
    // the saved state fits the QEMU the resume starts: the disks keep their slots
    await driver.suspend('eph-1')
    await driver.resume('eph-1')
    expect(await driver.powerState('eph-1')).toBe(POWER_STATE.running)
    expect(await order()).toEqual(['root.qcow2', 'disk.local', 'disk.swap'])
    const adopted = await makeDriver()
    await adopted.reboot('eph-1', 'hard')
    expect(await order()).toEqual(['root.qcow2', 'disk.local', 'disk.swap'])
    await adopted.destroy('eph-1')
    await expect(stat(dir)).rejects.toThrow()
  })

  it('grows the flavor ephemeral disk and makes swap again on resize, never shrinks the ephemeral disk', async () => {
    const driver = await makeDriver()
    await driver.spawn(spec('eph-2', { ephemeralGb: 1, swapMb: 32 }))
    const dir = join(dataDir, 'qemu/guests/eph-2')
    await driver.resize('eph-2', { vcpus: 1, memoryMb: 128, rootGb: 1, ephemeralGb: 2, swapMb: 64 })
    expect(await driver.powerState('eph-2')).toBe(POWER_STATE.running)
    expect(await virtualSizeMb(join(dir, 'disk.local'))).toBe(2048)
    expect(await virtualSizeMb(join(dir, 'disk.swap'))).toBe(64)
    expect((await diskHead(join(dir, 'disk.swap'), 4096)).subarray(4086).toString()).toBe(
      'SWAPSPACE2',
    )
    // a revert asks for the old sizes: the ephemeral disk keeps its data and size, swap goes
    await driver.resize('eph-2', { vcpus: 1, memoryMb: 128, rootGb: 1, ephemeralGb: 1, swapMb: 0 })
    expect(await virtualSizeMb(join(dir, 'disk.local'))).toBe(2048)
    expect((await driver.localDisks('eph-2')).map((d) => d.file)).toEqual(['disk.local'])
    expect(await readdir(dir)).not.toContain('disk.swap')
  })

  it("makes a mapping's ephemeral disks instead of the flavor's, unformatted when no tool makes their filesystem", async () => {
    const warnings: string[] = []
    if (!image || image instanceof Error) throw new Error('no image')
    const driver = new QemuDriver({
      dataDir,
      images: imageSource(image),
      shutdownTimeoutMs: 300,
      log: (_level, message) => warnings.push(message),
    })
    await driver.init('host1')
    made.push(driver)
    await driver.spawn(
      spec('eph-3', {
        ephemeralGb: 3,
        ephemerals: [{ sizeGb: 1 }, { sizeGb: 2, guestFormat: 'no-such-fs' }],
      }),
    )
    const disks = await driver.localDisks('eph-3')
    expect(disks.map((d) => [d.file, d.sizeMb, d.format])).toEqual([
      ['disk.eph0', 1024, 'ext4'],
      ['disk.eph1', 2048, 'none'],
    ])
    expect(warnings.join('\n')).toContain('disk.eph1 of guest eph-3 is left unformatted')
  })
})
