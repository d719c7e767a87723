/** @module bench/compute-boot: boot N servers on fake hosts in process; time to ACTIVE, detail-list latency */
import { parseArgs } from 'node:util'
import { FakeDriver } from '../src/compute/virt/fake/fake-driver.js'
import { alice, createComputeFixture, type Json } from '../src/compute/test/compute-fixture.js'

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '1000' },
    hosts: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '50' },
    samples: { type: 'string', default: '50' },
    /** The detail list is measured again with this many servers in all (0: not). */
    'detail-at': { type: 'string', default: '10000' },
  },
})
const servers = Number(values.servers)
const hostCount = Number(values.hosts)
const concurrency = Number(values.concurrency)
const samples = Number(values.samples)
const detailAt = Number(values['detail-at'])

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

const fx = await createComputeFixture({
  hosts: Array.from({ length: hostCount }, (_, i) => `fake-${i + 1}`),
  portQuota: -1,
  driverFor: () => new FakeDriver({ vcpus: 4096, memoryMb: 4_000_000, diskGb: 400_000 }),
  config: {
    quotas: {
      instances: -1,
      cores: -1,
      ram: -1,
      key_pairs: -1,
      server_groups: -1,
      server_group_members: -1,
      metadata_items: -1,
    },
  },
})
const net = await fx.request(alice, {
  method: 'POST',
  url: '/networking/v2.0/networks',
  payload: { network: { name: 'bench' } },
})
const networkId = String(((net.json() as Json)['network'] as Json)['id'])
await fx.request(alice, {
  method: 'POST',
  url: '/networking/v2.0/subnets',
  payload: { subnet: { network_id: networkId, cidr: '10.64.0.0/16', ip_version: 4 } },
})

/** Boots servers up to `total` in all, then waits until none is in BUILD; the ERROR count. */
async function bootUpTo(
  total: number,
): Promise<{ acceptedMs: number; doneMs: number; failed: number }> {
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++
        await fx.boot(alice, { name: `b${next}`, networks: [{ uuid: networkId }] })
      }
    }),
  )
  const accepted = performance.now()
  for (;;) {
    await fx.bus.drain()
    const res = await fx.request(alice, {
      method: 'GET',
      url: '/compute/v2.1/servers?status=BUILD&limit=1',
    })
    if ((res.json() as { servers: Json[] }).servers.length === 0) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const done = performance.now()
  const errors = await fx.request(alice, {
    method: 'GET',
    url: '/compute/v2.1/servers?status=ERROR',
  })
  const failed = (errors.json() as { servers: Json[] }).servers.length
  return { acceptedMs: accepted - started, doneMs: done - started, failed }
}

/** p50 and p99 of `GET /servers/detail` (one page: Nova's max_limit of 1000 servers). */
async function detailLatency(): Promise<{ p50: number; p99: number; count: number }> {
  const latencies: number[] = []
  let count = 0
  for (let i = 0; i < samples; i++) {
    const t = performance.now()
    const res = await fx.request(alice, { method: 'GET', url: '/compute/v2.1/servers/detail' })
    if (res.statusCode !== 200) throw new Error(`detail answered ${res.statusCode}`)
    latencies.push(performance.now() - t)
    count = (res.json() as { servers: Json[] }).servers.length
  }
  latencies.sort((a, b) => a - b)
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), count }
}

let next = 0
const first = await bootUpTo(servers)
const small = await detailLatency()
console.log(
  `compute boot: ${servers} servers on ${hostCount} fake hosts, ${concurrency} concurrent creates`,
)
console.log(`  202 for all creates: ${(first.acceptedMs / 1000).toFixed(1)} s`)
console.log(
  `  none in BUILD:       ${(first.doneMs / 1000).toFixed(1)} s (${servers - first.failed} ACTIVE, ${first.failed} ERROR)`,
)
const line = (total: number, d: { p50: number; p99: number; count: number }) =>
  `  GET /servers/detail at ${total}: p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms (${samples} samples, ${d.count} servers a page)`
console.log(line(servers, small))
if (detailAt > servers) {
  const more = await bootUpTo(detailAt)
  console.log(
    `  ${detailAt - servers} more servers: none in BUILD after ${(more.doneMs / 1000).toFixed(1)} s (${more.failed} ERROR in all)`,
  )
  console.log(line(detailAt, await detailLatency()))
}
await fx.close()
