/** @module compute/test/restart.test: a compute process dying during 50 boots leaves nothing stuck or leaked */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { injectDispatcher } from '../../clients/http-dispatcher.js'
import { staticTokenSource } from '../../clients/service-token.js'
import { createMemoryBus } from '../../core/bus/index.js'
import { systemClock } from '../../core/clock/index.js'
import { resolveConfig } from '../../core/config/index.js'
import { parseDatabaseUrl } from '../../core/db/index.js'
import { createHttpServer, mountService } from '../../core/http/index.js'
import { randomIds } from '../../core/ids/index.js'
import { silentLogger } from '../../core/log/index.js'
import { computeConfigFrom, computeConfigSpec } from '../config.js'
import { createComputeUnit } from '../compute-unit.js'
import { FakeDriver } from '../virt/fake/fake-driver.js'
import {
  admin,
  alice,
  createComputeFixture,
  testTokens,
  type ComputeFixture,
  type Json,
} from './compute-fixture.js'

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
    // The process dies: its bus and listener go away mid-flight (nothing is drained).
    await fx.compute.ctx.db.destroy()
    await fx.bus.close()
    await fx.app.close()

    const logger = silentLogger()
    const server = createHttpServer({ logger })
    const bus = createMemoryBus({ onHandlerError: () => undefined })
    const compute = await createComputeUnit({
      database: parseDatabaseUrl(`sqlite://${dir}`, dir),
      config: computeConfigFrom(resolveConfig(computeConfigSpec, {})),
      logger,
      clock: systemClock,
      ids: randomIds,
      tokens: testTokens,
      bus,
      dispatch: injectDispatcher(server.app),
      serviceToken: staticTokenSource('service-token'),
      hostNames: ['h1', 'h2'],
      driverFor: slowDriver,
    })
    cleanup.push(async () => {
      await server.app.close()
      await compute.close()
      await bus.close()
    })
    for (const m of [...fx.otherMounts, ...compute.mounts]) await mountService(server.app, m)
    await server.app.ready()
    await compute.start()

    const get = (url: string) =>
      server.app.inject({ method: 'GET', url, headers: { 'x-auth-token': admin.token } })
    let servers: Json[] = []
    for (let i = 0; i < 200; i++) {
      await bus.drain()
      for (const agent of compute.agents) await agent.idle()
      const res = await get('/compute/v2.1/servers/detail?all_tenants=1')
      servers = (res.json() as { servers: Json[] }).servers
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
    const ports = (
      (await get('/networking/v2.0/ports?device_owner=compute:nova')).json() as { ports: Json[] }
    ).ports
    expect(ports.map((p) => p['device_id']).sort()).toEqual([...active].sort())
    for (const s of servers) {
      const alloc = (await get(`/placement/allocations/${String(s['id'])}`)).json() as {
        allocations: Json
      }
      expect(Object.keys(alloc.allocations).length).toBe(s['status'] === 'ACTIVE' ? 1 : 0)
    }
  }, 60_000)
})
