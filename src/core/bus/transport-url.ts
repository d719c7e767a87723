/** @module core/bus/transport-url: oslo.messaging-style transport URLs (`rabbit://`, `memory://`). */

import { ConfigError } from '../config/index.js'

/** Where a process's bus lives. */
export type BusTransport =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'amqp'
      /** `amqp://user:pass@host:port/vhost`, as amqplib takes it. */
      readonly url: string
      /** `host:port/vhost` without credentials, for logs. */
      readonly display: string
    }

/**
 * Parses `memory://` (the in-process bus) or `rabbit://user:pass@host:port/vhost` (`amqp://` is
 * accepted too; the port defaults to 5672 and the vhost to `/`).
 * @throws ConfigError naming what is wrong, without echoing the password.
 */
export function parseTransportUrl(text: string): BusTransport {
  if (text === 'memory://' || text === 'memory:') return { kind: 'memory' }
  const scheme = /^([a-z]+):\/\//.exec(text)?.[1]
  if (scheme !== 'rabbit' && scheme !== 'amqp') {
    throw new ConfigError(
      `transport_url must be memory:// or rabbit://user:password@host:5672/, got scheme ${scheme ?? '(none)'}`,
    )
  }
  if (
    text
      .slice(scheme.length + 3)
      .split('/')[0]
      ?.includes(',')
  ) {
    throw new ConfigError('transport_url names several brokers; give exactly one host:port')
  }
  let url: URL
  try {
    url = new URL(`amqp://${text.slice(scheme.length + 3)}`)
  } catch {
    throw new ConfigError(`transport_url is not a valid URL (${scheme}://...)`)
  }
  if (url.hostname === '') throw new ConfigError('transport_url names no broker host')
  const port = url.port === '' ? '5672' : url.port
  const vhost = url.pathname === '' || url.pathname === '/' ? '' : url.pathname
  const auth = url.username === '' ? '' : `${url.username}:${url.password}@`
  return {
    kind: 'amqp',
    url: `amqp://${auth}${url.host.replace(/:\d+$/, '')}:${port}${vhost === '' ? '/' : vhost}`,
    display: `${url.hostname}:${port}${vhost === '' ? '/' : vhost}`,
  }
}
