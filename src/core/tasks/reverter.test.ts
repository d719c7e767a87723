/** @module core/tasks/reverter.test */

import { describe, expect, it } from 'vitest'
import { Reverter } from './reverter.js'

describe('Reverter', () => {
  it('runs the undo steps newest first when the operation fails', async () => {
    const undone: string[] = []
    const revert = new Reverter()
    await expect(
      (async () => {
        try {
          revert.add(() => void undone.push('port'))
          revert.add(async () => void undone.push('allocation'))
          revert.add(() => void undone.push('disk'))
          throw new Error('spawn failed')
        } finally {
          await revert.fail()
        }
      })(),
    ).rejects.toThrow('spawn failed')
    expect(undone).toEqual(['disk', 'allocation', 'port'])
    expect(revert.reverted).toBe(true)
  })

  it('runs nothing after success()', async () => {
    const undone: string[] = []
    const revert = new Reverter()
    try {
      revert.add(() => void undone.push('port'))
      revert.success()
    } finally {
      await revert.fail()
    }
    expect(undone).toEqual([])
    expect(revert.reverted).toBe(false)
  })

  it('awaits each undo before starting the previous one', async () => {
    const events: string[] = []
    const revert = new Reverter()
    revert.add(() => void events.push('first'))
    revert.add(async () => {
      events.push('second:start')
      await new Promise((resolve) => setTimeout(resolve, 5))
      events.push('second:end')
    })
    await revert.fail()
    expect(events).toEqual(['second:start', 'second:end', 'first'])
  })

  it('continues past undo steps that throw and collects their errors with labels', async () => {
    const undone: string[] = []
    const revert = new Reverter()
    revert.add(() => void undone.push('a'), 'delete port')
    revert.add(() => {
      throw new Error('volume busy')
    }, 'detach volume')
    revert.add(async () => Promise.reject(new Error('disk locked')))
    await revert.fail()
    expect(undone).toEqual(['a'])
    expect(revert.failures.map((f) => f.label)).toEqual(['undo #3', 'detach volume'])
    expect(revert.failures.map((f) => (f.error as Error).message)).toEqual([
      'disk locked',
      'volume busy',
    ])
  })

  it('runs the undo steps only once when fail() is called twice', async () => {
    let count = 0
    const revert = new Reverter()
    revert.add(() => void count++)
    await revert.fail()
    await revert.fail()
    expect(count).toBe(1)
  })

  it('refuses new undo steps after success() or fail()', async () => {
    const succeeded = new Reverter()
    succeeded.success()
    expect(() => succeeded.add(() => undefined)).toThrow(/after success\(\)/)
    const failed = new Reverter()
    await failed.fail()
    expect(() => failed.add(() => undefined)).toThrow(/after fail\(\)/)
  })

  it('returns a copy of the failures that callers cannot alter', async () => {
    const revert = new Reverter()
    revert.add(() => {
      throw new Error('x')
    })
    await revert.fail()
    ;(revert.failures as unknown[]).length = 0
    expect(revert.failures).toHaveLength(1)
  })
})
