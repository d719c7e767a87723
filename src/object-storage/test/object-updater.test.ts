/** @module object-storage/test/object-updater.test: container updates survive a container device that is down */
import { readdir, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { owner, startFixture, url, type Fixture } from './object-storage-fixture.js'

let f: Fixture
const auth = { 'x-auth-token': owner.token }

beforeEach(async () => {
  f = await startFixture({ replicas: 3, devices: 3 })
})
afterEach(async () => {
  await f.close()
})

async function pendingFiles(): Promise<string[]> {
  const out: string[] = []
  for (const device of f.unit.ctx.cluster.ring.devices) {
    const entries = await readdir(join(device.path, 'async_pending'), { recursive: true }).catch(
      () => [] as string[],
    )
    out.push(...entries.filter((e) => e.includes('-')).map((e) => join(device.path, e)))
  }
  return out
}

/** The listing as the container's first primary (the one GET reads) has it. */
async function listing(): Promise<{ name: string; bytes: number }[]> {
  const res = await f.server.app.inject({
    method: 'GET',
    url: url(owner, '/c?format=json'),
    headers: auth,
  })
  return res.statusCode === 204 ? [] : (res.json() as { name: string; bytes: number }[])
}

function request(method: string, path: string, payload?: string) {
  return f.server.app.inject({
    method: method as 'PUT',
    url: url(owner, path),
    headers: auth,
    ...(payload !== undefined ? { payload } : {}),
  })
}

describe('object updater', () => {
  it('keeps an async pending update while a container device is down and applies it after', async () => {
    expect((await request('PUT', '/c')).statusCode).toBe(201)
    expect((await request('PUT', '/c/before', 'x')).statusCode).toBe(201)
    const cluster = f.unit.ctx.cluster
    const [first] = cluster.ring.nodesFor('AUTH_p1', 'c').nodes
    if (!first) throw new Error('no container primary')
    expect(await pendingFiles()).toEqual([])

    cluster.down.add(first.id)
    expect((await request('PUT', '/c/while-down', 'twelve bytes')).statusCode).toBe(201)
    expect((await request('DELETE', '/c/before')).statusCode).toBe(204)
    expect(await pendingFiles()).toHaveLength(2)

    // Still down: the updater keeps both updates for its next pass.
    expect(await f.unit.update()).toMatchObject({ found: 2, applied: 0, kept: 2 })

    cluster.down.delete(first.id)
    // The first primary answers listings and missed both changes.
    expect((await listing()).map((o) => o.name)).toEqual(['before'])

    expect(await f.unit.update()).toMatchObject({ found: 2, applied: 2, kept: 0 })
    expect(await pendingFiles()).toEqual([])
    expect(await listing()).toMatchObject([{ name: 'while-down', bytes: 12 }])
    const head = await request('HEAD', '/c')
    expect(head.headers['x-container-object-count']).toBe('1')
    expect(head.headers['x-container-bytes-used']).toBe('12')
    const account = await request('HEAD', '')
    expect(account.headers['x-account-object-count']).toBe('1')
    expect(await f.unit.update()).toMatchObject({ found: 0 })
  })

  it('an older pending update never undoes a newer listing row', async () => {
    await request('PUT', '/c')
    const cluster = f.unit.ctx.cluster
    const [first] = cluster.ring.nodesFor('AUTH_p1', 'c').nodes
    if (!first) throw new Error('no container primary')
    cluster.down.add(first.id)
    await request('PUT', '/c/o', 'old')
    cluster.down.delete(first.id)
    await request('PUT', '/c/o', 'newer body')
    expect(await f.unit.update()).toMatchObject({ applied: 1 })
    expect(await listing()).toMatchObject([{ name: 'o', bytes: 10 }])
  })

  it('removes files in the async pending folder that are not updates', async () => {
    const device = f.unit.ctx.cluster.ring.devices[0]
    if (!device) throw new Error('no device')
    const dir = join(device.path, 'async_pending', 'abc')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'deadbeefabc-1.00000'), '{not json')
    expect(await f.unit.update()).toMatchObject({ found: 0, invalid: 1 })
    expect(await pendingFiles()).toEqual([])
  })
})
