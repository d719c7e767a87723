/** @module network/agents/agent-loop.test: passes run on notifications and are retried after a failure; which of them are full */
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryBus, createRpcClient, type MemoryBus } from '../../core/bus/index.js'
import { silentLogger } from '../../core/log/index.js'
import { agentNotifyRpc } from '../rpc/contracts.js'
import { startAgentLoop, type AgentLoop } from './agent-loop.js'

describe('agent loop', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  const start = async (
    bus: MemoryBus,
    sync: (pass: { full: boolean }) => Promise<void>,
    retryMs?: number,
  ): Promise<AgentLoop> => {
    const loop = await startAgentLoop({
      bus,
      host: 'h1',
      agentType: 'l2',
      binary: 'nimbus-l2-agent',
      configurations: {},
      logger: silentLogger(),
      sync,
      resyncSeconds: 600,
      ...(retryMs === undefined ? {} : { retryMs }),
    })
    cleanups.push(() => loop.stop())
    return loop
  }

  it('runs a pass when the server says something changed', async () => {
    const bus = createMemoryBus()
    cleanups.push(() => bus.close())
    const passes: boolean[] = []
    const loop = await start(bus, async ({ full }) => {
      passes.push(full)
    })
    // the first pass checks everything, a notification's pass may apply only the change
    expect(passes).toEqual([true])
    await createRpcClient(bus, agentNotifyRpc).changed({ kind: 'port', id: 'p1' })
    await bus.drain()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(passes).toEqual([true, false])
    await loop.syncNow()
    expect(passes).toEqual([true, false, true])
    loop.requestSync()
    loop.requestSync()
    loop.requestSync(true)
    await loop.syncNow()
    // the first request starts a pass; those made while it runs make one more, full if one asked
    expect(passes.slice(3)).toEqual([false, true])
  })

  it('tries a failed pass again after the retry delay, without a notification', async () => {
    const bus = createMemoryBus()
    cleanups.push(() => bus.close())
    const passes: boolean[] = []
    const loop = await start(
      bus,
      async ({ full }) => {
        passes.push(full)
        if (passes.length <= 2) throw new Error('the server did not answer')
      },
      50,
    )
    expect(loop.failures).toBe(1)
    // 50 ms, then 100 ms: the third pass succeeds and no more follow; a failed pass may have
    // left the host half-built, so the next one checks everything
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(passes).toEqual([true, true, true])
    expect(loop.failures).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(passes).toHaveLength(3)
  })
})
