/** @module network/agents/agent-loop: what every network agent shares: heartbeats, change notifications, coalesced resyncs */
import { createRpcClient, serveRpc, type Bus, type Subscription } from '../../core/bus/index.js'
import type { Logger } from '../../core/log/index.js'
import { agentNotifyRpc, pluginRpc, type AgentType } from '../rpc/contracts.js'

/** How an agent loop runs. */
export interface AgentLoopOptions {
  bus: Bus
  host: string
  agentType: AgentType
  binary: string
  configurations: Record<string, unknown>
  logger: Logger
  /**
   * Pulls the desired state and makes the host match it; must be idempotent. A `full` pass
   * (the first, the periodic ones, after a failure or a lost broker, and {@link AgentLoop.syncNow})
   * checks every object it manages on the host; a pass for a change notification may trust what
   * this process made and saw before and only apply what changed.
   */
  sync(pass: { full: boolean }): Promise<void>
  /** Seconds between heartbeats; default 10. */
  heartbeatSeconds?: number
  /** Seconds between full resyncs even without notifications; default 30. */
  resyncSeconds?: number
  /** Delay before a failed pass is tried again, doubling per failure up to the resync period; default 1000 ms. */
  retryMs?: number
}

/** A running agent loop. */
export interface AgentLoop {
  /** Runs a full sync now (after the running one) and resolves when a whole pass finished after the call. */
  syncNow(): Promise<void>
  /** Asks for a sync soon (a full one with `full`), coalescing with other requests. */
  requestSync(full?: boolean): void
  /** How many passes failed since start (each failure is logged and retried at the next trigger). */
  readonly failures: number
  stop(): Promise<void>
}

/** Starts an agent: first heartbeat, subscription to changes, a first sync, then periodic ones. */
export async function startAgentLoop(options: AgentLoopOptions): Promise<AgentLoop> {
  const plugin = createRpcClient(options.bus, pluginRpc)
  const log = options.logger.child({ agent: options.agentType, host: options.host })
  let running: Promise<void> | undefined
  let dirty = false
  // the first pass is a full one
  let fullWanted = true
  let failures = 0
  let stopped = false
  let waiters: (() => void)[] = []
  let retry: NodeJS.Timeout | undefined
  let retryDelay = options.retryMs ?? 1000
  const resyncMs = (options.resyncSeconds ?? 30) * 1000

  const pass = async (): Promise<void> => {
    do {
      dirty = false
      const full = fullWanted
      fullWanted = false
      const finished = waiters
      waiters = []
      clearTimeout(retry)
      try {
        await options.sync({ full })
        retryDelay = options.retryMs ?? 1000
      } catch (error) {
        failures++
        log.error({ err: error, retryMs: retryDelay }, 'sync failed; retrying')
        // a failed pass may have left the host half-built: try again soon, not at the next resync
        retry = setTimeout(() => requestSync(true), retryDelay)
        retry.unref()
        retryDelay = Math.min(retryDelay * 2, resyncMs)
      }
      for (const done of finished) done()
    } while (dirty && !stopped)
    // at once, not in a later callback: a request made by a waiter just resolved must start a pass
    running = undefined
  }
  const requestSync = (full = false): void => {
    if (stopped) return
    if (full) fullWanted = true
    if (running) {
      dirty = true
      return
    }
    running = pass()
  }
  const syncNow = (): Promise<void> =>
    new Promise<void>((resolve) => {
      waiters.push(resolve)
      fullWanted = true
      if (running) dirty = true
      else requestSync()
    })

  const report = () =>
    plugin
      .reportState({
        host: options.host,
        agentType: options.agentType,
        binary: options.binary,
        configurations: options.configurations,
      })
      .catch((error: unknown) => log.warn({ err: error }, 'heartbeat failed'))
  await report()
  const subscription: Subscription = await serveRpc(
    options.bus,
    agentNotifyRpc,
    { changed: async () => requestSync() },
    // notifications sent while the broker was out of reach are lost: pull the whole state again
    { onReattached: () => requestSync(true) },
  )
  const heartbeat = setInterval(() => void report(), (options.heartbeatSeconds ?? 10) * 1000)
  const periodic = setInterval(() => requestSync(true), resyncMs)
  heartbeat.unref()
  periodic.unref()
  await syncNow()
  return {
    syncNow,
    requestSync,
    get failures() {
      return failures
    },
    async stop() {
      stopped = true
      clearTimeout(retry)
      clearInterval(heartbeat)
      clearInterval(periodic)
      await subscription.close()
      await running
      for (const done of waiters) done()
    },
  }
}
