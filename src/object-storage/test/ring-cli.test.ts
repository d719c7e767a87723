/** @module object-storage/test/ring-cli.test: `nimbus object-storage ring ...` builds the ring the service reads */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { exec } from '../../core/sys/exec.js'
import { ringCommand } from '../ring/ring-command.js'
import type { RingData } from '../ring/ring.js'
import { owner, startFixture, url } from './object-storage-fixture.js'

let dataDir: string
const auth = { 'x-auth-token': owner.token }

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'nimbus-ring-'))
})
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true })
})

async function ring(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await ringCommand([...argv, '--data-dir', dataDir], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    defaultDataDir: () => '/nonexistent',
  })
  return { code, out, err }
}

function ringFile(): RingData {
  return JSON.parse(
    readFileSync(join(dataDir, 'object-storage', 'object.ring.json'), 'utf8'),
  ) as RingData
}

describe('object storage ring CLI', () => {
  it('creates a builder, adds weighted devices in zones, rebalances and shows the shares', async () => {
    expect((await ring('create', '--part-power', '6', '--replicas', '3')).code).toBe(0)
    for (const [name, zone, weight] of [
      ['d1', '1', '100'],
      ['d2', '2', '100'],
      ['d3', '3', '200'],
      ['d4', '3', '100'],
    ] as const)
      expect((await ring('add', '--name', name, '--zone', zone, '--weight', weight)).code).toBe(0)
    const rebalanced = await ring('rebalance')
    expect(rebalanced.code).toBe(0)
    const data = ringFile()
    expect(data.partPower).toBe(6)
    expect(data.assignments).toHaveLength(3)
    const counts = new Map<number, number>()
    for (let part = 0; part < 64; part++) {
      const ids = data.assignments.map((row) => row[part])
      expect(new Set(ids).size).toBe(3)
      const zones = ids.map((id) => data.devices.find((d) => d.id === id)?.zone)
      expect(new Set(zones).size).toBe(3)
      for (const id of ids) counts.set(id ?? -1, (counts.get(id ?? -1) ?? 0) + 1)
    }
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(192)
    const show = await ring('show')
    expect(show.code).toBe(0)
    expect(show.out).toContain('64 partitions (part power 6), 3 replicas, 4 devices')
    expect(show.out).toMatch(/\bd3\t3\t200\t\d+\t/)
  })

  it('moves few partitions when a device is added to a built ring', async () => {
    await ring('create', '--part-power', '8', '--replicas', '2')
    for (const name of ['a', 'b', 'c'])
      await ring('add', '--name', name, '--zone', '1', '--weight', '100')
    await ring('rebalance')
    const before = ringFile()
    await ring('add', '--name', 'd', '--zone', '1', '--weight', '100')
    const second = await ring('rebalance')
    expect(second.code).toBe(0)
    const after = ringFile()
    expect(after.hashSuffix).toBe(before.hashSuffix)
    let moved = 0
    for (let r = 0; r < 2; r++)
      for (let p = 0; p < 256; p++)
        if (before.assignments[r]?.[p] !== after.assignments[r]?.[p]) moved += 1
    // The new device's fair share is a quarter of the 512 replicas; little else moves.
    expect(moved).toBeGreaterThanOrEqual(120)
    expect(moved).toBeLessThan(160)
    expect(second.out).toContain(`${moved} partition replicas assigned anew`)
  })

  it('refuses bad input with a clear message and exit status 2', async () => {
    await ring('create', '--part-power', '4', '--replicas', '3')
    await ring('add', '--name', 'd1', '--zone', '1', '--weight', '1')
    await ring('add', '--name', 'd2', '--zone', '2', '--weight', '1')
    const cases: [string[], RegExp][] = [
      [['rebalance'], /3 replicas need at least 3 devices with a weight above 0; the ring has 2/],
      [['add', '--name', 'd3', '--zone', '1', '--weight', '-5'], /weight must be a number of 0/],
      [['add', '--name', 'd3', '--zone', '1', '--weight', 'heavy'], /--weight must be a number/],
      [['add', '--name', 'd1', '--zone', '1', '--weight', '1'], /device 'd1' is already/],
      [
        ['set-weight', '--name', 'd9', '--weight', '1'],
        /unknown device 'd9' \(the ring has: d1, d2\)/,
      ],
      [['remove', '--name', 'nope'], /unknown device 'nope'/],
      [['create', '--part-power', '4', '--replicas', '3'], /a ring builder already exists/],
      [['add', '--name', 'd3', '--zone', '1'], /option --weight is required/],
      [['frobnicate'], /unknown ring command 'frobnicate'/],
      [['show', '--replicas', '3'], /'ring show' has no option --replicas/],
    ]
    for (const [argv, message] of cases) {
      const result = await ring(...argv)
      expect(result.code, argv.join(' ')).toBe(2)
      expect(result.err, argv.join(' ')).toMatch(message)
    }
    rmSync(join(dataDir, 'object-storage'), { recursive: true })
    const fresh = await ring('create', '--part-power', '40', '--replicas', '3')
    expect(fresh.err).toMatch(/part power must be a whole number from 1 to 20, not 40/)
    const none = await ring('show')
    expect(none.code).toBe(2)
    expect(none.err).toMatch(/no ring in .*; run 'nimbus object-storage ring create' first/)
  })

  it('exits non-zero from the real command line on bad input', async () => {
    const root = resolve(import.meta.dirname, '..', '..', '..')
    const script = `import('./src/cli/main.ts').then((m) => m.main(${JSON.stringify([
      'object-storage',
      'ring',
      'show',
      '--data-dir',
      dataDir,
    ])}))`
    const result = await exec(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, okCodes: [2] },
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("run 'nimbus object-storage ring create' first")
  })

  it('a restarted service serves from a ring rebuilt with an added device', async () => {
    const first = await startFixture({ replicas: 2, devices: 2 }, { dataDir })
    await first.server.app.inject({ method: 'PUT', url: url(owner, '/c'), headers: auth })
    const put = await first.server.app.inject({
      method: 'PUT',
      url: url(owner, '/c/kept'),
      headers: auth,
      payload: 'still here',
    })
    expect(put.statusCode).toBe(201)
    await first.close()

    expect((await ring('show')).out).toContain('2 replicas, 2 devices')
    expect((await ring('add', '--name', 'd3', '--zone', '3', '--weight', '100')).code).toBe(0)
    expect((await ring('rebalance')).code).toBe(0)

    const second = await startFixture({ replicas: 2, devices: 2 }, { dataDir })
    try {
      expect(second.unit.ctx.cluster.ring.devices.map((d) => d.name)).toEqual(['d1', 'd2', 'd3'])
      await second.unit.replicate()
      const got = await second.server.app.inject({
        method: 'GET',
        url: url(owner, '/c/kept'),
        headers: auth,
      })
      expect(got.statusCode).toBe(200)
      expect(got.body).toBe('still here')
      const d3 = second.unit.ctx.cluster.ring.devices.find((d) => d.name === 'd3')
      expect(d3?.path).toBe(join(dataDir, 'object-storage', 'devices', 'd3'))
      for (let i = 0; i < 16; i++)
        await second.server.app.inject({
          method: 'PUT',
          url: url(owner, `/c/fresh-${i}`),
          headers: auth,
          payload: 'new',
        })
      expect(existsSync(join(d3?.path ?? '', 'objects'))).toBe(true)
    } finally {
      await second.close()
    }
  })
})
