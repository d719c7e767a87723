/** @module clients/compute-events-client: the Compute API's os-server-external-events, as networking uses it */
import { restCall, type RestEndpoint } from './rest-client.js'

/** An event about a server, in the Compute API's terms. */
export interface ServerEvent {
  name: 'network-changed' | 'network-vif-plugged' | 'network-vif-unplugged' | 'network-vif-deleted'
  serverUuid: string
  /** The port id. */
  tag: string
  status: 'completed' | 'failed'
}

export interface ComputeEventsClient {
  /** Sends events; returns how many the compute service accepted (unknown servers are not an error). */
  send(events: readonly ServerEvent[]): Promise<number>
}

export function createComputeEventsClient(endpoint: RestEndpoint): ComputeEventsClient {
  return {
    async send(events) {
      const r = await restCall(endpoint, 'POST', '/os-server-external-events', {
        body: {
          events: events.map((e) => ({
            name: e.name,
            server_uuid: e.serverUuid,
            tag: e.tag,
            status: e.status,
          })),
        },
        allow: [404],
      })
      if (r.status === 404) return 0
      const answered = (r.body as { events?: { code?: number }[] } | undefined)?.events ?? []
      return answered.filter((e) => e.code === 200).length
    },
  }
}
