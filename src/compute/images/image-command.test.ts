/** @module compute/images/image-command.test: `nimbus image` argument handling */
import { describe, expect, it } from 'vitest'
import { imageCommand } from './image-command.js'

function io() {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    io: {
      out: (t: string) => void out.push(t),
      err: (t: string) => void err.push(t),
      defaultDataDir: () => '/nonexistent',
    },
  }
}

describe('imageCommand', () => {
  it('exits 2 with the usage for an unknown image kind', async () => {
    const t = io()
    expect(await imageCommand(['build', 'huge'], t.io)).toBe(2)
    expect(t.err.join('')).toContain('nimbus image build tiny')
  })
  it('exits 2 naming an unknown option', async () => {
    const t = io()
    expect(await imageCommand(['build', 'tiny', '--fast'], t.io)).toBe(2)
    expect(t.err.join('')).toContain("unknown option '--fast'")
  })
})
