import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { deleteLink, ensureBridge, getLink, hostLinkMtu, setLinksUp } from './ip-link.js'
import {
  createNetnsWithVeths,
  deleteNetns,
  ensureNetns,
  execInNetns,
  listNetns,
  netnsUnavailableReason,
} from './netns.js'

const reason = await netnsUnavailableReason()
const name = `nimbus-t-${randomBytes(3).toString('hex')}`

describe.skipIf(reason !== undefined)(
  `netns (needs root and ip netns${reason ? `: ${reason}` : ''})`,
  () => {
    afterEach(() => deleteNetns(name))

    it('creates a namespace idempotently, runs programs in it and deletes it', async () => {
      await ensureNetns(name)
      await ensureNetns(name)
      expect(await listNetns()).toContain(name)
      const { stdout } = await execInNetns(name, 'ip', ['-o', 'link', 'show', 'lo'])
      expect(stdout).toMatch(/UP/)
      await deleteNetns(name)
      await deleteNetns(name)
      expect(await listNetns()).not.toContain(name)
    })

    it('creates a namespace holding veth ends, the host ends up and bridged', async () => {
      const tag = randomBytes(2).toString('hex')
      const bridge = `ntb${tag}`
      const hostEnds = [`nth${tag}a`, `nth${tag}b`]
      try {
        await ensureBridge(bridge)
        await createNetnsWithVeths(name, [
          { host: hostEnds[0]!, peer: 'eth0', mac: 'fa:16:3e:00:00:01', mtu: 1450, master: bridge },
          { host: hostEnds[1]!, peer: 'eth1', mac: 'fa:16:3e:00:00:02', mtu: 1400 },
        ])
        expect(await getLink(hostEnds[0]!)).toMatchObject({ master: bridge, mtu: 1450, up: true })
        expect(await getLink(hostEnds[1]!)).toMatchObject({ mtu: 1400, up: true })
        expect((await getLink(hostEnds[1]!))?.master).toBeUndefined()
        expect(await hostLinkMtu(hostEnds[1]!)).toBe(1400)
        expect(await hostLinkMtu(`nth${tag}z`)).toBeUndefined()
        const inside = { netns: name }
        expect(await getLink('eth0', inside)).toMatchObject({ up: false })
        await setLinksUp(['lo', 'eth0', 'eth1'], inside)
        expect(await getLink('lo', inside)).toMatchObject({ up: true })
        expect(await getLink('eth0', inside)).toMatchObject({
          mac: 'fa:16:3e:00:00:01',
          mtu: 1450,
          up: true,
        })
        expect(await getLink('eth1', inside)).toMatchObject({ mac: 'fa:16:3e:00:00:02', up: true })
        // a second run fails: the namespace is there already
        await expect(createNetnsWithVeths(name, [])).rejects.toThrow(/File exists/)
      } finally {
        for (const link of [...hostEnds, bridge]) await deleteLink(link)
      }
    })
  },
)

describe('netns names', () => {
  it('refuses names ip would misread', async () => {
    await expect(ensureNetns('../etc')).rejects.toThrow(TypeError)
    await expect(execInNetns('a b', 'true', [])).rejects.toThrow(TypeError)
    const veth = { host: 'h0', peer: 'eth0', mac: 'fa:16:3e:00:00:01', mtu: 1500 }
    await expect(createNetnsWithVeths('n', [{ ...veth, mac: 'x\nnetns del a' }])).rejects.toThrow(
      TypeError,
    )
    await expect(createNetnsWithVeths('n', [{ ...veth, peer: 'eth0 up' }])).rejects.toThrow(
      TypeError,
    )
  })
})
