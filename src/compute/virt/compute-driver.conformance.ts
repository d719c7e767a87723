/** @module compute/virt/compute-driver.conformance: the behaviour every compute driver must show */
import { describe, expect, it } from 'vitest'
import { POWER_STATE, type ComputeDriver, type GuestSpec } from './compute-driver.js'

function spec(uuid: string): GuestSpec {
  return { uuid, name: `vm-${uuid}`, vcpus: 1, memoryMb: 64, rootGb: 1, imageId: 'img', vifs: [] }
}

/** Runs the suite against drivers `make` builds (a fresh one per test). */
export function computeDriverConformance(
  name: string,
  make: () => Promise<ComputeDriver>,
  skips: Partial<Record<string, string>> = {},
): void {
  describe(`ComputeDriver conformance: ${name}`, () => {
    const test = (title: string, fn: (d: ComputeDriver) => Promise<void>) => {
      const reason = skips[title]
      if (reason) it.skip(`${title} (skipped: ${reason})`, () => undefined)
      else it(title, async () => fn(await make()))
    }
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
      const data = await d.snapshot('a')
      expect(data.length).toBeGreaterThan(0)
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
  })
}
