/** @module deploy/message-bus: the bus a process uses, picked from its transport URL */
import { createAmqpBus, createMemoryBus, parseTransportUrl, type Bus } from '../core/bus/index.js'
import type { Logger } from '../core/log/index.js'
import type { NimbusConfig } from './config.js'

/** The exchange a cloud uses unless configured otherwise; its queues carry no prefix. */
const DEFAULT_EXCHANGE = 'nimbus'

/**
 * Opens the configured bus: in process for `memory://`, RabbitMQ for `rabbit://`. Queues are
 * named by topic (`compute`, `compute.node1`) as oslo.messaging names them; a cloud with another
 * `control_exchange` prefixes its queues with it, so clouds can share one vhost.
 * @throws ConfigError for a bad URL; BusConnectionError when the broker is unreachable.
 */
export async function openMessageBus(
  config: Pick<NimbusConfig, 'transportUrl' | 'controlExchange'>,
  logger: Logger,
): Promise<Bus> {
  const transport = parseTransportUrl(config.transportUrl)
  const onHandlerError = (error: unknown, meta: object) =>
    logger.error({ err: error, ...meta }, 'bus handler failed')
  if (transport.kind === 'memory') return createMemoryBus({ onHandlerError })
  const exchange = config.controlExchange
  const bus = await createAmqpBus({
    url: transport.url,
    exchange,
    queuePrefix: exchange === DEFAULT_EXCHANGE ? '' : `${exchange}.`,
    onHandlerError,
    onLinkEvent: (event) => {
      if (event.type === 'up') logger.info({ broker: transport.display }, 'message bus connected')
      else logger.warn({ err: event.error, broker: transport.display }, `message bus ${event.type}`)
    },
  })
  logger.info({ broker: transport.display, exchange }, 'message bus over AMQP')
  return bus
}
