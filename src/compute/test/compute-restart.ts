/** @module compute/test/compute-restart: a compute process that dies, and the one started again on its database */
import { injectDispatcher } from '../../clients/http-dispatcher.js'
import { staticTokenSource } from '../../clients/service-token.js'
import { createMemoryBus } from '../../core/bus/index.js'
import { systemClock } from '../../core/clock/index.js'
import { resolveConfig } from '../../core/config/index.js'
import { parseDatabaseUrl } from '../../core/db/index.js'
import { createHttpServer, mountService } from '../../core/http/index.js'
import { randomIds } from '../../core/ids/index.js'
import { silentLogger } from '../../core/log/index.js'
import { computeConfigFrom, computeConfigSpec, type ComputeConfig } from '../config.js'
import { createComputeUnit, type ComputeUnit } from '../compute-unit.js'
import type { ComputeDriver } from '../virt/compute-driver.js'
import { admin, testTokens, type ComputeFixture, type Json } from './compute-fixture.js'

export interface RestartedCompute {
  compute: ComputeUnit
  get(url: string): Promise<Json>
  request(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Json): Promise<number>
  /** Lets every message and agent operation run. */
  settle(): Promise<void>
  close(): Promise<void>
}

/** The process dies: its bus and listener go away mid-flight (nothing is drained). */
export async function killCompute(fx: ComputeFixture): Promise<void> {
  await fx.compute.ctx.db.destroy()
  await fx.bus.close()
  await fx.app.close()
}

/** Starts compute again on the SQLite files in `dir`, with the other services of `fx`. */
export async function restartCompute(
  fx: ComputeFixture,
  options: {
    dir: string
    hosts: string[]
    driverFor: (host: string) => ComputeDriver
    config?: Partial<ComputeConfig>
  },
): Promise<RestartedCompute> {
  const logger = silentLogger()
  const server = createHttpServer({ logger })
  const bus = createMemoryBus({ onHandlerError: () => undefined })
  const compute = await createComputeUnit({
    database: parseDatabaseUrl(`sqlite://${options.dir}`, options.dir),
    config: { ...computeConfigFrom(resolveConfig(computeConfigSpec, {})), ...options.config },
    logger,
    clock: systemClock,
    ids: randomIds,
    tokens: testTokens,
    bus,
    dispatch: injectDispatcher(server.app),
    serviceToken: staticTokenSource('service-token'),
    hostNames: options.hosts,
    driverFor: options.driverFor,
  })
  for (const m of [...fx.otherMounts, ...compute.mounts]) await mountService(server.app, m)
  await server.app.ready()
  await compute.start()
  const headers = { 'x-auth-token': admin.token, 'openstack-api-version': 'compute 2.80' }
  return {
    compute,
    async get(url) {
      const res = await server.app.inject({ method: 'GET', url, headers })
      return res.json() as Json
    },
    async request(method, url, payload) {
      const res = await server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) })
      return res.statusCode
    },
    async settle() {
      for (let i = 0; i < 3; i++) {
        await bus.drain()
        for (const agent of compute.agents) await agent.idle()
      }
    },
    async close() {
      await server.app.close()
      await compute.close()
      await bus.close()
    },
  }
}
