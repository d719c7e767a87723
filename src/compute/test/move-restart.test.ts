/** @module compute/test/move-restart.test: a compute process dying during live and cold migrations leaves no server mid-move, and claims where the servers are */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { providerUuidFor } from '../model/host-provider.js'
import { FakeDriver } from '../virt/fake/fake-driver.js'
import { admin, createComputeFixture, type ComputeFixture, type Json } from './compute-fixture.js'
import { killCompute, restartCompute, type RestartedCompute } from './compute-restart.js'

let cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined)
  cleanup = []
})

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await probe()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`never happened: ${what}`)
}

function api(fx: ComputeFixture) {
  const headers = { 'openstack-api-version': 'compute 2.80' }
  return {
    async get(url: string): Promise<Json> {
      const res = await fx.request(admin, { method: 'GET', url, headers })
      return res.json() as Json
    },
    async action(id: string, body: Json): Promise<number> {
      const url = `/compute/v2.1/servers/${id}/action`
      return (await fx.request(admin, { method: 'POST', url, headers, payload: body })).statusCode
    },
  }
}

async function serverOf(get: (url: string) => Promise<Json>, id: string): Promise<Json> {
  return (await get(`/compute/v2.1/servers/${id}`))['server'] as Json
}

async function migrationOf(get: (url: string) => Promise<Json>, id: string): Promise<Json> {
  const list = (await get(`/compute/v2.1/os-migrations?instance_uuid=${id}`))['migrations']
  return (list as Json[])[0] as Json
}

async function providers(c: RestartedCompute, consumer: string): Promise<string[]> {
  return Object.keys((await c.get(`/placement/allocations/${consumer}`))['allocations'] as Json)
}

/**
 * Two hosts on SQLite files: h1's guests outlive the process (as QEMU's do); h2 spawns slowly,
 * so moves to it are caught mid-way. `crash` kills the process and starts it again, h2 afresh.
 */
async function crashableCloud() {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-compute-move-restart-'))
  const h1 = new FakeDriver()
  const fx = await createComputeFixture({
    databaseDir: dir,
    hosts: ['h1', 'h2'],
    driverFor: (host) => (host === 'h1' ? h1 : new FakeDriver({ spawnDelayMs: 1500 })),
  })
  cleanup.push(() => fx.close())
  const boot = async () => {
    const id = await fx.boot(admin, { availability_zone: 'nova:h1' })
    await fx.waitFor(admin, id, 'ACTIVE')
    return id
  }
  const crash = async (): Promise<RestartedCompute> => {
    await killCompute(fx)
    const again = await restartCompute(fx, {
      dir,
      hosts: ['h1', 'h2'],
      driverFor: (host) => (host === 'h1' ? h1 : new FakeDriver()),
    })
    cleanup.push(() => again.close())
    await again.settle()
    return again
  }
  return { fx, h1, a: api(fx), boot, crash }
}

describe('restart during moves', () => {
  it('rolls interrupted live and cold migrations back to their source and keeps VERIFY_RESIZE', async () => {
    const { fx, h1, a, boot, crash } = await crashableCloud()
    const [live, cold, verify] = [await boot(), await boot(), await boot()]
    expect(await a.action(verify, { migrate: null })).toBe(202)
    await fx.waitFor(admin, verify, 'VERIFY_RESIZE')
    const verifyMigration = String((await migrationOf(a.get, verify))['uuid'])

    const body = { 'os-migrateLive': { host: 'h2', block_migration: 'auto' } }
    expect(await a.action(live, body)).toBe(202)
    expect(await a.action(cold, { migrate: null })).toBe(202)
    await until(async () => {
      const l = await migrationOf(a.get, live)
      const c = await serverOf(a.get, cold)
      return l['status'] === 'running' && c['OS-EXT-STS:task_state'] === 'resize_finish'
        ? true
        : undefined
    }, 'both moves under way on h2')
    const liveMigration = String((await migrationOf(a.get, live))['uuid'])
    const coldMigration = String((await migrationOf(a.get, cold))['uuid'])
    expect(await h1.powerState(cold)).toBe(4)

    const again = await crash()

    for (const id of [live, cold]) {
      const s = await serverOf(again.get, id)
      expect(s).toMatchObject({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'h1' })
      expect(s['OS-EXT-STS:task_state']).toBeNull()
      expect(await h1.powerState(id)).toBe(1)
      expect(await providers(again, id)).toEqual([providerUuidFor('h1')])
      const ports = (await again.get(`/networking/v2.0/ports?device_id=${id}`))['ports']
      expect((ports as Json[]).map((p) => p['binding:host_id'])).toEqual(['h1'])
    }
    expect((await migrationOf(again.get, live))['status']).toBe('error')
    expect((await migrationOf(again.get, cold))['status']).toBe('error')
    expect(await providers(again, liveMigration)).toEqual([])
    expect(await providers(again, coldMigration)).toEqual([])
    // The cold migration had made the flavor its new one on the way: the server keeps its own.
    expect(((await serverOf(again.get, cold))['flavor'] as Json)['original_name']).toBe(
      ((await serverOf(again.get, live))['flavor'] as Json)['original_name'],
    )

    const v = await serverOf(again.get, verify)
    expect(v).toMatchObject({ status: 'VERIFY_RESIZE', 'OS-EXT-SRV-ATTR:host': 'h2' })
    expect(await h1.listGuests()).toContain(verify)
    expect(await providers(again, verify)).toEqual([providerUuidFor('h2')])
    expect(await providers(again, verifyMigration)).toEqual([providerUuidFor('h1')])
    const revert = `/compute/v2.1/servers/${verify}/action`
    expect(await again.request('POST', revert, { revertResize: null })).toBe(202)
    await again.settle()
    const back = await serverOf(again.get, verify)
    expect(back).toMatchObject({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'h1' })
    expect(await providers(again, verify)).toEqual([providerUuidFor('h1')])
    expect(await h1.powerState(verify)).toBe(1)
  }, 60_000)

  it('errs a server whose evacuation was cut short on its new host, and frees the old host once back', async () => {
    const { fx, h1, a, boot, crash } = await crashableCloud()
    const id = await boot()
    const svc = (
      (await a.get('/compute/v2.1/os-services?host=h1&binary=nova-compute'))['services'] as Json[]
    )[0]
    const down = await fx.request(admin, {
      method: 'PUT',
      url: `/compute/v2.1/os-services/${String(svc?.['id'])}`,
      headers: { 'openstack-api-version': 'compute 2.53' },
      payload: { forced_down: true },
    })
    expect(down.statusCode).toBe(200)
    expect(await a.action(id, { evacuate: {} })).toBe(200)
    await until(async () => {
      const s = await serverOf(a.get, id)
      return s['OS-EXT-SRV-ATTR:host'] === 'h2' && s['OS-EXT-STS:task_state'] === 'rebuild_spawning'
        ? true
        : undefined
    }, 'the rebuild under way on h2')
    const migration = String((await migrationOf(a.get, id))['uuid'])

    const again = await crash()

    const s = await serverOf(again.get, id)
    expect(s).toMatchObject({ status: 'ERROR', 'OS-EXT-SRV-ATTR:host': 'h2' })
    expect(s['OS-EXT-STS:task_state']).toBeNull()
    expect(String((s['fault'] as Json)['message'])).toContain('restarted during the evacuation')
    expect((await migrationOf(again.get, id))['status']).toBe('failed')
    expect(await providers(again, id)).toEqual([providerUuidFor('h2')])
    expect(await providers(again, migration)).toEqual([])
    expect(await h1.listGuests()).toEqual([])
  }, 60_000)
})
