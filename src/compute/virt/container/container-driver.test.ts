/** @module compute/virt/container/container-driver.test: the container driver on real runc, with a busybox image */
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { getLink } from '../../../core/sys/ip-link.js'
import { deleteNetns, listNetns } from '../../../core/sys/netns.js'
import { isMounted } from '../../../core/sys/overlay-mount.js'
import { runcUnavailableReason } from '../../../core/sys/runc.js'
import {
  COMPUTE_DRIVER_CONFORMANCE_CASES,
  computeDriverConformance,
} from '../compute-driver.conformance.js'
import { POWER_STATE, type GuestSpec } from '../compute-driver.js'
import { ContainerDriver, hostIfnameOf } from './container-driver.js'
import type { ContainerImageSource } from './container-image-source.js'
import { readImageArchive, writeDockerArchive } from './docker-archive.js'
import { buildTestImage, TEST_BANNER } from './test-image.js'

vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 })

const missing = await runcUnavailableReason()
// built once per machine and kept, like the tiny VM image
const image: string | Error | undefined = missing
  ? undefined
  : await buildTestImage(join(tmpdir(), 'nimbus-container-image-cache')).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    )
const skipReason =
  missing ??
  (image instanceof Error ? `the busybox image could not be built: ${image.message}` : undefined)

function imageSource(archive: string): ContainerImageSource {
  const formats: Record<string, string> = {
    img: 'docker',
    bare: 'bare',
    snap: 'bare',
    broken: 'docker',
  }
  return {
    info: async (id) =>
      formats[id]
        ? { id, containerFormat: formats[id] ?? null, snapshot: id === 'snap' }
        : undefined,
    download: async (id) => createReadStream(id === 'broken' ? brokenArchive : archive),
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'nimbus-container-driver-'))
// an image whose command does not exist
const brokenArchive = join(dataDir, 'broken.tar')
await mkdir(join(dataDir, 'broken-root', 'tmp'), { recursive: true })
await writeDockerArchive({
  rootfs: join(dataDir, 'broken-root'),
  config: { Cmd: ['/no/such/program'] },
  target: brokenArchive,
})
const made: ContainerDriver[] = []

async function makeDriver(): Promise<ContainerDriver> {
  if (typeof image !== 'string') throw new Error('no image')
  const driver = new ContainerDriver({
    dataDir,
    images: imageSource(image),
    shutdownTimeoutMs: 3000,
  })
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

computeDriverConformance(
  'container',
  makeDriver,
  skipReason
    ? Object.fromEntries(COMPUTE_DRIVER_CONFORMANCE_CASES.map((t) => [t, skipReason]))
    : {},
)

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const PORT = 'c0ffee00-1111-2222-3333-444455556666'
const spec: GuestSpec = {
  uuid: '7d5c2f3e-0b1a-4c1e-9f00-1234567890ab',
  name: 'Web Box 1',
  vcpus: 1,
  memoryMb: 96,
  rootGb: 1,
  imageId: 'img',
  vifs: [{ portId: PORT, networkId: 'net-nowhere', macAddress: 'fa:16:3e:00:00:42', fixedIps: [] }],
}

describe.skipIf(skipReason !== undefined)(`ContainerDriver with runc ${skipReason ?? ''}`, () => {
  it('boots the busybox image, shows its output, stops, starts and leaves nothing behind', async () => {
    const driver = await makeDriver()
    await driver.spawn(spec)
    expect(await driver.powerState(spec.uuid)).toBe(POWER_STATE.running)
    await waitFor('the banner', async () =>
      (await driver.consoleOutput(spec.uuid)).includes(TEST_BANNER),
    )
    const console = await driver.consoleOutput(spec.uuid)
    expect(console).toContain(`${TEST_BANNER} as web-box-1 in /tmp with GREETING=hello`)

    // the port's veth: host end named for the L2 agent, guest end with the port's MAC
    const host = await getLink(hostIfnameOf(PORT))
    expect(host?.kind).toBe('veth')
    expect(host?.up).toBe(true)
    const guest = await getLink('eth0', { netns: `ctr-${spec.uuid}` })
    expect(guest?.mac).toBe('fa:16:3e:00:00:42')
    // cgroup v1 limits from the flavor
    const cgroupV1 = await stat('/sys/fs/cgroup/memory').then(
      () => true,
      () => false,
    )
    if (cgroupV1) {
      const memory = await readFile(
        `/sys/fs/cgroup/memory/nimbus/${spec.uuid}/memory.limit_in_bytes`,
        'utf8',
      )
      expect(Number(memory)).toBe(96 * 1024 * 1024)
      const quota = await readFile(
        `/sys/fs/cgroup/cpu/nimbus/${spec.uuid}/cpu.cfs_quota_us`,
        'utf8',
      )
      expect(Number(quota)).toBe(100_000)
    }

    await driver.powerOff(spec.uuid)
    expect(await driver.powerState(spec.uuid)).toBe(POWER_STATE.shutdown)
    expect(await driver.consoleOutput(spec.uuid)).toContain('stopping')
    // as after a host restart: the namespace (and so the veth) is gone, the start makes them again
    await deleteNetns(`ctr-${spec.uuid}`)
    // the kernel tears a deleted namespace's devices down in the background
    await waitFor(
      'the veth to go with its namespace',
      async () => !(await getLink(hostIfnameOf(PORT))),
    )
    await driver.powerOn(spec.uuid)
    expect(await driver.powerState(spec.uuid)).toBe(POWER_STATE.running)
    expect((await getLink('eth0', { netns: `ctr-${spec.uuid}` }))?.mac).toBe('fa:16:3e:00:00:42')
    expect(await getLink(hostIfnameOf(PORT))).toBeDefined()
    await driver.pause(spec.uuid)
    expect(await driver.powerState(spec.uuid)).toBe(POWER_STATE.paused)
    await driver.unpause(spec.uuid)
    await driver.reboot(spec.uuid, 'hard')
    expect(await driver.powerState(spec.uuid)).toBe(POWER_STATE.running)
    await waitFor('a second banner', async () => {
      const text = await driver.consoleOutput(spec.uuid)
      return text.split(TEST_BANNER).length > 3
    })

    await driver.destroy(spec.uuid)
    await driver.destroy(spec.uuid)
    expect(await driver.powerState(spec.uuid)).toBe(POWER_STATE.nostate)
    expect(await getLink(hostIfnameOf(PORT))).toBeUndefined()
    expect(await listNetns()).not.toContain(`ctr-${spec.uuid}`)
    expect(await isMounted(join(dataDir, 'container', 'guests', spec.uuid, 'rootfs'))).toBe(false)
    expect(await readdir(join(dataDir, 'container', 'guests'))).not.toContain(spec.uuid)
    const { stdout } = await exec('runc', [
      '--root',
      join(dataDir, 'container', 'runc'),
      'list',
      '-q',
    ])
    expect(stdout.trim()).toBe('')
    if (cgroupV1) await expect(stat(`/sys/fs/cgroup/memory/nimbus/${spec.uuid}`)).rejects.toThrow()
  })

  it('adopts running guests after a restart of the agent', async () => {
    const first = await makeDriver()
    await first.spawn({ ...spec, vifs: [] })
    const second = await makeDriver()
    expect(await second.listGuests()).toEqual([spec.uuid])
    expect(await second.powerState(spec.uuid)).toBe(POWER_STATE.running)
    await second.powerOff(spec.uuid)
    expect(await first.powerState(spec.uuid)).toBe(POWER_STATE.shutdown)
  })

  it('snapshots the guest root with its changes as a docker-format image', async () => {
    const driver = await makeDriver()
    await driver.spawn({ ...spec, vifs: [] })
    const rootfs = join(dataDir, 'container', 'guests', spec.uuid, 'rootfs')
    await writeFile(join(rootfs, 'root', 'note.txt'), 'written in the guest\n')
    const snapshot = await driver.snapshot(spec.uuid)
    expect(await driver.powerState(spec.uuid)).toBe(POWER_STATE.running)
    const dir = await mkdtemp(join(tmpdir(), 'nimbus-container-snap-'))
    try {
      await writeFile(join(dir, 'snap.tar'), snapshot.data)
      await snapshot.release()
      const contents = await readImageArchive(join(dir, 'snap.tar'), join(dir, 'x'))
      expect(contents.format).toBe('docker-save')
      expect(contents.config.Env).toContain('GREETING=hello')
      const { stdout } = await exec('tar', ['-t', '-f', contents.layers[0] ?? ''])
      expect(stdout).toContain('./root/note.txt')
      expect(stdout).toContain('./bin/busybox')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses images that are not docker-format, and suspend, with clear messages', async () => {
    const driver = await makeDriver()
    await expect(driver.spawn({ ...spec, imageId: 'bare' })).rejects.toThrow(
      /container_format bare; the container compute driver boots docker images only/,
    )
    expect(await driver.listGuests()).toEqual([])
    await expect(driver.spawn({ ...spec, imageId: 'absent' })).rejects.toThrow(/not found/)
    await expect(driver.spawn({ ...spec, imageId: 'broken' })).rejects.toThrow(
      /runc .*run.*no\/such\/program/s,
    )
    expect(await driver.listGuests()).toEqual([])
    expect(await getLink(hostIfnameOf(PORT))).toBeUndefined()
    expect(await listNetns()).not.toContain(`ctr-${spec.uuid}`)
    // a server snapshot recorded as bare boots when its data is a docker archive
    await driver.spawn({ ...spec, uuid: 'from-snapshot', imageId: 'snap', vifs: [] })
    expect(await driver.powerState('from-snapshot')).toBe(POWER_STATE.running)
    await driver.spawn({ ...spec, vifs: [] })
    await expect(driver.suspend(spec.uuid)).rejects.toThrow(/cannot suspend guest/)
    expect(await driver.powerState(spec.uuid)).toBe(POWER_STATE.running)
  })
})
