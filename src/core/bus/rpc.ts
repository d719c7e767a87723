/** @module core/bus/rpc: versioned RPC contracts as data, with typed clients and servers. */

import {
  hostTopic,
  type Bus,
  type MessageKind,
  type MessageMeta,
  type ServeOptions,
  type Subscription,
} from './bus.js'
import { MalformedMessageError, RpcVersionCapError, UnsupportedVersionError } from './errors.js'

/** One method of a contract: how it is sent and the contract version that introduced it. */
export interface RpcMethodSpec {
  readonly kind: MessageKind
  /** `Major.Minor`; a server on an older minor version does not know the method. */
  readonly since: string
}

/** The methods of a contract by name. */
export type RpcMethods = Readonly<Record<string, RpcMethodSpec>>

/** An RPC API between units: a topic, its current version and its methods. */
export interface RpcContract<M extends RpcMethods = RpcMethods> {
  readonly topic: string
  /** `Major.Minor`: raise the minor when adding a method, the major when breaking one. */
  readonly version: string
  readonly methods: M
}

/** Options of a cast: `host` sends to one unit's per-host topic (`compute.node1`). */
export interface RpcCastOptions {
  readonly host?: string
}

/** Options of a call: `host` as for a cast; `timeoutMs` overrides the client's. */
export interface RpcCallOptions {
  readonly host?: string
  readonly timeoutMs?: number
}

/** A typed client: one function per contract method, shaped by the method's kind. */
export type RpcClient<M extends RpcMethods> = {
  readonly [K in keyof M]: M[K]['kind'] extends 'call'
    ? (payload?: unknown, options?: RpcCallOptions) => Promise<unknown>
    : M[K]['kind'] extends 'fanout'
      ? (payload?: unknown) => Promise<void>
      : (payload?: unknown, options?: RpcCastOptions) => Promise<void>
}

/** Options of {@link createRpcClient}. */
export interface RpcClientOptions {
  /**
   * The newest version the servers are known to run (during a rolling upgrade): sending a
   * method introduced after it rejects with RpcVersionCapError instead of reaching a server
   * that cannot handle it.
   */
  readonly versionCap?: string
  /** Default call timeout; 60 s like oslo.messaging's `rpc_response_timeout`. */
  readonly timeoutMs?: number
}

/** What an RPC handler learns besides its arguments. */
export interface RpcMeta extends MessageMeta {
  /** The version the sender required: the method's `since`. */
  readonly version: string
}

/** Handles one RPC method; for a call, the resolved value is the reply. */
export type RpcHandler = (args: unknown, meta: RpcMeta) => Promise<unknown>

/** One handler per contract method. */
export type RpcHandlers<M extends RpcMethods> = { readonly [K in keyof M]: RpcHandler }

/** The message body an RPC client sends: the required version and the arguments. */
interface RpcEnvelope {
  readonly version: string
  readonly args: unknown
}

const DEFAULT_TIMEOUT_MS = 60_000

/**
 * Checks and freezes a contract: versions are `Major.Minor`, and every method's `since` has the
 * contract's major and is not newer than the contract.
 * @throws TypeError describing the first problem.
 */
export function defineRpc<const M extends RpcMethods>(contract: RpcContract<M>): RpcContract<M> {
  if (contract.topic === '') throw new TypeError('An RPC contract needs a topic')
  const version = parseRpcVersion(contract.version, `version of ${contract.topic}`)
  const methods: Record<string, RpcMethodSpec> = {}
  for (const [name, spec] of Object.entries(contract.methods)) {
    const where = `${contract.topic}.${name}`
    if (!['cast', 'call', 'fanout'].includes(spec.kind)) {
      throw new TypeError(`RPC method ${where} has unknown kind ${String(spec.kind)}`)
    }
    const since = parseRpcVersion(spec.since, `since of ${where}`)
    if (since[0] !== version[0] || since[1] > version[1]) {
      throw new TypeError(
        `RPC method ${where} since ${spec.since} is not within contract version ${contract.version}`,
      )
    }
    methods[name] = Object.freeze({ kind: spec.kind, since: spec.since })
  }
  return Object.freeze({
    topic: contract.topic,
    version: contract.version,
    methods: Object.freeze(methods) as M,
  })
}

/** Builds a client that sends each method the way its contract says, with the version envelope. */
export function createRpcClient<M extends RpcMethods>(
  bus: Bus,
  contract: RpcContract<M>,
  options: RpcClientOptions = {},
): RpcClient<M> {
  const cap =
    options.versionCap === undefined ? undefined : parseRpcVersion(options.versionCap, 'versionCap')
  const client: Record<string, (payload?: unknown, opts?: RpcCallOptions) => Promise<unknown>> = {}
  for (const [method, spec] of Object.entries(contract.methods)) {
    const since = parseRpcVersion(spec.since, `since of ${contract.topic}.${method}`)
    const tooNew = cap !== undefined && compareVersions(since, cap) > 0
    client[method] = async (payload, opts = {}) => {
      if (tooNew) {
        throw new RpcVersionCapError(contract.topic, method, spec.since, options.versionCap ?? '')
      }
      const body: RpcEnvelope = { version: spec.since, args: payload ?? null }
      const topic = opts.host === undefined ? contract.topic : hostTopic(contract.topic, opts.host)
      if (spec.kind === 'fanout') return bus.fanout(contract.topic, method, body)
      if (spec.kind === 'cast') return bus.cast(topic, method, body)
      const timeoutMs = opts.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS
      return bus.call(topic, method, body, { timeoutMs })
    }
  }
  return Object.freeze(client) as RpcClient<M>
}

/**
 * Serves a contract on the bus: checks there is exactly one handler per method, then unwraps
 * each message, refuses versions the contract cannot handle (RemoteError `UnsupportedVersion`)
 * and malformed envelopes (`MalformedMessage`); methods outside the contract get
 * `UnsupportedMethod` from the bus.
 * @throws TypeError when a handler is missing or names no contract method.
 */
export async function serveRpc<M extends RpcMethods>(
  bus: Bus,
  contract: RpcContract<M>,
  handlers: RpcHandlers<M>,
  options: ServeOptions = {},
): Promise<Subscription> {
  const given: Readonly<Record<string, unknown>> = handlers
  const missing = Object.keys(contract.methods).filter((m) => typeof given[m] !== 'function')
  const extra = Object.keys(given).filter((m) => !Object.hasOwn(contract.methods, m))
  if (missing.length > 0 || extra.length > 0) {
    const problems = [
      ...(missing.length > 0 ? [`missing handlers for ${missing.join(', ')}`] : []),
      ...(extra.length > 0 ? [`handlers for unknown methods ${extra.join(', ')}`] : []),
    ]
    throw new TypeError(`RPC server for ${contract.topic}: ${problems.join('; ')}`)
  }
  const served = parseRpcVersion(contract.version, `version of ${contract.topic}`)
  const busHandlers: Record<string, (payload: unknown, meta: MessageMeta) => Promise<unknown>> = {}
  for (const method of Object.keys(contract.methods)) {
    const handler = given[method] as RpcHandler
    busHandlers[method] = async (payload, meta) => {
      const envelope = readEnvelope(payload, meta)
      const requested = parseVersionOrUndefined(envelope.version)
      if (requested === undefined) {
        throw new MalformedMessageError(meta.topic, meta.method, `bad version ${envelope.version}`)
      }
      if (requested[0] !== served[0] || requested[1] > served[1]) {
        throw new UnsupportedVersionError(meta.topic, envelope.version, contract.version)
      }
      return handler(envelope.args, { ...meta, version: envelope.version })
    }
  }
  return bus.serve(contract.topic, busHandlers, options)
}

function readEnvelope(payload: unknown, meta: MessageMeta): RpcEnvelope {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new MalformedMessageError(meta.topic, meta.method, 'expected { version, args }')
  }
  const { version, args } = payload as Record<string, unknown>
  if (typeof version !== 'string') {
    throw new MalformedMessageError(meta.topic, meta.method, 'the version is missing')
  }
  return { version, args }
}

type RpcVersion = readonly [major: number, minor: number]

function parseVersionOrUndefined(text: string): RpcVersion | undefined {
  const found = /^(\d+)\.(\d+)$/.exec(text)
  if (found === null) return undefined
  return [Number(found[1]), Number(found[2])]
}

function parseRpcVersion(text: string, what: string): RpcVersion {
  const version = parseVersionOrUndefined(text)
  if (version === undefined) throw new TypeError(`RPC ${what} "${text}" is not Major.Minor`)
  return version
}

function compareVersions(a: RpcVersion, b: RpcVersion): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1]
}
