/** @module object-storage/test/replica-reads.test: which replicas a GET or HEAD consults */
import { readdir, rm } from 'node:fs/promises'
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

function request(method: string, path: string, payload?: string, headers = {}) {
  return f.server.app.inject({
    method: method as 'PUT',
    url: url(owner, path),
    headers: { ...auth, ...headers },
    ...(payload !== undefined ? { payload } : {}),
  })
}

/** The object's primaries, the first one (the replica a GET reads first) at the head. */
function primaries(object: string) {
  const { nodes, partition, hash } = f.unit.ctx.cluster.ring.nodesFor('AUTH_p1', 'c', object)
  return nodes.map((device) => join(device.path, 'objects', String(partition), hash))
}

describe('replica reads', () => {
  beforeEach(async () => {
    expect((await request('PUT', '/c')).statusCode).toBe(201)
  })

  it('serves the first replica holding data; X-Newest serves the newest of all', async () => {
    const cluster = f.unit.ctx.cluster
    const [first] = cluster.ring.nodesFor('AUTH_p1', 'c', 'o').nodes
    if (!first) throw new Error('no object primary')
    expect((await request('PUT', '/c/o', 'version one')).statusCode).toBe(201)
    // A write the first primary misses (a handoff takes its place) leaves it one version behind.
    cluster.down.add(first.id)
    expect((await request('PUT', '/c/o', 'version two')).statusCode).toBe(201)
    cluster.down.delete(first.id)

    expect((await request('GET', '/c/o')).body).toBe('version one')
    const newest = await request('GET', '/c/o', undefined, { 'x-newest': 'true' })
    expect(newest.body).toBe('version two')
    const head = await request('HEAD', '/c/o', undefined, { 'x-newest': 'True' })
    expect(head.headers['content-length']).toBe('11')
    expect(head.headers['etag']).toBe(newest.headers['etag'])
  })

  it('reads the other replicas when the first has no copy, and a newer tombstone wins', async () => {
    expect((await request('PUT', '/c/o', 'payload')).statusCode).toBe(201)
    const [firstDir] = primaries('o')
    if (!firstDir) throw new Error('no object primary')
    await rm(firstDir, { recursive: true })
    expect((await request('GET', '/c/o')).body).toBe('payload')

    // A DELETE that reached only the first replica (503: no quorum) leaves its tombstone there and
    // the data on the others: the newest state among them, the deletion, wins.
    expect((await request('PUT', '/c/o', 'payload')).statusCode).toBe(201)
    const cluster = f.unit.ctx.cluster
    const [, ...rest] = cluster.ring.nodesFor('AUTH_p1', 'c', 'o').nodes
    for (const device of rest) cluster.down.add(device.id)
    expect((await request('DELETE', '/c/o')).statusCode).toBe(503)
    for (const device of rest) cluster.down.delete(device.id)
    expect(await readdir(firstDir)).toEqual([expect.stringMatching(/\.ts$/)])
    expect((await request('HEAD', '/c/o')).statusCode).toBe(404)
    expect((await request('GET', '/c/o')).statusCode).toBe(404)
  })
})
