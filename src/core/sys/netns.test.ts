import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
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
  },
)

describe('netns names', () => {
  it('refuses names ip would misread', async () => {
    await expect(ensureNetns('../etc')).rejects.toThrow(TypeError)
    await expect(execInNetns('a b', 'true', [])).rejects.toThrow(TypeError)
  })
})
