/** @module core/sys/thread-policy.test: helper threads become SCHED_BATCH, the main thread not */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { batchScheduleHelperThreads } from './thread-policy.js'

/** Scheduling policy of a thread of this process (field 41 of its stat line; 3 is SCHED_BATCH). */
function policyOf(tid: string): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[41 - 3])
}

describe('batchScheduleHelperThreads', () => {
  it('marks every thread but the main one SCHED_BATCH, once', async () => {
    const outcome = await batchScheduleHelperThreads()
    expect(outcome.kind).toBe('applied')
    const tids = readdirSync('/proc/self/task')
    expect(policyOf(String(process.pid))).toBe(0)
    const helpers = tids.filter((t) => t !== String(process.pid))
    expect(helpers.length).toBeGreaterThan(0)
    for (const tid of helpers) expect(policyOf(tid)).toBe(3)
    expect(await batchScheduleHelperThreads()).toBe(outcome)
  })
})
