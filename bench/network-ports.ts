/** @module bench/network-ports: port create rate and port list latency with 10,000 ports stored, then the data plane's figures */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { resolveConfig } from '../src/core/config/index.js'
import { systemClock } from '../src/core/clock/index.js'
import { parseDatabaseUrl } from '../src/core/db/index.js'
import { createHttpServer, mountService } from '../src/core/http/index.js'
import { randomIds } from '../src/core/ids/index.js'
import { silentLogger } from '../src/core/log/index.js'
import { networkConfigFrom, networkConfigSpec } from '../src/network/config.js'
import { createNetworkUnit } from '../src/network/network-unit.js'
import { runDataplaneBench } from './network-dataplane.js'

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    ports: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
    'dataplane-ports': { type: 'string', default: '100' },
  },
})

const identity = {
  userId: 'u',
  userName: 'bench',
  userDomainId: 'default',
  userDomainName: 'Default',
  projectId: 'p-bench',
  projectName: 'bench',
  projectDomainId: 'default',
  projectDomainName: 'Default',
  roles: ['admin', 'member'],
  roleIds: ['admin'],
  auditIds: ['a'],
  expiresAt: '2999-01-01T00:00:00Z',
  issuedAt: '2026-01-01T00:00:00Z',
  methods: ['password'],
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-netbench-'))
  const database = values.database ?? `sqlite://${dir}`
  const logger = silentLogger()
  const config = {
    ...networkConfigFrom(resolveConfig(networkConfigSpec, {})),
    quotas: { ...networkConfigFrom(resolveConfig(networkConfigSpec, {})).quotas, port: -1 },
  }
  const unit = await createNetworkUnit({
    database: parseDatabaseUrl(database, dir),
    config,
    logger,
    clock: systemClock,
    ids: randomIds,
    tokens: { validate: async () => identity },
    adminProjectId: 'p-bench',
  })
  const server = createHttpServer({ logger })
  for (const mount of unit.mounts) await mountService(server.app, mount)
  await server.app.ready()
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const res = await server.app.inject({
      method,
      url: `/networking${url}`,
      headers: { 'x-auth-token': 't' },
      ...(payload ? { payload: payload as Record<string, unknown> } : {}),
    })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json() as Record<string, Record<string, unknown>>
  }
  const total = Number(values.ports)
  const concurrency = Number(values.concurrency)
  const net = (await call('POST', '/v2.0/networks', { network: { name: 'bench' } }))['network']
  await call('POST', '/v2.0/subnets', {
    subnet: { network_id: net?.['id'], cidr: '10.0.0.0/16', ip_version: 4 },
  })
  const createMs: number[] = []
  let next = 0
  const started = performance.now()
  let firstThousandSeconds = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++
        const t = performance.now()
        await call('POST', '/v2.0/ports', { port: { network_id: net?.['id'] } })
        createMs.push(performance.now() - t)
        if (createMs.length === 1000) firstThousandSeconds = (performance.now() - started) / 1000
      }
    }),
  )
  const allSeconds = (performance.now() - started) / 1000
  const listMs: number[] = []
  const pageMs: number[] = []
  for (let i = 0; i < 30; i++) {
    let t = performance.now()
    const all = await call('GET', '/v2.0/ports')
    listMs.push(performance.now() - t)
    if ((all['ports'] as unknown as unknown[]).length !== total) throw new Error('short list')
    t = performance.now()
    await call('GET', '/v2.0/ports?limit=100')
    pageMs.push(performance.now() - t)
  }
  const c = [...createMs].sort((a, b) => a - b)
  const l = [...listMs].sort((a, b) => a - b)
  const p = [...pageMs].sort((a, b) => a - b)
  const fmt = (n: number) => n.toFixed(1)
  console.log(`network bench on ${unit.ctx.dialect} (in-process HTTP, concurrency ${concurrency})`)
  console.log(
    `  first 1,000 port creates: ${fmt(firstThousandSeconds)} s (${fmt(1000 / firstThousandSeconds)} ports/s)`,
  )
  console.log(
    `  all ${total} port creates: ${fmt(allSeconds)} s (${fmt(total / allSeconds)} ports/s), p50 ${fmt(percentile(c, 50))} ms, p99 ${fmt(percentile(c, 99))} ms`,
  )
  console.log(
    `  GET /v2.0/ports with ${total} ports (all): p50 ${fmt(percentile(l, 50))} ms, p99 ${fmt(percentile(l, 99))} ms`,
  )
  console.log(
    `  GET /v2.0/ports?limit=100: p50 ${fmt(percentile(p, 50))} ms, p99 ${fmt(percentile(p, 99))} ms`,
  )
  console.log('  reference: published Neutron load tests topped out near 5 network creates/s')
  await server.app.close()
  await unit.close()
  await rm(dir, { recursive: true, force: true })
}

await main()
await runDataplaneBench({ ports: Number(values['dataplane-ports']) })
