/** @module compute/test/restart.test: a compute process dying during 50 boots leaves nothing stuck or leaked */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../core/config/index.js'
import { computeConfigFrom, computeConfigSpec } from '../config.js'
import { FakeDriver } from '../virt/fake/fake-driver.js'
import { alice, createComputeFixture, type ComputeFixture, type Json } from './compute-fixture.js'
import { killCompute, restartCompute } from './compute-restart.js'

let cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined)
  cleanup = []
})

const slowDriver = () => new FakeDriver({ spawnDelayMs: 40 })

describe('restart during boots', () => {
  it('leaves every server ACTIVE or ERROR with a fault, with ports and claims only for live ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-compute-restart-'))
    const fx: ComputeFixture = await createComputeFixture({
      databaseDir: dir,
      hosts: ['h1', 'h2'],
      driverFor: slowDriver,
      config: {
        quotas: {
          ...computeConfigFrom(resolveConfig(computeConfigSpec, {})).quotas,
          instances: -1,
          cores: -1,
          ram: -1,
        },
      },
    })
    cleanup.push(() => fx.close())
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) => fx.boot(alice, { name: `r${i}` })),
    )
    await new Promise((r) => setTimeout(r, 30))
    await killCompute(fx)
    const again = await restartCompute(fx, { dir, hosts: ['h1', 'h2'], driverFor: slowDriver })
    cleanup.push(() => again.close())
    const get = (url: string) => again.get(url)
    let servers: Json[] = []
    for (let i = 0; i < 200; i++) {
      await again.settle()
      servers = (await get('/compute/v2.1/servers/detail?all_tenants=1'))['servers'] as Json[]
      if (servers.every((s) => s['OS-EXT-STS:task_state'] === null && s['status'] !== 'BUILD'))
        break
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(servers.map((s) => s['id']).sort()).toEqual([...ids].sort())
    for (const s of servers) {
      expect(['ACTIVE', 'ERROR']).toContain(s['status'])
      if (s['status'] === 'ERROR') expect(s['fault']).toBeDefined()
    }
    const active = servers.filter((s) => s['status'] === 'ACTIVE').map((s) => String(s['id']))
    const ports = (await get('/networking/v2.0/ports?device_owner=compute:nova'))['ports'] as Json[]
    expect(ports.map((p) => p['device_id']).sort()).toEqual([...active].sort())
    for (const s of servers) {
      const alloc = await get(`/placement/allocations/${String(s['id'])}`)
      expect(Object.keys(alloc['allocations'] as Json).length).toBe(
        s['status'] === 'ACTIVE' ? 1 : 0,
      )
    }
  }, 60_000)
})
