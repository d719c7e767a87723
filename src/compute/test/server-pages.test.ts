/** @module compute/test/server-pages.test: marker/limit pages, newest first, from the database or filtered */
import { afterEach, describe, expect, it } from 'vitest'
import { alice, createComputeFixture, type ComputeFixture, type Json } from './compute-fixture.js'

let fx: ComputeFixture | undefined
afterEach(async () => {
  await fx?.close()
  fx = undefined
})

async function page(f: ComputeFixture, query: string) {
  const res = await f.request(alice, { method: 'GET', url: `/compute/v2.1/servers?${query}` })
  const body = res.json() as { servers: Json[]; servers_links?: Json[] }
  return { status: res.statusCode, ids: (body.servers ?? []).map((s) => s['id']), body }
}

describe('server list pages', () => {
  it('walks every server once through marker and limit, with and without a filter', async () => {
    fx = await createComputeFixture()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push(await fx.boot(alice, { name: `p${i}` }))
    await fx.server(alice, ids[4] as string)
    const all = await page(fx, '')
    expect(new Set(all.ids)).toEqual(new Set(ids))
    for (const filter of ['', 'name=p&']) {
      const seen: unknown[] = []
      let marker = ''
      for (let n = 0; n < 5; n++) {
        const p = await page(fx, `${filter}limit=2${marker}`)
        seen.push(...p.ids)
        const next = p.body.servers_links?.[0]?.['href']
        if (!next) break
        expect(String(next)).toContain('limit=2')
        marker = `&marker=${String(p.ids[p.ids.length - 1])}`
      }
      expect(seen).toEqual(all.ids)
    }
    expect((await page(fx, 'marker=nope')).status).toBe(400)
  })
})
