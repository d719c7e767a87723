import { describe, expect, it } from 'vitest'
import { superviseProcess } from './supervised-process.js'

const until = async (check: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('superviseProcess', () => {
  it('restarts a program that dies and reports the death', async () => {
    const exits: (number | null)[] = []
    const proc = superviseProcess({
      program: 'sh',
      args: ['-c', 'echo started; sleep 30'],
      backoffMs: 10,
      onUnexpectedExit: (info) => exits.push(info.code ?? -1),
    })
    await until(() => proc.pid !== undefined)
    const first = proc.pid as number
    process.kill(first, 'SIGKILL')
    await until(() => proc.restarts === 1 && proc.pid !== undefined && proc.pid !== first)
    expect(exits).toHaveLength(1)
    await proc.stop()
    expect(proc.pid).toBeUndefined()
  })

  it('delivers signals to the running program', async () => {
    const proc = superviseProcess({
      program: 'sh',
      args: ['-c', 'trap "exit 7" HUP; while true; do sleep 0.05; done'],
      backoffMs: 10,
    })
    await until(() => proc.pid !== undefined)
    await new Promise((r) => setTimeout(r, 100))
    expect(proc.signal('SIGHUP')).toBe(true)
    await until(() => proc.restarts === 1)
    await proc.stop()
    expect(proc.signal('SIGHUP')).toBe(false)
  })

  it('does not restart after stop, and stop is idempotent', async () => {
    const proc = superviseProcess({ program: 'sleep', args: ['30'], backoffMs: 10 })
    await until(() => proc.pid !== undefined)
    await proc.stop()
    await proc.stop()
    await new Promise((r) => setTimeout(r, 50))
    expect(proc.pid).toBeUndefined()
    expect(proc.restarts).toBe(0)
  })
})
