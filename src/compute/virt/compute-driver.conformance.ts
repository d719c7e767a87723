/** @module compute/virt/compute-driver.conformance: the behaviour every compute driver must show */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  POWER_STATE,
  type ComputeDriver,
  type GuestSpec,
  type GuestVif,
  type GuestVolume,
  type VolumeConnection,
} from './compute-driver.js'

function spec(uuid: string, volumes?: GuestVolume[]): GuestSpec {
  const base = { uuid, name: `vm-${uuid}`, vcpus: 1, memoryMb: 128, rootGb: 1, imageId: 'img' }
  return { ...base, vifs: [], ...(volumes ? { volumes } : {}) }
}

/** A port's interface; the ids are new per run, as taps of other runs may share the host. */
function vif(n: number): GuestVif {
  const portId = randomUUID()
  return {
    portId,
    networkId: randomUUID(),
    macAddress: `fa:16:3e:${portId.slice(0, 2)}:${portId.slice(2, 4)}:0${n}`,
    fixedIps: [`10.9.0.${10 + n}`],
  }
}

/** The titles of the suite's cases, for a run that must skip them all with one reason. */
export const COMPUTE_DRIVER_CONFORMANCE_CASES = [
  'reports positive host resources',
  'spawns a running guest that it then lists',
  'refuses to spawn a guest twice',
  'starts a guest only once its network is ready',
  'leaves no guest behind when its network never gets ready',
  'destroys idempotently',
  'stops and starts a guest, idempotently',
  'reboots a stopped guest into running',
  'pauses and unpauses when capable',
  'suspends and resumes when capable',
  'snapshots a guest without changing its power state',
  'returns console output when capable',
  'resizes a guest',
  'attaches a volume that the guest then has',
  'attaches a volume idempotently',
  'detaches a volume idempotently',
  'spawns a guest with its volumes in device order',
  'keeps spawned and attached volumes across power off and on',
  'attaches an interface that the guest then has',
  'attaches an interface idempotently',
  'detaches an interface idempotently',
  'keeps spawned and attached interfaces across power off and on',
] as const

/** What the volume cases need from the driver's host (for drivers with `volumeAttach`). */
export interface VolumeConformanceHooks {
  /** A new volume's connection info, as block storage would give it for this host. */
  connect(volumeId: string): Promise<VolumeConnection>
  /** Ids of the volumes a guest has, in device order, as the hypervisor shows them. */
  listVolumes(driver: ComputeDriver, uuid: string): Promise<string[]>
  /** Waits until a running guest can release a hot-unplugged device (its OS has booted). */
  untilBooted?(driver: ComputeDriver, uuid: string): Promise<void>
  /**
   * The MAC addresses of a guest's NICs in the order it has them, as the hypervisor shows them
   * (for drivers with `interfaceAttach`; the interface cases skip without it).
   */
  listInterfaces?(driver: ComputeDriver, uuid: string): Promise<string[]>
}

/** The hooks of a driver whose connections need nothing on the host (the fake). */
function noHooks(): VolumeConformanceHooks {
  return {
    connect: async (volumeId) => ({
      driver_volume_type: 'file',
      data: { path: `/nonexistent/${volumeId}`, format: 'raw' },
    }),
    listVolumes: () => Promise.reject(new Error('the run gave no listVolumes hook')),
  }
}

/**
 * Runs the suite against drivers `make` builds (a fresh one per test). Volume cases run for a
 * driver with `volumeAttach` and `hooks`; without the capability they check that the driver
 * refuses an attach, and skip with the driver's own reason.
 */
export function computeDriverConformance(
  name: string,
  make: () => Promise<ComputeDriver>,
  skips: Partial<Record<string, string>> = {},
  hooks: VolumeConformanceHooks = noHooks(),
): void {
  describe(`ComputeDriver conformance: ${name}`, () => {
    const test = (title: string, fn: (d: ComputeDriver) => Promise<void>) => {
      const reason = skips[title]
      if (reason) it.skip(`${title} (skipped: ${reason})`, () => undefined)
      else it(title, async () => fn(await make()))
    }
    const volume = async (volumeId: string, device: string): Promise<GuestVolume> => {
      const connection = await hooks.connect(volumeId)
      return { volumeId, device, connection, bootIndex: null, readOnly: false }
    }
    const volumeTest = (title: string, fn: (d: ComputeDriver) => Promise<void>) => {
      const reason = skips[title]
      if (reason) {
        it.skip(`${title} (skipped: ${reason})`, () => undefined)
        return
      }
      it(title, async (context) => {
        const d = await make()
        if (!d.capabilities.volumeAttach) {
          await d.spawn(spec('a'))
          const refusal = await d.attachVolume('a', await volume('v1', '/dev/vdb')).then(
            () => undefined,
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          )
          expect(refusal, 'a driver without volumeAttach must refuse attachVolume').toBeDefined()
          context.skip(`no volumeAttach: ${refusal ?? ''}`)
        }
        await fn(d)
      })
    }
    const interfaceTest = (title: string, fn: (d: ComputeDriver) => Promise<void>) => {
      const reason = skips[title]
      if (reason) {
        it.skip(`${title} (skipped: ${reason})`, () => undefined)
        return
      }
      it(title, async (context) => {
        const d = await make()
        if (!d.capabilities.interfaceAttach) {
          await d.spawn(spec('a'))
          const refusal = await d.attachInterface('a', vif(1)).then(
            () => undefined,
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          )
          expect(refusal, 'a driver without interfaceAttach must refuse it').toBeDefined()
          context.skip(`no interfaceAttach: ${refusal ?? ''}`)
        }
        if (!hooks.listInterfaces) context.skip('the run gave no listInterfaces hook')
        await fn(d)
      })
    }
    const nics = (d: ComputeDriver, uuid: string) => hooks.listInterfaces?.(d, uuid) ?? []
    test('reports positive host resources', async (d) => {
      const r = await d.hostResources()
      expect(r.vcpus).toBeGreaterThan(0)
      expect(r.memoryMb).toBeGreaterThan(0)
      expect(r.diskGb).toBeGreaterThan(0)
    })
    test('spawns a running guest that it then lists', async (d) => {
      await d.spawn(spec('a'))
      expect(await d.listGuests()).toContain('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
    })
    test('refuses to spawn a guest twice', async (d) => {
      await d.spawn(spec('a'))
      await expect(d.spawn(spec('a'))).rejects.toThrow()
    })
    test('starts a guest only once its network is ready', async (d) => {
      const seen: number[] = []
      await d.spawn(spec('a'), undefined, {
        networkReady: async () => void seen.push(await d.powerState('a')),
      })
      expect(seen).toHaveLength(1)
      expect(seen[0]).not.toBe(POWER_STATE.running)
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
    })
    test('leaves no guest behind when its network never gets ready', async (d) => {
      const networkReady = () => Promise.reject(new Error('network-vif-plugged timed out'))
      await expect(d.spawn(spec('a'), undefined, { networkReady })).rejects.toThrow(/timed out/)
      expect(await d.listGuests()).not.toContain('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.nostate)
    })
    test('destroys idempotently', async (d) => {
      await d.spawn(spec('a'))
      await d.destroy('a')
      await d.destroy('a')
      expect(await d.listGuests()).not.toContain('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.nostate)
    })
    test('stops and starts a guest, idempotently', async (d) => {
      await d.spawn(spec('a'))
      await d.powerOff('a')
      await d.powerOff('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.shutdown)
      await d.powerOn('a')
      await d.powerOn('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
    })
    test('reboots a stopped guest into running', async (d) => {
      await d.spawn(spec('a'))
      await d.powerOff('a')
      await d.reboot('a', 'hard')
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
    })
    test('pauses and unpauses when capable', async (d) => {
      if (!d.capabilities.pause) return
      await d.spawn(spec('a'))
      await d.pause('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.paused)
      await d.unpause('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
    })
    test('suspends and resumes when capable', async (d) => {
      if (!d.capabilities.suspend) return
      await d.spawn(spec('a'))
      await d.suspend('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.suspended)
      await d.resume('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
    })
    test('snapshots a guest without changing its power state', async (d) => {
      if (!d.capabilities.snapshot) return
      await d.spawn(spec('a'))
      const snapshot = await d.snapshot('a')
      try {
        let read = 0
        for await (const chunk of snapshot.data) read += (chunk as Buffer).length
        expect(read).toBeGreaterThan(0)
        expect(read).toBe(snapshot.size)
        expect(snapshot.diskFormat).toMatch(/^(raw|qcow2)$/)
        expect(snapshot.containerFormat).toMatch(/^(bare|docker)$/)
      } finally {
        await snapshot.release()
      }
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
    })
    test('returns console output when capable', async (d) => {
      if (!d.capabilities.consoleOutput) return
      await d.spawn(spec('a'))
      expect(typeof (await d.consoleOutput('a'))).toBe('string')
    })
    test('resizes a guest', async (d) => {
      if (!d.capabilities.resize) return
      await d.spawn(spec('a'))
      await d.resize('a', { vcpus: 2, memoryMb: 128, rootGb: 2 })
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
    })
    volumeTest('attaches a volume that the guest then has', async (d) => {
      await d.spawn(spec('a'))
      await d.attachVolume('a', await volume('v1', '/dev/vdb'))
      expect(await hooks.listVolumes(d, 'a')).toEqual(['v1'])
    })
    volumeTest('attaches a volume idempotently', async (d) => {
      await d.spawn(spec('a'))
      const v1 = await volume('v1', '/dev/vdb')
      await d.attachVolume('a', v1)
      await d.attachVolume('a', v1)
      expect(await hooks.listVolumes(d, 'a')).toEqual(['v1'])
    })
    volumeTest('detaches a volume idempotently', async (d) => {
      await d.spawn(spec('a'))
      await hooks.untilBooted?.(d, 'a')
      await d.attachVolume('a', await volume('v1', '/dev/vdb'))
      await d.detachVolume('a', 'v1')
      await d.detachVolume('a', 'v1')
      await d.detachVolume('a', 'never-attached')
      expect(await hooks.listVolumes(d, 'a')).toEqual([])
    })
    volumeTest('spawns a guest with its volumes in device order', async (d) => {
      await d.spawn(spec('a', [await volume('v2', '/dev/vdc'), await volume('v1', '/dev/vdb')]))
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
      expect(await hooks.listVolumes(d, 'a')).toEqual(['v1', 'v2'])
    })
    volumeTest('keeps spawned and attached volumes across power off and on', async (d) => {
      await d.spawn(spec('a', [await volume('v1', '/dev/vdb')]))
      await d.attachVolume('a', await volume('v2', '/dev/vdc'))
      await d.powerOff('a')
      expect(await hooks.listVolumes(d, 'a')).toEqual(['v1', 'v2'])
      await d.powerOn('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
      expect(await hooks.listVolumes(d, 'a')).toEqual(['v1', 'v2'])
    })
    interfaceTest('attaches an interface that the guest then has', async (d) => {
      await d.spawn(spec('a'))
      const one = vif(1)
      await d.attachInterface('a', one)
      expect(await nics(d, 'a')).toEqual([one.macAddress])
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
    })
    interfaceTest('attaches an interface idempotently', async (d) => {
      await d.spawn(spec('a'))
      const one = vif(1)
      await d.attachInterface('a', one)
      await d.attachInterface('a', one)
      expect(await nics(d, 'a')).toEqual([one.macAddress])
    })
    interfaceTest('detaches an interface idempotently', async (d) => {
      await d.spawn(spec('a'))
      await hooks.untilBooted?.(d, 'a')
      const one = vif(1)
      await d.attachInterface('a', one)
      await d.detachInterface('a', one.portId)
      await d.detachInterface('a', one.portId)
      await d.detachInterface('a', vif(2).portId)
      expect(await nics(d, 'a')).toEqual([])
    })
    interfaceTest('keeps spawned and attached interfaces across power off and on', async (d) => {
      const [zero, one] = [vif(0), vif(1)]
      await d.spawn({ ...spec('a'), vifs: [zero] })
      await d.attachInterface('a', one)
      await d.powerOff('a')
      expect(await nics(d, 'a')).toEqual([zero.macAddress, one.macAddress])
      await d.powerOn('a')
      expect(await d.powerState('a')).toBe(POWER_STATE.running)
      expect(await nics(d, 'a')).toEqual([zero.macAddress, one.macAddress])
    })
  })
}
