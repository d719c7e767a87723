/** @module network/test/ipam-concurrency.test: parallel port creates never share an address */
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import {
  alice,
  createNetworkFixture,
  faultType,
  type Json,
  type NetworkFixture,
} from './network-fixture.js'

let serial = 0
const DATABASES: [string, () => string][] = [
  ['SQLite', () => 'sqlite::memory:'],
  ['MariaDB', () => `mysql://root@127.0.0.1:3306/nimbus_nettest_${process.pid}_${++serial}`],
]

describe.each(DATABASES)('IPAM under concurrency on %s', (_name, databaseUrl) => {
  let fx: NetworkFixture | undefined
  afterEach(async () => {
    if (!fx) return
    if (fx.unit.ctx.dialect === 'mysql') {
      const [row] = (await sql<{ name: string }>`select database() as name`.execute(fx.unit.ctx.db))
        .rows
      if (row) await sql.raw(`drop database \`${row.name}\``).execute(fx.unit.ctx.db)
    }
    await fx.close()
    fx = undefined
  })

  async function portsOn(cidr: string, count: number) {
    fx = await createNetworkFixture({ database: databaseUrl() })
    const f = fx
    const net = await f.create(alice, 'networks', 'network', { name: `n-${cidr}` })
    await f.create(alice, 'subnets', 'subnet', { network_id: net['id'], cidr, ip_version: 4 })
    return Promise.all(
      Array.from({ length: count }, () =>
        f.request(alice, {
          method: 'POST',
          url: '/v2.0/ports',
          payload: { port: { network_id: net['id'] } },
        }),
      ),
    )
  }

  it('gives 200 parallel ports on a /24 200 distinct addresses', async () => {
    const results = await portsOn('10.9.0.0/24', 200)
    expect(results.map((r) => r.statusCode)).toEqual(new Array(200).fill(201))
    const ips = results.map(
      (r) => ((r.json() as { port: Json }).port['fixed_ips'] as Json[])[0]?.['ip_address'],
    )
    expect(new Set(ips).size).toBe(200)
  }, 120_000)

  it('fails the surplus on a /28 with IpAddressGenerationFailure and nothing else', async () => {
    const results = await portsOn('10.9.1.0/28', 20)
    const ok = results.filter((r) => r.statusCode === 201)
    const failed = results.filter((r) => r.statusCode !== 201)
    expect(ok).toHaveLength(13)
    expect(failed.map((r) => [r.statusCode, faultType(r)])).toEqual(
      new Array(7).fill([409, 'IpAddressGenerationFailure']),
    )
    const ips = ok.map(
      (r) => ((r.json() as { port: Json }).port['fixed_ips'] as Json[])[0]?.['ip_address'],
    )
    expect(new Set(ips).size).toBe(13)
  }, 120_000)
})
