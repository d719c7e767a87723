import { describe, expect, it } from 'vitest'
import type { MetadataPort, MetadataPortQuery } from '../../rpc/metadata-payloads.js'
import { createGuestLookup, guestOfPort } from './guest-lookup.js'

const serverPort = (deviceId = 'uuid-1'): MetadataPort => ({
  id: 'port-1',
  deviceId,
  deviceOwner: 'compute:nova',
  projectId: 'p1',
})

function counting(answer: () => MetadataPort | null) {
  const asked: MetadataPortQuery[] = []
  return {
    asked,
    resolve: async (query: MetadataPortQuery) => {
      asked.push(query)
      return answer()
    },
  }
}

describe('guest lookup', () => {
  it('takes the server id from a compute port and refuses other ports', () => {
    expect(guestOfPort(serverPort(), '10.0.0.5')).toEqual({
      instanceId: 'uuid-1',
      projectId: 'p1',
      address: '10.0.0.5',
    })
    expect(
      guestOfPort({ ...serverPort(), deviceOwner: 'network:dhcp' }, '10.0.0.2'),
    ).toBeUndefined()
    expect(guestOfPort({ ...serverPort(), deviceOwner: '' }, '10.0.0.2')).toBeUndefined()
    expect(guestOfPort(serverPort(''), '10.0.0.5')).toBeUndefined()
    expect(guestOfPort(null, '10.0.0.5')).toBeUndefined()
  })

  it('asks the server once per router and address within the TTL, then again', async () => {
    let now = 1000
    const server = counting(() => serverPort())
    const lookup = createGuestLookup({ resolve: server.resolve, now: () => now })
    const query = { routerId: 'r1', address: '10.0.0.5' }
    expect((await lookup.find(query))?.instanceId).toBe('uuid-1')
    await lookup.find(query)
    await lookup.find({ networkId: 'r1', address: '10.0.0.5' })
    expect(server.asked).toHaveLength(2)
    now += 5001
    await lookup.find(query)
    expect(server.asked).toHaveLength(3)
  })

  it('keeps "no such guest" only briefly so a new port is found soon', async () => {
    let now = 0
    let answer: MetadataPort | null = null
    const lookup = createGuestLookup({ resolve: async () => answer, now: () => now })
    const query = { networkId: 'n1', address: '10.0.0.9' }
    expect(await lookup.find(query)).toBeUndefined()
    answer = serverPort('uuid-9')
    expect(await lookup.find(query)).toBeUndefined()
    now += 1001
    expect((await lookup.find(query))?.instanceId).toBe('uuid-9')
  })

  it('shares one call between concurrent requests and does not cache failures', async () => {
    let calls = 0
    let fail = true
    const lookup = createGuestLookup({
      resolve: async () => {
        calls++
        await new Promise((resolve) => setTimeout(resolve, 10))
        if (fail) throw new Error('bus down')
        return serverPort()
      },
    })
    const query = { routerId: 'r1', address: '10.0.0.5' }
    const both = await Promise.allSettled([lookup.find(query), lookup.find(query)])
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(calls).toBe(1)
    fail = false
    expect((await lookup.find(query))?.instanceId).toBe('uuid-1')
    expect(calls).toBe(2)
  })

  it('keeps at most maxEntries addresses', async () => {
    const server = counting(() => serverPort())
    const lookup = createGuestLookup({ resolve: server.resolve, maxEntries: 2 })
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']) {
      await lookup.find({ routerId: 'r1', address })
    }
    // the first address was evicted by the third and asked for again
    expect(server.asked).toHaveLength(4)
  })
})
