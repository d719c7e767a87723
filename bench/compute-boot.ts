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
  },
})
const servers = Number(values.servers)
const hostCount = Number(values.hosts)
const concurrency = Number(values.concurrency)
const samples = Number(values.samples)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

const fx = await createComputeFixture({
  hosts: Array.from({ length: hostCount }, (_, i) => `fake-${i + 1}`),
  portQuota: -1,
  driverFor: () => new FakeDriver({ vcpus: 1024, memoryMb: 1_000_000, diskGb: 100_000 }),
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
  payload: { subnet: { network_id: networkId, cidr: '10.64.0.0/18', ip_version: 4 } },
})

const started = performance.now()
let next = 0
const ids: string[] = []
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < servers) {
      next++
      ids.push(await fx.boot(alice, { name: `b${next}`, networks: [{ uuid: networkId }] }))
    }
  }),
)
const accepted = performance.now()
for (;;) {
  await fx.bus.drain()
  const res = await fx.request(alice, {
    method: 'GET',
    url: '/compute/v2.1/servers?status=BUILD&limit=100000',
  })
  if ((res.json() as { servers: Json[] }).servers.length === 0) break
  await new Promise((r) => setTimeout(r, 100))
}
const allActive = performance.now()
const errors = await fx.request(alice, { method: 'GET', url: '/compute/v2.1/servers?status=ERROR' })
const failed = (errors.json() as { servers: Json[] }).servers.length

const latencies: number[] = []
for (let i = 0; i < samples; i++) {
  const t = performance.now()
  const res = await fx.request(alice, { method: 'GET', url: '/compute/v2.1/servers/detail' })
  if (res.statusCode !== 200) throw new Error(`detail answered ${res.statusCode}`)
  latencies.push(performance.now() - t)
}
latencies.sort((a, b) => a - b)
console.log(
  `compute boot: ${servers} servers on ${hostCount} fake hosts, ${concurrency} concurrent creates`,
)
console.log(`  202 for all creates: ${((accepted - started) / 1000).toFixed(1)} s`)
console.log(
  `  none in BUILD:       ${((allActive - started) / 1000).toFixed(1)} s (${servers - failed} ACTIVE, ${failed} ERROR)`,
)
console.log(
  `  GET /servers/detail at ${servers}: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (${samples} samples)`,
)
await fx.close()
