/** @module core/bus: the message bus contract, the in-process and AMQP buses and versioned RPC. */

export {
  hostTopic,
  isMessageKind,
  MESSAGE_KINDS,
  type Bus,
  type CallOptions,
  type MessageHandler,
  type MessageHandlers,
  type MessageKind,
  type MessageMeta,
  type ServeOptions,
  type Subscription,
} from './bus.js'
export { createMemoryBus, type MemoryBus, type MemoryBusOptions } from './memory-bus.js'
export { createAmqpBus, type AmqpBusOptions } from './amqp-bus.js'
export type { AmqpLinkEvent } from './amqp-link.js'
export { parseTransportUrl, type BusTransport } from './transport-url.js'
export {
  createRpcClient,
  defineRpc,
  serveRpc,
  type RpcCallOptions,
  type RpcCastOptions,
  type RpcClient,
  type RpcClientOptions,
  type RpcContract,
  type RpcHandler,
  type RpcHandlers,
  type RpcMeta,
  type RpcMethods,
  type RpcMethodSpec,
} from './rpc.js'
export {
  BusClosedError,
  BusConnectionError,
  BusTimeoutError,
  MalformedMessageError,
  RemoteError,
  RpcVersionCapError,
  toRemoteErrorData,
  UnsupportedMethodError,
  UnsupportedVersionError,
  type RemoteErrorData,
} from './errors.js'
