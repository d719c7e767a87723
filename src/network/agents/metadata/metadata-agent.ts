/** @module network/agents/metadata/metadata-agent: the host's metadata agent: the proxy server on its UNIX socket, finding guests through the network server */
import { createRpcClient, type Bus } from '../../../core/bus/index.js'
import type { Logger } from '../../../core/log/index.js'
import { pluginRpc } from '../../rpc/contracts.js'
import { startAgentLoop } from '../agent-loop.js'
import type { MetadataPort } from '../../rpc/metadata-payloads.js'
import { createGuestLookup } from './guest-lookup.js'
import { startMetadataProxyServer, type MetadataProxyServer } from './metadata-proxy-server.js'

/** What the metadata agent is given. */
export interface MetadataAgentOptions {
  bus: Bus
  /** The host it reports from (its heartbeat shows it in the agent list). */
  host: string
  logger: Logger
  socketPath: string
  /** Base URL of the compute metadata API. */
  metadataUrl: string
  secret: string
  /** Longest wait for the network server's answer; default 5 s. */
  lookupTimeoutMs?: number
  /** Longest wait for the compute metadata API; default 10 s. */
  timeoutMs?: number
}

function portOf(answer: unknown): MetadataPort | null {
  const port = (answer as { port?: unknown } | null)?.port
  if (typeof port !== 'object' || port === null) return null
  const p = port as Record<string, unknown>
  const ok = ['id', 'deviceId', 'deviceOwner', 'projectId'].every((k) => typeof p[k] === 'string')
  return ok ? (port as MetadataPort) : null
}

/** Starts the metadata agent: resolves once its socket listens and it reported to the server. */
export async function startMetadataAgent(
  options: MetadataAgentOptions,
): Promise<MetadataProxyServer> {
  const plugin = createRpcClient(options.bus, pluginRpc)
  const timeoutMs = options.lookupTimeoutMs ?? 5000
  const lookup = createGuestLookup({
    resolve: async (query) => portOf(await plugin.metadataPort(query, { timeoutMs })),
  })
  const server = await startMetadataProxyServer({
    socketPath: options.socketPath,
    metadataUrl: options.metadataUrl,
    secret: options.secret,
    lookup,
    logger: options.logger,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  })
  // heartbeats only: the agent builds nothing, it answers requests as they come
  const loop = await startAgentLoop({
    bus: options.bus,
    host: options.host,
    agentType: 'metadata',
    binary: 'nimbus-metadata-agent',
    configurations: {
      metadata_proxy_socket: options.socketPath,
      nova_metadata_url: options.metadataUrl,
    },
    logger: options.logger,
    sync: async () => undefined,
    resyncSeconds: 3600,
  })
  return {
    socketPath: server.socketPath,
    async close() {
      await loop.stop()
      await server.close()
    },
  }
}

/** How an L3 or DHCP agent runs its namespaces' proxies. */
export interface MetadataProxyOptions {
  /** The metadata agent's socket on this host. */
  socketPath: string
  /** The haproxy program. */
  haproxy: string
}
