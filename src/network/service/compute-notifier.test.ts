/** @module network/service/compute-notifier.test: which port changes become which server events */
import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../core/log/index.js'
import type { ServerEvent } from '../../clients/compute-events-client.js'
import { createComputeNotifier, eventsOf, type NotifiedPort } from './compute-notifier.js'

const port = (status: string, extra: Partial<NotifiedPort> = {}): NotifiedPort => ({
  id: 'p1',
  status,
  deviceId: 'vm1',
  deviceOwner: 'compute:nova',
  ...extra,
})

describe('compute notifier', () => {
  it('sends network-vif-plugged when a server port becomes ACTIVE, failed on ERROR', () => {
    expect(eventsOf({ original: port('DOWN'), current: port('ACTIVE') })).toEqual([
      { name: 'network-vif-plugged', serverUuid: 'vm1', tag: 'p1', status: 'completed' },
    ])
    expect(eventsOf({ current: port('ACTIVE') })[0]?.name).toBe('network-vif-plugged')
    expect(eventsOf({ original: port('BUILD'), current: port('ERROR') })[0]?.status).toBe('failed')
    expect(eventsOf({ original: port('ACTIVE'), current: port('ACTIVE') })).toEqual([])
  })

  it('sends unplugged on ACTIVE to DOWN (to the old server when unbound) and deleted on delete', () => {
    const unbound = port('DOWN', { deviceId: '', deviceOwner: '' })
    expect(eventsOf({ original: port('ACTIVE'), current: unbound })).toEqual([
      { name: 'network-vif-unplugged', serverUuid: 'vm1', tag: 'p1', status: 'completed' },
    ])
    expect(eventsOf({ original: port('ACTIVE') })[0]?.name).toBe('network-vif-deleted')
  })

  it('ignores ports that belong to no server', () => {
    const dhcp = port('ACTIVE', { deviceOwner: 'network:dhcp' })
    expect(
      eventsOf({ original: port('DOWN', { deviceOwner: 'network:dhcp' }), current: dhcp }),
    ).toEqual([])
    expect(eventsOf({ current: port('ACTIVE', { deviceId: '' }) })).toEqual([])
  })

  it('batches events made while a send is on its way and survives a failing compute', async () => {
    const batches: ServerEvent[][] = []
    let fail = true
    const notifier = createComputeNotifier(
      {
        async send(events) {
          batches.push([...events])
          if (fail) {
            fail = false
            throw new Error('compute is down')
          }
          return events.length
        },
      },
      silentLogger(),
    )
    notifier.portChanged({ current: port('ACTIVE', { id: 'a' }) })
    notifier.portChanged({ current: port('ACTIVE', { id: 'b' }) })
    await notifier.flush()
    notifier.portChanged({ current: port('ACTIVE', { id: 'c' }) })
    await notifier.flush()
    expect(batches.map((b) => b.map((e) => e.tag))).toEqual([['a', 'b'], ['c']])
  })
})
