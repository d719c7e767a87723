/** @module compute/agent/instance-events: waiting for events other services report about a server */
import type { ExternalEvent } from '../rpc/payloads.js'

/** How long an event that came before anyone waited for it is kept. */
const KEEP_MS = 10 * 60 * 1000

/** The outcome of a wait: every event came, one failed, or time ran out for some. */
export type WaitOutcome =
  { kind: 'completed' } | { kind: 'failed'; tag: string } | { kind: 'timeout'; missing: string[] }

/**
 * Nova's `virtapi.wait_for_instance_event`: a build registers the events it expects before it
 * plugs anything, then waits for them. An event that arrives before its waiter (the port went
 * ACTIVE at once) is kept for a while, so no event is lost to that race.
 */
export interface InstanceEvents {
  /** Hands events to their waiters, or keeps them for a waiter to come. */
  deliver(events: readonly ExternalEvent[]): void
  /** Waits for `network-vif-plugged` of each port in `tags`, for at most `timeoutMs`. */
  waitForVifs(uuid: string, tags: readonly string[], timeoutMs: number): Promise<WaitOutcome>
  /** Forgets what is kept for a server (it was deleted or built). */
  forget(uuid: string): void
}

interface Waiter {
  uuid: string
  pending: Set<string>
  done(outcome: WaitOutcome): void
}

export function createInstanceEvents(now: () => number = Date.now): InstanceEvents {
  const early = new Map<string, { at: number; status: ExternalEvent['status'] }>()
  const waiters = new Set<Waiter>()
  const key = (uuid: string, tag: string) => `${uuid}/${tag}`
  const settle = (w: Waiter, tag: string, status: ExternalEvent['status']): void => {
    if (status === 'in-progress') return
    if (status === 'failed') return w.done({ kind: 'failed', tag })
    w.pending.delete(tag)
    if (w.pending.size === 0) w.done({ kind: 'completed' })
  }
  return {
    deliver(events) {
      const t = now()
      for (const [k, e] of early) if (t - e.at > KEEP_MS) early.delete(k)
      for (const e of events) {
        if (e.name !== 'network-vif-plugged' || !e.tag) continue
        const w = [...waiters].find((x) => x.uuid === e.uuid && x.pending.has(e.tag as string))
        if (w) settle(w, e.tag, e.status)
        else early.set(key(e.uuid, e.tag), { at: t, status: e.status })
      }
    },
    waitForVifs(uuid, tags, timeoutMs) {
      return new Promise<WaitOutcome>((resolve) => {
        const w: Waiter = {
          uuid,
          pending: new Set(tags),
          done: (outcome) => {
            clearTimeout(timer)
            waiters.delete(w)
            resolve(outcome)
          },
        }
        const timer = setTimeout(
          () => w.done({ kind: 'timeout', missing: [...w.pending] }),
          timeoutMs,
        )
        waiters.add(w)
        for (const tag of tags) {
          const seen = early.get(key(uuid, tag))
          if (!seen) continue
          early.delete(key(uuid, tag))
          settle(w, tag, seen.status)
        }
        if (w.pending.size === 0 && waiters.has(w)) w.done({ kind: 'completed' })
      })
    },
    forget(uuid) {
      for (const k of early.keys()) if (k.startsWith(`${uuid}/`)) early.delete(k)
    },
  }
}
