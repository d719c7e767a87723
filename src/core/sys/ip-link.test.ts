import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listFdb, syncFdb } from './bridge-fdb.js'
import {
  checkIfname,
  deleteLink,
  ensureBridge,
  ensureVeth,
  ensureVxlan,
  getLink,
  listAddresses,
  listRoutes,
  replaceRoute,
  setLink,
  syncAddresses,
} from './ip-link.js'
import { deleteNetns, ensureNetns, netnsUnavailableReason } from './netns.js'

const reason = await netnsUnavailableReason()
const tag = randomBytes(3).toString('hex')
const ns = `nimbus-t-${tag}`
const where = { netns: ns }

describe.skipIf(reason !== undefined)(
  `ip links (needs root and ip netns${reason ? `: ${reason}` : ''})`,
  () => {
    beforeAll(() => ensureNetns(ns))
    afterAll(() => deleteNetns(ns))

    it('builds a bridge with a veth end and a VXLAN device, idempotently', async () => {
      await ensureBridge('br-t', where)
      await ensureBridge('br-t', where)
      await ensureVeth('veth-a', 'veth-b', where)
      await ensureVeth('veth-a', 'veth-b', where)
      await setLink('veth-a', { master: 'br-t', up: true, mtu: 1450 }, where)
      await ensureVxlan({ name: 'vx-t', vni: 77, local: '127.0.0.1' }, where)
      await setLink('vx-t', { master: 'br-t', up: true }, where)
      const veth = await getLink('veth-a', where)
      expect(veth).toMatchObject({ kind: 'veth', master: 'br-t', mtu: 1450 })
      expect(await getLink('vx-t', where)).toMatchObject({ kind: 'vxlan', vni: 77, master: 'br-t' })
      expect((await getLink('br-t', where))?.kind).toBe('bridge')
      expect(await ensureVxlan({ name: 'vx-t', vni: 77, local: '127.0.0.1' }, where)).toBe(false)
    })

    it('replaces a VXLAN device whose local address changed', async () => {
      await ensureVxlan({ name: 'vx-m', vni: 78, local: '127.0.0.1' }, where)
      expect(await ensureVxlan({ name: 'vx-m', vni: 78, local: '127.0.0.2' }, where)).toBe(true)
      expect(await getLink('vx-m', where)).toMatchObject({
        vni: 78,
        vxlan: { local: '127.0.0.2', port: 4789 },
      })
      // an IPv6 VTEP is kept as it is, not made again on every call
      await ensureVxlan({ name: 'vx-6', vni: 79, local: '::1' }, where)
      expect(await ensureVxlan({ name: 'vx-6', vni: 79, local: '::1' }, where)).toBe(false)
      await deleteLink('vx-m', where)
      await deleteLink('vx-6', where)
    })

    it('keeps exactly the addresses and FDB entries asked for', async () => {
      await setLink('br-t', { up: true }, where)
      await syncAddresses('br-t', ['10.9.0.1/24', '10.9.1.1/24'], where)
      await syncAddresses('br-t', ['10.9.0.1/24'], where)
      const addrs = (await listAddresses(where)).filter((a) => a.device === 'br-t')
      expect(addrs.map((a) => a.cidr)).toEqual(['10.9.0.1/24'])
      await replaceRoute({ destination: '10.8.0.0/16', via: '10.9.0.5' }, where)
      expect(await listRoutes(where)).toContainEqual({
        destination: '10.8.0.0/16',
        via: '10.9.0.5',
        device: 'br-t',
      })
      const zero = '00:00:00:00:00:00'
      await syncFdb(
        'vx-t',
        [
          { mac: zero, dst: '192.0.2.10' },
          { mac: zero, dst: '192.0.2.11' },
        ],
        where,
      )
      await syncFdb('vx-t', [{ mac: zero, dst: '192.0.2.11' }], where)
      expect(await listFdb('vx-t', where)).toEqual([{ mac: zero, dst: '192.0.2.11' }])
    })

    it('deletes links idempotently', async () => {
      await deleteLink('veth-a', where)
      await deleteLink('veth-a', where)
      expect(await getLink('veth-b', where)).toBeUndefined()
    })
  },
)

describe('interface names', () => {
  it('refuses names longer than the kernel allows', () => {
    expect(() => checkIfname('brq0123456789ab')).not.toThrow()
    expect(() => checkIfname('brq0123456789abc')).toThrow(TypeError)
  })
})
