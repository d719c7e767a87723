import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteNetns, ensureNetns, execInNetns, netnsUnavailableReason } from './netns.js'
import {
  nftApply,
  nftDeleteTable,
  nftListTables,
  nftReplaceTable,
  nftTableChanges,
  NftTableSync,
  type NftChains,
} from './nft.js'

const reason = await netnsUnavailableReason()
const ns = `nimbus-t-${randomBytes(3).toString('hex')}`
const where = { netns: ns }

describe.skipIf(reason !== undefined)(
  `nft (needs root and ip netns${reason ? `: ${reason}` : ''})`,
  () => {
    beforeAll(() => ensureNetns(ns))
    afterAll(() => deleteNetns(ns))

    it('replaces a table atomically and deletes it idempotently', async () => {
      await nftReplaceTable(
        'ip',
        'nimbus-t',
        'chain c { type nat hook postrouting priority 100; }',
        where,
      )
      await nftReplaceTable(
        'ip',
        'nimbus-t',
        'chain c {\n type nat hook postrouting priority 100\n ip saddr 10.0.0.0/24 snat to 192.0.2.9\n}',
        where,
      )
      expect(await nftListTables(where)).toEqual(['ip nimbus-t'])
      const { stdout } = await execInNetns(ns, 'nft', ['list', 'table', 'ip', 'nimbus-t'])
      expect(stdout).toContain('snat to 192.0.2.9')
      expect(stdout.match(/chain c/g)).toHaveLength(1)
      await nftDeleteTable('ip', 'nimbus-t', where)
      await nftDeleteTable('ip', 'nimbus-t', where)
      expect(await nftListTables(where)).toEqual([])
    })

    it('keeps a table in sync by changing only the chains that differ', async () => {
      const table = new NftTableSync('inet', 'nimbus-s', where)
      const base = 'type filter hook forward priority 0; policy accept'
      const handles = async (chain: string) => {
        const { stdout } = await execInNetns(ns, 'nft', [
          '-a',
          'list',
          'chain',
          'inet',
          'nimbus-s',
          chain,
        ])
        return [...stdout.matchAll(/# handle (\d+)/g)].map((m) => m[1])
      }
      await table.sync(
        new Map([
          ['forward', [base, 'ct state established,related accept', 'iifname "a" jump p-a']],
          ['p-a', ['ip saddr 10.0.0.1 return', 'drop']],
        ]),
      )
      const kept = await handles('p-a')
      await table.sync(
        new Map([
          ['forward', [base, 'ct state established,related accept', 'iifname "b" jump p-b']],
          ['p-b', ['ip saddr 10.0.0.2 return', 'drop']],
          ['p-a', ['ip saddr 10.0.0.1 return', 'drop']],
        ]),
      )
      // the untouched chain keeps its rules (same handles); the dispatch chain was refilled
      expect(await handles('p-a')).toEqual(kept)
      const { stdout } = await execInNetns(ns, 'nft', ['list', 'table', 'inet', 'nimbus-s'])
      expect(stdout).toContain('jump p-b')
      expect(stdout).not.toContain('jump p-a')
      await table.sync(new Map([['forward', [base, 'ct state established,related accept']]]))
      const after = await execInNetns(ns, 'nft', ['list', 'table', 'inet', 'nimbus-s'])
      expect(after.stdout).not.toContain('chain p-a')
      expect(after.stdout).not.toContain('chain p-b')
      // removed from outside: the next sync fails, the one after replaces the table whole
      await nftDeleteTable('inet', 'nimbus-s', where)
      await expect(table.sync(new Map([['forward', [base]]]))).rejects.toThrow(/nft/)
      await table.sync(new Map([['forward', [base]]]))
      expect(await nftListTables(where)).toContain('inet nimbus-s')
      await nftDeleteTable('inet', 'nimbus-s', where)
    })

    it('syncs two tables in one transaction: both change or neither does', async () => {
      const bridge = new NftTableSync('bridge', 'nimbus-b', where)
      const inet = new NftTableSync('inet', 'nimbus-i', where)
      const base = 'type filter hook forward priority 0; policy accept'
      await NftTableSync.syncAll([
        [bridge, new Map([['forward', [base, 'ether saddr 02:00:00:00:00:01 accept']]])],
        [inet, new Map([['forward', [base, 'ip saddr 10.0.0.1 accept']]])],
      ])
      expect(await nftListTables(where)).toEqual(['bridge nimbus-b', 'inet nimbus-i'])
      // the second table's change is refused, so the first one's is not applied either
      await expect(
        NftTableSync.syncAll([
          [bridge, new Map([['forward', [base, 'ether saddr 02:00:00:00:00:02 accept']]])],
          [inet, new Map([['forward', [base, 'ip saddr bogus accept']]])],
        ]),
      ).rejects.toThrow(/nft/)
      const { stdout } = await execInNetns(ns, 'nft', ['list', 'table', 'bridge', 'nimbus-b'])
      expect(stdout).toContain('02:00:00:00:00:01')
      expect(stdout).not.toContain('02:00:00:00:00:02')
      await expect(
        NftTableSync.syncAll([
          [bridge, new Map()],
          [new NftTableSync('inet', 'x', {}), new Map()],
        ]),
      ).rejects.toThrow(TypeError)
      await nftDeleteTable('bridge', 'nimbus-b', where)
      await nftDeleteTable('inet', 'nimbus-i', where)
    })

    it('applies nothing of a script with an error', async () => {
      await expect(
        nftApply('table ip nimbus-u\nadd chain ip nimbus-u c { bogus; }\n', where),
      ).rejects.toThrow(/nft/)
      expect(await nftListTables(where)).toEqual([])
    })
  },
)

describe('nftTableChanges', () => {
  const base = 'type filter hook forward priority 0; policy accept'
  const applied: NftChains = new Map([
    ['forward', [base, 'jump p-a']],
    ['p-a', ['drop']],
  ])

  it('adds new chains before the rules that jump to them and deletes gone ones last', () => {
    const script = nftTableChanges(
      'inet',
      't',
      applied,
      new Map([
        ['forward', [base, 'jump p-b']],
        ['p-b', ['accept']],
      ]),
    )
    expect(script?.split('\n').filter(Boolean)).toEqual([
      'add chain inet t p-b',
      'flush chain inet t forward',
      'add rule inet t forward jump p-b',
      'add rule inet t p-b accept',
      'delete chain inet t p-a',
    ])
  })

  it('says nothing when nothing differs and asks for a replace when a base chain changes hook', () => {
    expect(nftTableChanges('inet', 't', applied, applied)).toBe('')
    const other = 'type filter hook input priority 0; policy drop'
    expect(
      nftTableChanges(
        'inet',
        't',
        applied,
        new Map([
          ['forward', [other]],
          ['p-a', ['drop']],
        ]),
      ),
    ).toBeUndefined()
  })

  it('creates a new base chain with its header', () => {
    const script = nftTableChanges('inet', 't', new Map(), new Map([['forward', [base, 'accept']]]))
    expect(script).toBe(`add chain inet t forward { ${base}; }\nadd rule inet t forward accept\n`)
  })
})
