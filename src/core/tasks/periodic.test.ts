/** @module core/tasks/periodic.test */

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startPeriodic } from './periodic.js'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

function noErrors(error: unknown): void {
  throw new Error(`unexpected periodic error: ${String(error)}`)
}

describe('startPeriodic', () => {
  it('runs every interval, first after one interval by default', async () => {
    const controller = new AbortController()
    let runs = 0
    const job = startPeriodic(() => void runs++, {
      intervalMs: 1000,
      signal: controller.signal,
      onError: noErrors,
    })
    await vi.advanceTimersByTimeAsync(999)
    expect(runs).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toBe(1)
    await vi.advanceTimersByTimeAsync(2000)
    expect(runs).toBe(3)
    controller.abort()
    await job.stopped
  })

  it('runs at once when runAtStart is set', async () => {
    const controller = new AbortController()
    let runs = 0
    const job = startPeriodic(() => void runs++, {
      intervalMs: 1000,
      signal: controller.signal,
      runAtStart: true,
      onError: noErrors,
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toBe(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(runs).toBe(2)
    controller.abort()
    await job.stopped
  })

  it('never overlaps runs: a slow run delays the next until it finishes', async () => {
    const controller = new AbortController()
    let active = 0
    let maxActive = 0
    const starts: number[] = []
    const job = startPeriodic(
      async () => {
        starts.push(Date.now())
        active++
        maxActive = Math.max(maxActive, active)
        await new Promise((resolve) => setTimeout(resolve, 2500))
        active--
      },
      { intervalMs: 1000, signal: controller.signal, runAtStart: true, onError: noErrors },
    )
    const t0 = Date.now()
    await vi.advanceTimersByTimeAsync(7600)
    controller.abort()
    await vi.advanceTimersByTimeAsync(2500)
    await job.stopped
    expect(maxActive).toBe(1)
    expect(starts[0]).toBe(t0)
    // Each overdue run starts as soon as the previous ends (one timer turn later).
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? 0))
    expect(gaps).toHaveLength(3)
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(2500)
    for (const gap of gaps) expect(gap).toBeLessThan(2510)
  })

  it('keeps the start-to-start schedule when runs take part of the interval', async () => {
    const controller = new AbortController()
    const starts: number[] = []
    const t0 = Date.now()
    const job = startPeriodic(
      async () => {
        starts.push(Date.now() - t0)
        await new Promise((resolve) => setTimeout(resolve, 300))
      },
      { intervalMs: 1000, signal: controller.signal, runAtStart: true, onError: noErrors },
    )
    await vi.advanceTimersByTimeAsync(3000)
    controller.abort()
    await vi.advanceTimersByTimeAsync(300)
    await job.stopped
    expect(starts).toEqual([0, 1000, 2000, 3000])
  })

  it('reports a failed run to onError and keeps running', async () => {
    const controller = new AbortController()
    const errors: unknown[] = []
    let runs = 0
    const job = startPeriodic(
      () => {
        runs++
        if (runs === 1) throw new Error('resync failed')
      },
      { intervalMs: 100, signal: controller.signal, onError: (e) => errors.push(e) },
    )
    await vi.advanceTimersByTimeAsync(300)
    expect(runs).toBe(3)
    expect(errors.map((e) => (e as Error).message)).toEqual(['resync failed'])
    controller.abort()
    await job.stopped
  })

  it('keeps running when onError itself throws', async () => {
    const controller = new AbortController()
    let runs = 0
    const job = startPeriodic(
      async () => {
        runs++
        throw new Error('x')
      },
      {
        intervalMs: 100,
        signal: controller.signal,
        onError: () => {
          throw new Error('hook')
        },
      },
    )
    await vi.advanceTimersByTimeAsync(200)
    expect(runs).toBe(2)
    controller.abort()
    await job.stopped
  })

  it('stops waiting at once when aborted between runs', async () => {
    const controller = new AbortController()
    let runs = 0
    const job = startPeriodic(() => void runs++, {
      intervalMs: 60_000,
      signal: controller.signal,
      onError: noErrors,
    })
    controller.abort()
    await job.stopped
    await vi.advanceTimersByTimeAsync(120_000)
    expect(runs).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('lets a running job finish, passing it the aborted signal, before stopping', async () => {
    const controller = new AbortController()
    let sawAbort = false
    let stopped = false
    const job = startPeriodic(
      async (signal) => {
        await new Promise((resolve) => setTimeout(resolve, 500))
        sawAbort = signal.aborted
      },
      { intervalMs: 1000, signal: controller.signal, runAtStart: true, onError: noErrors },
    )
    void job.stopped.then(() => (stopped = true))
    await vi.advanceTimersByTimeAsync(100)
    controller.abort()
    await vi.advanceTimersByTimeAsync(0)
    expect(stopped).toBe(false)
    await vi.advanceTimersByTimeAsync(400)
    await job.stopped
    expect(sawAbort).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('never runs when the signal is already aborted', async () => {
    let runs = 0
    const job = startPeriodic(() => void runs++, {
      intervalMs: 10,
      signal: AbortSignal.abort(),
      runAtStart: true,
      onError: noErrors,
    })
    await job.stopped
    expect(runs).toBe(0)
  })

  it('refuses an interval that is not a positive number', () => {
    const options = { signal: new AbortController().signal, onError: noErrors }
    expect(() => startPeriodic(() => undefined, { ...options, intervalMs: 0 })).toThrow(TypeError)
    expect(() => startPeriodic(() => undefined, { ...options, intervalMs: Infinity })).toThrow(
      TypeError,
    )
  })
})
