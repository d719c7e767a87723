/** @module placement/test/traits-api.test: traits, provider traits and aggregates, and filtering by them */
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
  async validate() {
    return {
      userId: 'u',
      userName: 'u',
      userDomainId: 'default',
      userDomainName: 'Default',
      projectId: 'p',
      projectName: 'p',
      roles: ['admin'],
      roleIds: ['admin'],
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
  return async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    mv = '1.39',
  ) => {
    const res = await server.app.inject({
      method,
      url: `/placement${url}`,
      headers: { 'x-auth-token': 't', 'openstack-api-version': `placement ${mv}` },
      ...(payload !== undefined ? { payload: payload as Json } : {}),
    })
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Json) : {} }
  }
}

const AGG = '11111111-2222-3333-4444-555555555555'

describe('traits', () => {
  it('creates, shows, lists and deletes custom traits, and refuses standard and bad names', async () => {
    const call = await placement()
    expect((await call('GET', '/traits/HW_CPU_X86_AVX')).status).toBe(204)
    expect((await call('PUT', '/traits/CUSTOM_GOLD')).status).toBe(201)
    expect((await call('PUT', '/traits/CUSTOM_GOLD')).status).toBe(204)
    expect((await call('PUT', '/traits/GOLD')).status).toBe(400)
    const listed = await call('GET', '/traits?name=startswith:CUSTOM_')
    expect(listed.body).toEqual({ traits: ['CUSTOM_GOLD'] })
    const some = await call('GET', '/traits?name=in:CUSTOM_GOLD,HW_CPU_X86_AVX,NOPE')
    expect(some.body['traits']).toEqual(['CUSTOM_GOLD', 'HW_CPU_X86_AVX'])
    expect((await call('GET', '/traits?name=CUSTOM_GOLD')).status).toBe(400)
    expect((await call('DELETE', '/traits/HW_CPU_X86_AVX')).status).toBe(400)
    expect((await call('GET', '/traits', undefined, '1.5')).status).toBe(404)
    expect((await call('DELETE', '/traits/CUSTOM_GOLD')).status).toBe(204)
    expect((await call('GET', '/traits/CUSTOM_GOLD')).status).toBe(404)
    expect((await call('DELETE', '/traits/CUSTOM_GOLD')).status).toBe(404)
  })

  it('sets provider traits with generations, keeps traits in use, and filters lists and candidates', async () => {
    const call = await placement()
    const rp = (await call('POST', '/resource_providers', { name: 'n1' })).body['uuid'] as string
    await call('POST', '/resource_providers', { name: 'n2' })
    for (const name of ['n1', 'n2']) {
      const list = await call('GET', `/resource_providers?name=${name}`)
      const p = (list.body['resource_providers'] as Json[])[0] as Json
      await call('PUT', `/resource_providers/${String(p['uuid'])}/inventories`, {
        resource_provider_generation: p['generation'],
        inventories: { VCPU: { total: 4 } },
      })
    }
    await call('PUT', '/traits/CUSTOM_GOLD')
    const gen = (await call('GET', `/resource_providers/${rp}/traits`)).body
    expect(gen['traits']).toEqual([])
    const set = await call('PUT', `/resource_providers/${rp}/traits`, {
      traits: ['CUSTOM_GOLD', 'HW_CPU_X86_AVX'],
      resource_provider_generation: gen['resource_provider_generation'],
    })
    expect(set.status).toBe(200)
    expect(set.body['traits']).toEqual(['CUSTOM_GOLD', 'HW_CPU_X86_AVX'])
    const stale = await call('PUT', `/resource_providers/${rp}/traits`, {
      traits: [],
      resource_provider_generation: gen['resource_provider_generation'],
    })
    expect(stale.status).toBe(409)
    const unknown = await call('PUT', `/resource_providers/${rp}/traits`, {
      traits: ['CUSTOM_NOPE'],
      resource_provider_generation: set.body['resource_provider_generation'],
    })
    expect(unknown.status).toBe(400)
    expect((await call('DELETE', '/traits/CUSTOM_GOLD')).status).toBe(409)
    expect((await call('GET', '/traits?associated=true')).body['traits']).toEqual([
      'CUSTOM_GOLD',
      'HW_CPU_X86_AVX',
    ])
    const gold = await call('GET', '/resource_providers?required=CUSTOM_GOLD')
    expect((gold.body['resource_providers'] as Json[]).map((p) => p['name'])).toEqual(['n1'])
    const notGold = await call('GET', '/resource_providers?required=!CUSTOM_GOLD')
    expect((notGold.body['resource_providers'] as Json[]).map((p) => p['name'])).toEqual(['n2'])
    const cands = await call('GET', '/allocation_candidates?resources=VCPU:1&required=CUSTOM_GOLD')
    const summaries = cands.body['provider_summaries'] as Record<string, Json>
    expect(Object.keys(summaries)).toEqual([rp])
    expect(summaries[rp]?.['traits']).toEqual(['CUSTOM_GOLD', 'HW_CPU_X86_AVX'])
    expect((await call('DELETE', `/resource_providers/${rp}/traits`)).status).toBe(204)
    expect((await call('GET', `/resource_providers/${rp}/traits`)).body['traits']).toEqual([])
  })
})

describe('provider aggregates', () => {
  it('takes a bare list before 1.19 and the generation from 1.19, and filters by member_of', async () => {
    const call = await placement()
    const rp = (await call('POST', '/resource_providers', { name: 'n1' })).body['uuid'] as string
    await call('POST', '/resource_providers', { name: 'n2' })
    const old = await call('PUT', `/resource_providers/${rp}/aggregates`, [AGG], '1.1')
    expect(old.status).toBe(200)
    expect(old.body).toEqual({ aggregates: [AGG] })
    const now = await call('GET', `/resource_providers/${rp}/aggregates`)
    expect(now.body['aggregates']).toEqual([AGG])
    const generation = now.body['resource_provider_generation'] as number
    expect((await call('PUT', `/resource_providers/${rp}/aggregates`, [AGG])).status).toBe(400)
    const stale = await call('PUT', `/resource_providers/${rp}/aggregates`, {
      aggregates: [],
      resource_provider_generation: generation + 5,
    })
    expect(stale.status).toBe(409)
    const members = await call('GET', `/resource_providers?member_of=in:${AGG}`)
    expect((members.body['resource_providers'] as Json[]).map((p) => p['name'])).toEqual(['n1'])
    const cleared = await call('PUT', `/resource_providers/${rp}/aggregates`, {
      aggregates: [],
      resource_provider_generation: generation,
    })
    expect(cleared.body).toEqual({ aggregates: [], resource_provider_generation: generation + 1 })
    expect((await call('GET', '/resource_providers/nope/aggregates')).status).toBe(404)
  })
})
