/** @module compute/service/external-events: events other services report about servers, handed to their hosts */
import { listInstances } from '../db/instances-repo.js'
import { EXTERNAL_EVENT_NAMES, type ExternalEvent } from '../rpc/payloads.js'
import type { ComputeContext } from './context.js'

export { EXTERNAL_EVENT_NAMES, type ExternalEvent }

/** One event as the API answers it: 200 handed to the host, 404 no such server, 422 no host. */
export interface EventResult {
  event: ExternalEvent
  code: 200 | 404 | 422
}

/**
 * Hands each event to the agent of its server's host, one message per host. Events for
 * unknown or deleted servers are answered 404 and for servers without a host 422, as Nova does.
 */
export async function acceptExternalEvents(
  ctx: ComputeContext,
  events: readonly ExternalEvent[],
): Promise<EventResult[]> {
  const uuids = [...new Set(events.map((e) => e.uuid))]
  const found = await listInstances(ctx.db, { uuids, deleted: false })
  const hosts = new Map(found.map((i) => [i.uuid, i.host]))
  const byHost = new Map<string, ExternalEvent[]>()
  const results = events.map((event): EventResult => {
    if (!hosts.has(event.uuid)) return { event, code: 404 }
    const host = hosts.get(event.uuid)
    if (!host) return { event, code: 422 }
    byHost.set(host, [...(byHost.get(host) ?? []), event])
    return { event, code: 200 }
  })
  for (const [host, list] of byHost) await ctx.agents.externalInstanceEvent(host, { events: list })
  return results
}
