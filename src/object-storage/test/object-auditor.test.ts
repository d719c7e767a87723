/** @module object-storage/test/object-auditor.test: a corrupt copy is quarantined and restored */
import { randomBytes } from 'node:crypto'
import { open, readdir, readFile, rm } from 'node:fs/promises'
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

/** Every `.data` file under the fixture's devices. */
async function dataFiles(): Promise<string[]> {
  const devices = join(f.dataDir, 'object-storage', 'devices')
  const entries = await readdir(devices, { recursive: true })
  return entries
    .filter((e) => e.endsWith('.data') && !e.includes('quarantined'))
    .map((e) => join(devices, e))
}

async function flipFirstByte(path: string): Promise<void> {
  const handle = await open(path, 'r+')
  try {
    const byte = Buffer.alloc(1)
    await handle.read(byte, 0, 1, 0)
    byte[0] = (byte[0] ?? 0) ^ 0xff
    await handle.write(byte, 0, 1, 0)
  } finally {
    await handle.close()
  }
}

describe('object auditor', () => {
  it('quarantines a corrupt copy, reads stay correct and the replicator restores the copy', async () => {
    const body = randomBytes(64 * 1024)
    await f.server.app.inject({ method: 'PUT', url: url(owner, '/c'), headers: auth })
    const put = await f.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c/precious'),
      headers: auth,
      payload: body,
    })
    expect(put.statusCode).toBe(201)
    const files = await dataFiles()
    expect(files).toHaveLength(3)
    const [victim] = files
    if (!victim) throw new Error('no data file')
    const good = await readFile(victim)
    await flipFirstByte(victim)

    const audit = await f.unit.audit()
    expect(audit).toMatchObject({ objectsChecked: 3, quarantined: 1 })
    expect(await dataFiles()).toHaveLength(2)
    const quarantined = await readdir(join(victim, '..', '..', '..', '..', 'quarantined'))
    expect(quarantined).toHaveLength(1)

    for (let i = 0; i < 3; i += 1) {
      const got = await f.server.app.inject({
        method: 'GET',
        url: url(owner, '/c/precious'),
        headers: auth,
      })
      expect(got.statusCode).toBe(200)
      expect(Buffer.compare(got.rawPayload, body)).toBe(0)
    }

    const replicated = await f.unit.replicate()
    expect(replicated.objectsRepaired).toBe(1)
    const restored = await dataFiles()
    expect(restored).toHaveLength(3)
    for (const file of restored) expect(Buffer.compare(await readFile(file), good)).toBe(0)
    expect(await f.unit.audit()).toMatchObject({ objectsChecked: 3, quarantined: 0 })
  })

  it('leaves healthy copies, empty objects and tombstones alone', async () => {
    await f.server.app.inject({ method: 'PUT', url: url(owner, '/c'), headers: auth })
    for (const name of ['empty', 'full', 'gone']) {
      const payload = name === 'empty' ? '' : `${name} bytes`
      const put = await f.server.app.inject({
        method: 'PUT',
        url: url(owner, `/c/${name}`),
        headers: { ...auth, 'content-length': String(payload.length) },
        payload,
      })
      expect(put.statusCode).toBe(201)
    }
    await f.server.app.inject({ method: 'DELETE', url: url(owner, '/c/gone'), headers: auth })
    const report = await f.unit.audit()
    expect(report).toMatchObject({ objectsChecked: 6, quarantined: 0, skipped: 0 })
    expect(report.bytesRead).toBe(3 * 'full bytes'.length)
  })

  it('restores every object of a device whose object files were all deleted', async () => {
    await f.server.app.inject({ method: 'PUT', url: url(owner, '/c'), headers: auth })
    const bodies = Array.from({ length: 20 }, () => randomBytes(3000))
    for (const [i, body] of bodies.entries()) {
      const put = await f.server.app.inject({
        method: 'PUT',
        url: url(owner, `/c/o${i}`),
        headers: auth,
        payload: body,
      })
      expect(put.statusCode).toBe(201)
    }
    const cluster = f.unit.ctx.cluster
    const [wiped] = cluster.ring.devices
    const store = wiped && cluster.store(wiped.id)
    if (!wiped || !store) throw new Error('no device')
    await rm(join(wiped.path, 'objects'), { recursive: true, force: true })
    const report = await f.unit.replicate()
    expect(report.objectsRepaired).toBe(20)
    for (const [i, body] of bodies.entries()) {
      const place = cluster.ring.nodesFor('AUTH_p1', 'c', `o${i}`)
      const state = await store.read(place.partition, place.hash)
      if (state?.kind !== 'data') throw new Error(`o${i} not restored`)
      const chunks: Buffer[] = []
      const stream = await store.open(place.partition, place.hash, {
        dataTimestamp: state.dataTimestamp,
        start: 0,
        end: body.length - 1,
      })
      for await (const chunk of stream) chunks.push(chunk as Buffer)
      expect(Buffer.concat(chunks).equals(body)).toBe(true)
    }
    expect(await f.unit.audit()).toMatchObject({ objectsChecked: 60, quarantined: 0 })
  })
})
