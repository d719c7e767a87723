import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteNetns, ensureNetns, execInNetns, netnsUnavailableReason } from './netns.js'
import { nftApply, nftDeleteTable, nftListTables, nftReplaceTable } from './nft.js'

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

    it('applies nothing of a script with an error', async () => {
      await expect(
        nftApply('table ip nimbus-u\nadd chain ip nimbus-u c { bogus; }\n', where),
      ).rejects.toThrow(/nft/)
      expect(await nftListTables(where)).toEqual([])
    })
  },
)
