/** @module network/agents/agent-loop.test: passes run on notifications and are retried after a failure */
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
    sync: () => Promise<void>,
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
    let passes = 0
    await start(bus, async () => {
      passes++
    })
    expect(passes).toBe(1)
    await createRpcClient(bus, agentNotifyRpc).changed({ kind: 'port', id: 'p1' })
    await bus.drain()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(passes).toBe(2)
  })

  it('tries a failed pass again after the retry delay, without a notification', async () => {
    const bus = createMemoryBus()
    cleanups.push(() => bus.close())
    let passes = 0
    const loop = await start(
      bus,
      async () => {
        passes++
        if (passes <= 2) throw new Error('the server did not answer')
      },
      50,
    )
    expect(loop.failures).toBe(1)
    // 50 ms, then 100 ms: the third pass succeeds and no more follow
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(passes).toBe(3)
    expect(loop.failures).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(passes).toBe(3)
  })
})
