/** @module placement/test/placement-api.test: providers, inventories and atomic claims through HTTP */
import type { LightMyRequestResponse } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { TokenValidator } from '../../core/auth/index.js'
import { systemClock } from '../../core/clock/index.js'
import { parseDatabaseUrl } from '../../core/db/index.js'
import { createHttpServer, mountService } from '../../core/http/index.js'
import { randomIds } from '../../core/ids/index.js'
import { silentLogger } from '../../core/log/index.js'
import { createPlacementUnit } from '../placement-unit.js'

type Json = Record<string, unknown>

const tokens: TokenValidator = {
  async validate(token) {
    const roles = token === 'admin' ? ['admin'] : ['member']
    return {
      userId: 'u',
      userName: 'u',
      userDomainId: 'default',
      userDomainName: 'Default',
      projectId: 'p',
      projectName: 'p',
      roles,
      roleIds: roles,
      auditIds: [],
      expiresAt: '2999-01-01T00:00:00Z',
      issuedAt: '2026-01-01T00:00:00Z',
      methods: ['password'],
    }
  },
}

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

async function placement() {
  const logger = silentLogger()
  const unit = await createPlacementUnit({
    database: parseDatabaseUrl('sqlite::memory:', '/tmp'),
    logger,
    clock: systemClock,
    ids: randomIds,
    tokens,
  })
  const server = createHttpServer({ logger })
  for (const m of unit.mounts) await mountService(server.app, m)
  await server.app.ready()
  close = async () => {
    await server.app.close()
    await unit.close()
  }
  return (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: Json,
    token = 'admin',
  ) =>
    server.app.inject({
      method,
      url: `/placement${url}`,
      headers: { 'x-auth-token': token, 'openstack-api-version': 'placement 1.28' },
      ...(payload ? { payload } : {}),
    }) as Promise<LightMyRequestResponse>
}

async function hostWith(call: Awaited<ReturnType<typeof placement>>, memory: number) {
  const rp = (await call('POST', '/resource_providers', { name: `h-${memory}` })).json() as Json
  const put = await call('PUT', `/resource_providers/${String(rp['uuid'])}/inventories`, {
    resource_provider_generation: 0,
    inventories: { MEMORY_MB: { total: memory, reserved: 0, allocation_ratio: 1 } },
  })
  expect(put.statusCode).toBe(200)
  return String(rp['uuid'])
}

describe('placement', () => {
  it('refuses non-admin callers with the placement error format', async () => {
    const call = await placement()
    const res = await call('GET', '/resource_providers', undefined, 'member')
    expect(res.statusCode).toBe(403)
    expect(((res.json() as { errors: Json[] }).errors[0] as Json)['status']).toBe(403)
  })

  it('refuses an inventory update with a stale generation with 409', async () => {
    const call = await placement()
    const rp = await hostWith(call, 1024)
    const stale = await call('PUT', `/resource_providers/${rp}/inventories`, {
      resource_provider_generation: 0,
      inventories: { MEMORY_MB: { total: 2048 } },
    })
    expect(stale.statusCode).toBe(409)
  })

  it('claims atomically: of parallel claims only those that fit succeed', async () => {
    const call = await placement()
    const rp = await hostWith(call, 1000)
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call('PUT', `/allocations/c${i}`, {
          allocations: { [rp]: { resources: { MEMORY_MB: 300 } } },
          project_id: 'p',
          user_id: 'u',
          consumer_generation: null,
        }),
      ),
    )
    expect(claims.filter((r) => r.statusCode === 204)).toHaveLength(3)
    expect(claims.filter((r) => r.statusCode === 409)).toHaveLength(5)
    const usage = await call('GET', `/resource_providers/${rp}/usages`)
    expect((usage.json() as { usages: Json }).usages['MEMORY_MB']).toBe(900)
    const candidates = await call('GET', '/allocation_candidates?resources=MEMORY_MB:200')
    expect((candidates.json() as { allocation_requests: Json[] }).allocation_requests).toEqual([])
  })
})
