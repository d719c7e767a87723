/** @module network/service/compute-notifier: tells compute when a server's port is plugged, unplugged or deleted (Neutron's nova notifier) */
import type { ComputeEventsClient, ServerEvent } from '../../clients/compute-events-client.js'
import type { Logger } from '../../core/log/index.js'

/** What the notifier needs of a port. */
export interface NotifiedPort {
  id: string
  status: string
  deviceId: string
  deviceOwner: string
}

/** A port before and after a change; no `current` is a delete, no `original` a create. */
export interface PortChange {
  original?: NotifiedPort | undefined
  current?: NotifiedPort | undefined
}

export interface ComputeNotifier {
  /** Queues the events a port change means for its server; never throws, never waits. */
  portChanged(change: PortChange): void
  /** Resolves once every queued event was sent (or failed and was logged). */
  flush(): Promise<void>
}

function serverOf(port: NotifiedPort | undefined): string | null {
  if (!port || !port.deviceId || !port.deviceOwner.startsWith('compute:')) return null
  return port.deviceId
}

/** The events of one change, as Neutron derives them from the port's status. */
export function eventsOf(change: PortChange): ServerEvent[] {
  const { original, current } = change
  if (!current) {
    const server = serverOf(original)
    if (!server || !original) return []
    return [
      { name: 'network-vif-deleted', serverUuid: server, tag: original.id, status: 'completed' },
    ]
  }
  const server = serverOf(current) ?? serverOf(original)
  if (!server) return []
  const before = original?.status
  const event = (name: ServerEvent['name'], status: ServerEvent['status']): ServerEvent[] => [
    { name, serverUuid: server, tag: current.id, status },
  ]
  if (current.status === 'ACTIVE' && before !== 'ACTIVE') {
    return event('network-vif-plugged', 'completed')
  }
  if (current.status === 'ERROR' && before !== 'ERROR')
    return event('network-vif-plugged', 'failed')
  if (before === 'ACTIVE' && current.status === 'DOWN') {
    return event('network-vif-unplugged', 'completed')
  }
  return []
}

/**
 * Sends events in batches: the changes made while one batch is on its way go together in
 * the next. Compute answers 404/422 for servers it does not know or that have no host yet;
 * those events are dropped, as Neutron drops them.
 */
export function createComputeNotifier(
  client: ComputeEventsClient,
  logger: Logger,
): ComputeNotifier {
  let queued: ServerEvent[] = []
  let sending: Promise<void> = Promise.resolve()
  let scheduled = false
  const send = async (): Promise<void> => {
    scheduled = false
    const batch = queued
    queued = []
    if (batch.length === 0) return
    try {
      await client.send(batch)
    } catch (error) {
      logger.warn({ err: error, events: batch.length }, 'sending server events to compute failed')
    }
  }
  return {
    portChanged(change) {
      const events = eventsOf(change)
      if (events.length === 0) return
      queued.push(...events)
      if (scheduled) return
      scheduled = true
      sending = sending.then(send)
    },
    async flush() {
      while (scheduled || queued.length > 0) {
        if (!scheduled) {
          scheduled = true
          sending = sending.then(send)
        }
        await sending
      }
      await sending
    },
  }
}
