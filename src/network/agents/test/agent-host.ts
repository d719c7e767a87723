/** @module network/agents/test/agent-host: one host's network agents in a process of their own, over AMQP (run inside a host namespace by multi-host tests) */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createAmqpBus } from '../../../core/bus/index.js'
import { resolveConfig } from '../../../core/config/index.js'
import { createLogger } from '../../../core/log/index.js'
import { networkConfigFrom, networkConfigSpec } from '../../config.js'
import { startNetworkAgents } from '../agents-unit.js'

/** What the parent passes as the one JSON argument. */
export interface AgentHostSpec {
  /** `amqp://user:pass@host:port/` */
  url: string
  exchange: string
  host: string
  /** The VTEP address; '' lets the agents find it as a host without configuration would. */
  tunnelIp: string
  kinds: ('l2' | 'dhcp' | 'l3')[]
  /** State and log of this host's agents; `ready` holds the pid once they serve. */
  dataDir: string
  resyncSeconds: number
}

const spec = JSON.parse(process.argv[2] ?? '{}') as AgentHostSpec
const logger = createLogger({ level: 'info', file: join(spec.dataDir, 'agents.log') })
const bus = await createAmqpBus({
  url: spec.url,
  exchange: spec.exchange,
  queuePrefix: `${spec.exchange}.`,
})
const config = {
  ...networkConfigFrom(resolveConfig(networkConfigSpec, {})),
  dataplane: 'linuxbridge' as const,
  tunnelIp: spec.tunnelIp,
  agentResyncSeconds: spec.resyncSeconds,
}
const agents = await startNetworkAgents({
  config,
  host: spec.host,
  dataDir: spec.dataDir,
  bus,
  logger,
  notice: (text) => logger.warn(text),
  kinds: spec.kinds,
})
process.once('SIGTERM', () => {
  void agents
    .stop()
    .then(() => bus.close())
    .finally(() => {
      logger.flush()
      process.exit(0)
    })
})
await writeFile(join(spec.dataDir, 'ready'), String(process.pid))
