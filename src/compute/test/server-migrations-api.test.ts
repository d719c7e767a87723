/** @module compute/test/server-migrations-api.test: /servers/{id}/migrations, force complete, abort, and moves waiting for network-vif-plugged */
import { afterEach, describe, expect, it } from 'vitest'
import type { ComputeConfig } from '../config.js'
import { providerUuidFor } from '../model/host-provider.js'
import { FakeDriver } from '../virt/fake/fake-driver.js'
import {
  admin,
  alice,
  createComputeFixture,
  type ComputeFixture,
  type Json,
  type TestCaller,
} from './compute-fixture.js'

let fx: ComputeFixture | undefined
afterEach(async () => {
  await fx?.close()
  fx = undefined
})

const drivers = new Map<string, FakeDriver>()

/** h1 spawns at once; h2 takes `delayMs` per spawn, which keeps a migration to it running. */
async function twoHosts(delayMs: number, config: Partial<ComputeConfig> = {}) {
  drivers.clear()
  return createComputeFixture({
    hosts: ['h1', 'h2'],
    config,
    driverFor: (host) => {
      const d = new FakeDriver(host === 'h2' ? { spawnDelayMs: delayMs } : {})
      drivers.set(host, d)
      return d
    },
  })
}

function call(f: ComputeFixture, method: 'GET' | 'POST' | 'DELETE' | 'PUT', url: string) {
  return (mv: string, payload?: Json, caller: TestCaller = admin) =>
    f.request(caller, {
      method,
      url: url.startsWith('/') ? url : `/compute/v2.1/${url}`,
      headers: { 'openstack-api-version': `compute ${mv}` },
      ...(payload ? { payload } : {}),
    })
}

/** Polls without draining the agents (a migration in progress keeps them busy). */
async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await probe()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`never happened: ${what}`)
}

async function raw(f: ComputeFixture, id: string): Promise<Json> {
  const res = await call(f, 'GET', `servers/${id}`)('2.1')
  return (res.json() as { server: Json }).server
}

async function settled(f: ComputeFixture, id: string): Promise<Json> {
  return until(async () => {
    const s = await raw(f, id)
    return s['OS-EXT-STS:task_state'] === null && s['status'] !== 'MIGRATING' ? s : undefined
  }, `server ${id} without a task`)
}

async function bootOnH1(f: ComputeFixture): Promise<string> {
  const id = await f.boot(admin, { availability_zone: 'nova:h1' })
  await f.waitFor(admin, id, 'ACTIVE')
  return id
}

async function liveMigrate(f: ComputeFixture, id: string): Promise<void> {
  const body = { 'os-migrateLive': { host: 'h2', block_migration: 'auto' } }
  const res = await call(f, 'POST', `servers/${id}/action`)('2.30', body)
  expect(res.statusCode).toBe(202)
}

/** The server's migration once it is running, as GET /servers/{id}/migrations shows it. */
async function running(f: ComputeFixture, id: string): Promise<Json> {
  return until(async () => {
    const res = await call(f, 'GET', `servers/${id}/migrations`)('2.80')
    const [m] = (res.json() as { migrations: Json[] }).migrations
    return m?.['status'] === 'running' ? m : undefined
  }, 'a running migration')
}

async function allocations(f: ComputeFixture, consumer: string): Promise<string[]> {
  const res = await call(f, 'GET', `/placement/allocations/${consumer}`)('2.1')
  return Object.keys((res.json() as { allocations: Json }).allocations)
}

async function osMigrations(f: ComputeFixture, mv = '2.80'): Promise<Json[]> {
  const res = await call(f, 'GET', 'os-migrations')(mv)
  return (res.json() as { migrations: Json[] }).migrations
}

describe('server migrations API', () => {
  it('lists and shows a running live migration with the fields of each microversion', async () => {
    fx = await twoHosts(400)
    const id = await bootOnH1(fx)
    await liveMigrate(fx, id)
    const m = await running(fx, id)
    expect(m).toMatchObject({
      server_uuid: id,
      source_compute: 'h1',
      dest_compute: 'h2',
      dest_host: 'h2',
      status: 'running',
      memory_total_bytes: null,
      disk_remaining_bytes: null,
      user_id: 'u-p-admin',
      project_id: admin.projectId,
    })
    expect(typeof m['uuid']).toBe('string')
    const mid = String(m['id'])
    const f = fx
    const show = (mv: string, caller: TestCaller = admin) =>
      call(f, 'GET', `servers/${id}/migrations/${mid}`)(mv, undefined, caller)
    const old = (await show('2.23')).json() as { migration: Json }
    expect(old.migration['uuid']).toBeUndefined()
    expect(old.migration['user_id']).toBeUndefined()
    expect(old.migration['id']).toBe(m['id'])
    expect((await show('2.22')).statusCode).toBe(404)
    expect((await show('2.80', alice)).statusCode).toBe(403)
    expect((await call(f, 'GET', `servers/${id}/migrations/999`)('2.23')).statusCode).toBe(404)
    const [listed] = await osMigrations(f, '2.23')
    expect(listed?.['links']).toEqual([
      { href: expect.stringContaining(`/v2.1/servers/${id}/migrations/${mid}`), rel: 'self' },
      {
        href: expect.stringMatching(new RegExp(`/compute/servers/${id}/migrations/${mid}$`)),
        rel: 'bookmark',
      },
    ])
    await settled(f, id)
    expect((await show('2.23')).statusCode).toBe(404)
    const none = await call(f, 'GET', `servers/${id}/migrations`)('2.23')
    expect(none.json()).toEqual({ migrations: [] })
    expect((await osMigrations(f, '2.23'))[0]?.['links']).toBeUndefined()
  })

  it('forces a running live migration to complete by pausing the source guest', async () => {
    fx = await twoHosts(400)
    const id = await bootOnH1(fx)
    const f = fx
    const force = (mid: string, mv = '2.22', body: Json = { force_complete: null }) =>
      call(f, 'POST', `servers/${id}/migrations/${mid}/action`)(mv, body)
    expect((await force('1')).statusCode).toBe(409)
    await liveMigrate(fx, id)
    const mid = String((await running(fx, id))['id'])
    expect((await force(mid, '2.21')).statusCode).toBe(404)
    expect((await force(mid, '2.22', { force_complete: 1 })).statusCode).toBe(400)
    expect((await force('77')).statusCode).toBe(400)
    expect(
      (
        await call(f, 'POST', `servers/${id}/migrations/${mid}/action`)(
          '2.22',
          { force_complete: null },
          alice,
        )
      ).statusCode,
    ).toBe(403)
    expect((await force(mid)).statusCode).toBe(202)
    await until(
      async () => ((await drivers.get('h1')?.powerState(id)) === 3 ? true : undefined),
      'source paused',
    )
    const s = await settled(fx, id)
    expect(s['status']).toBe('ACTIVE')
    expect(await drivers.get('h2')?.powerState(id)).toBe(1)
    expect(await drivers.get('h1')?.listGuests()).toEqual([])
    const actions = await call(f, 'GET', `servers/${id}/os-instance-actions`)('2.1')
    const names = (actions.json() as { instanceActions: Json[] }).instanceActions.map(
      (a) => a['action'],
    )
    expect(names).toContain('live_migration_force_complete')
  })

  it('aborts a running live migration: the server stays on its source with its claims', async () => {
    fx = await twoHosts(400)
    const id = await bootOnH1(fx)
    const f = fx
    const abort = (mid: string, mv = '2.24') =>
      call(f, 'DELETE', `servers/${id}/migrations/${mid}`)(mv)
    expect((await abort('1')).statusCode).toBe(409)
    await liveMigrate(fx, id)
    const m = await running(fx, id)
    const mid = String(m['id'])
    expect((await abort(mid, '2.23')).statusCode).toBe(404)
    expect((await abort('4242')).statusCode).toBe(404)
    expect((await abort(mid)).statusCode).toBe(202)
    expect((await abort(mid)).statusCode).toBe(400)
    const s = await settled(fx, id)
    expect(s['OS-EXT-SRV-ATTR:host']).toBe('h1')
    expect(s['status']).toBe('ACTIVE')
    expect(await drivers.get('h2')?.listGuests()).toEqual([])
    expect(await drivers.get('h1')?.powerState(id)).toBe(1)
    expect((await osMigrations(fx))[0]?.['status']).toBe('cancelled')
    expect(await allocations(fx, id)).toEqual([providerUuidFor('h1')])
    expect(await allocations(fx, String(m['uuid']))).toEqual([])
  })

  it('aborts a queued live migration from 2.65 only, on the source at once', async () => {
    fx = await twoHosts(0)
    const id = await bootOnH1(fx)
    // The destination's agent is away: the migration stays queued for it.
    await fx.compute.agents.find((a) => a.host === 'h2')?.stop()
    await liveMigrate(fx, id)
    const f = fx
    const m = await until(async () => {
      const res = await call(f, 'GET', `servers/${id}/migrations`)('2.80')
      const [x] = (res.json() as { migrations: Json[] }).migrations
      return x?.['status'] === 'queued' ? x : undefined
    }, 'a queued migration')
    const abort = (mv: string) =>
      call(f, 'DELETE', `servers/${id}/migrations/${String(m['id'])}`)(mv)
    const early = await abort('2.64')
    expect(early.statusCode).toBe(400)
    expect(early.body).toContain(
      'Cannot abort live migration while the migration is in this state.',
    )
    expect((await abort('2.65')).statusCode).toBe(202)
    const s = await raw(f, id)
    expect(s).toMatchObject({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'h1' })
    expect(s['OS-EXT-STS:task_state']).toBeNull()
    expect(await allocations(f, id)).toEqual([providerUuidFor('h1')])
    expect(await allocations(f, String(m['uuid']))).toEqual([])
  })
})

async function portOf(f: ComputeFixture, id: string): Promise<string> {
  const res = await call(f, 'GET', `/networking/v2.0/ports?device_id=${id}`)('2.1')
  return String((res.json() as { ports: Json[] }).ports[0]?.['id'])
}

async function setPortUp(f: ComputeFixture, port: string, up: boolean): Promise<void> {
  const res = await call(
    f,
    'PUT',
    `/networking/v2.0/ports/${port}`,
  )('2.1', {
    port: { admin_state_up: up },
  })
  expect(res.statusCode).toBe(200)
}

/** The traceback of the server's newest action's failed `event` (admins see it from 2.51). */
async function failedEvent(f: ComputeFixture, id: string, event: string): Promise<string> {
  const list = await call(f, 'GET', `servers/${id}/os-instance-actions`)('2.51')
  const [newest] = (list.json() as { instanceActions: Json[] }).instanceActions
  const url = `servers/${id}/os-instance-actions/${String(newest?.['request_id'])}`
  const action = (await call(f, 'GET', url)('2.51')).json() as { instanceAction: Json }
  const events = action.instanceAction['events'] as Json[]
  const e = events.find((x) => x['event'] === event)
  expect(e?.['result']).toBe('Error')
  return String(e?.['traceback'])
}

describe('network-vif-plugged during moves', () => {
  it('rolls a live migration back with a fault when the port is not plugged in time', async () => {
    fx = await twoHosts(0, { vifPluggingTimeout: 1 })
    const id = await bootOnH1(fx)
    await setPortUp(fx, await portOf(fx, id), false)
    await liveMigrate(fx, id)
    const s = await settled(fx, id)
    expect(s['status']).toBe('ACTIVE')
    expect(s['OS-EXT-SRV-ATTR:host']).toBe('h1')
    expect(await failedEvent(fx, id, 'compute_live_migration')).toContain('network-vif-plugged')
    const [m] = await osMigrations(fx)
    expect(m?.['status']).toBe('error')
    expect(await drivers.get('h2')?.listGuests()).toEqual([])
    expect(await allocations(fx, id)).toEqual([providerUuidFor('h1')])
    expect(await allocations(fx, String(m?.['uuid']))).toEqual([])
    const port = await portOf(fx, id)
    await until(async () => {
      const p = await call(fx!, 'GET', `/networking/v2.0/ports/${port}`)('2.1')
      return (p.json() as { port: Json }).port['binding:host_id'] === 'h1' ? true : undefined
    }, 'the port bound on h1 again')
  })

  it('finishes a live migration once the port is plugged on the destination', async () => {
    fx = await twoHosts(0, { vifPluggingTimeout: 30 })
    const id = await bootOnH1(fx)
    const port = await portOf(fx, id)
    await setPortUp(fx, port, false)
    await liveMigrate(fx, id)
    await until(async () => {
      const x = await raw(fx!, id)
      return x['OS-EXT-SRV-ATTR:host'] === 'h2' ? x : undefined
    }, 'moved to h2')
    expect((await raw(fx, id))['OS-EXT-STS:task_state']).toBe('migrating')
    await setPortUp(fx, port, true)
    const s = await settled(fx, id)
    expect(s['OS-EXT-SRV-ATTR:host']).toBe('h2')
    expect((await osMigrations(fx))[0]?.['status']).toBe('completed')
  })

  it('errs a cold migration back on its source when the port is not plugged in time', async () => {
    fx = await twoHosts(0, { vifPluggingTimeout: 1 })
    const id = await bootOnH1(fx)
    await setPortUp(fx, await portOf(fx, id), false)
    expect(
      (await call(fx, 'POST', `servers/${id}/action`)('2.1', { migrate: null })).statusCode,
    ).toBe(202)
    const s = await until(async () => {
      const x = await raw(fx!, id)
      return x['status'] === 'ERROR' && x['fault'] ? x : undefined
    }, 'errored')
    expect(s['OS-EXT-STS:task_state']).toBeNull()
    expect(s['OS-EXT-SRV-ATTR:host']).toBe('h1')
    expect(String((s['fault'] as Json)['message'])).toContain('network-vif-plugged')
    const [m] = await osMigrations(fx)
    expect(m?.['status']).toBe('error')
    expect(await drivers.get('h2')?.listGuests()).toEqual([])
    expect(await allocations(fx, id)).toEqual([providerUuidFor('h1')])
    expect(await allocations(fx, String(m?.['uuid']))).toEqual([])
  })
})
