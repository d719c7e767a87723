/** @module core/bus/rpc.test */

import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { RemoteError, RpcVersionCapError } from './errors.js'
import { createMemoryBus, type MemoryBus } from './memory-bus.js'
import { createRpcClient, defineRpc, serveRpc, type RpcHandlers, type RpcMeta } from './rpc.js'

function computeContract() {
  return defineRpc({
    topic: 'compute',
    version: '1.2',
    methods: {
      buildInstance: { kind: 'cast', since: '1.0' },
      getInfo: { kind: 'call', since: '1.0' },
      refreshCache: { kind: 'fanout', since: '1.1' },
      attachVolume: { kind: 'call', since: '1.2' },
    },
  })
}

type ComputeMethods = ReturnType<typeof computeContract>['methods']

function recordingHandlers() {
  const calls: { method: string; args: unknown; meta: RpcMeta }[] = []
  const record =
    (method: string, reply?: unknown) =>
    async (args: unknown, meta: RpcMeta): Promise<unknown> => {
      calls.push({ method, args, meta })
      return reply
    }
  const handlers: RpcHandlers<ComputeMethods> = {
    buildInstance: record('buildInstance'),
    getInfo: record('getInfo', { power: 'running' }),
    refreshCache: record('refreshCache'),
    attachVolume: record('attachVolume', { device: '/dev/vdb' }),
  }
  return { calls, handlers }
}

const buses: MemoryBus[] = []
function newBus(): MemoryBus {
  const bus = createMemoryBus()
  buses.push(bus)
  return bus
}

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()))
})

describe('defineRpc', () => {
  it('returns the contract frozen', () => {
    const contract = computeContract()
    expect(contract.methods.getInfo).toEqual({ kind: 'call', since: '1.0' })
    expect(Object.isFrozen(contract)).toBe(true)
    expect(Object.isFrozen(contract.methods)).toBe(true)
    expect(Object.isFrozen(contract.methods.getInfo)).toBe(true)
  })

  it.each([
    [{ topic: 't', version: '1', methods: {} }, /version of t "1" is not Major.Minor/],
    [{ topic: 't', version: '1.0', methods: { m: { kind: 'cast', since: 'x' } } }, /since of t.m/],
    [{ topic: 't', version: '1.0', methods: { m: { kind: 'cast', since: '1.1' } } }, /not within/],
    [{ topic: 't', version: '2.0', methods: { m: { kind: 'cast', since: '1.0' } } }, /not within/],
    [
      { topic: 't', version: '1.0', methods: { m: { kind: 'push', since: '1.0' } } },
      /unknown kind/,
    ],
    [{ topic: '', version: '1.0', methods: {} }, /needs a topic/],
  ])('refuses an invalid contract %#', (contract, message) => {
    expect(() => defineRpc(contract as never)).toThrow(message)
  })
})

describe('createRpcClient and serveRpc', () => {
  it('casts a cast method and delivers its arguments with the version it needs', async () => {
    const bus = newBus()
    const contract = computeContract()
    const { calls, handlers } = recordingHandlers()
    await serveRpc(bus, contract, handlers)
    const client = createRpcClient(bus, contract)
    await expect(client.buildInstance({ instanceId: 'i1' })).resolves.toBeUndefined()
    await bus.drain()
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({
      method: 'buildInstance',
      args: { instanceId: 'i1' },
      meta: { kind: 'cast', topic: 'compute', method: 'buildInstance', version: '1.0' },
    })
  })

  it('calls a call method and resolves with the reply', async () => {
    const bus = newBus()
    const contract = computeContract()
    await serveRpc(bus, contract, recordingHandlers().handlers)
    const client = createRpcClient(bus, contract)
    await expect(client.getInfo({ instanceId: 'i1' })).resolves.toEqual({ power: 'running' })
  })

  it('sends to the per-host topic when given a host', async () => {
    const bus = newBus()
    const contract = computeContract()
    const node1 = recordingHandlers()
    const node2 = recordingHandlers()
    await serveRpc(bus, contract, node1.handlers, { host: 'node1' })
    await serveRpc(bus, contract, node2.handlers, { host: 'node2' })
    const client = createRpcClient(bus, contract)
    await client.buildInstance({ id: 'a' }, { host: 'node2' })
    await client.buildInstance({ id: 'b' }, { host: 'node2' })
    await client.getInfo({ id: 'c' }, { host: 'node1' })
    await bus.drain()
    expect(node1.calls.map((c) => c.args)).toEqual([{ id: 'c' }])
    expect(node2.calls.map((c) => c.args)).toEqual([{ id: 'a' }, { id: 'b' }])
    expect(node2.calls[0]?.meta.topic).toBe('compute.node2')
  })

  it('fans a fanout method out to every server', async () => {
    const bus = newBus()
    const contract = computeContract()
    const node1 = recordingHandlers()
    const node2 = recordingHandlers()
    await serveRpc(bus, contract, node1.handlers, { host: 'node1' })
    await serveRpc(bus, contract, node2.handlers, { host: 'node2' })
    await createRpcClient(bus, contract).refreshCache({ all: true })
    await bus.drain()
    expect(node1.calls.map((c) => c.method)).toEqual(['refreshCache'])
    expect(node2.calls.map((c) => c.method)).toEqual(['refreshCache'])
  })

  it('passes null arguments when a method is sent without a payload', async () => {
    const bus = newBus()
    const contract = computeContract()
    const { calls, handlers } = recordingHandlers()
    await serveRpc(bus, contract, handlers)
    await createRpcClient(bus, contract).getInfo()
    expect(calls[0]?.args).toBeNull()
  })

  it('carries a handler failure to the caller as a RemoteError', async () => {
    const bus = newBus()
    const contract = computeContract()
    const { handlers } = recordingHandlers()
    await serveRpc(bus, contract, {
      ...handlers,
      getInfo: async () => {
        throw Object.assign(new Error('Instance i9 could not be found.'), {
          name: 'InstanceNotFoundError',
          status: 404,
        })
      },
    })
    await expect(createRpcClient(bus, contract).getInfo({ id: 'i9' })).rejects.toMatchObject({
      name: 'RemoteError',
      remoteName: 'InstanceNotFoundError',
      remoteMessage: 'Instance i9 could not be found.',
      status: 404,
    })
  })

  it('answers a method outside the contract with RemoteError UnsupportedMethod', async () => {
    const bus = newBus()
    const contract = computeContract()
    await serveRpc(bus, contract, recordingHandlers().handlers)
    const error = await bus
      .call('compute', 'rebootInstance', { version: '1.0', args: {} }, { timeoutMs: 1000 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteError)
    expect((error as RemoteError).remoteName).toBe('UnsupportedMethod')
  })

  it('answers a newer minor version than it serves with UnsupportedVersion', async () => {
    const bus = newBus()
    const { calls, handlers } = recordingHandlers()
    await serveRpc(bus, computeContract(), handlers)
    const newer = defineRpc({
      topic: 'compute',
      version: '1.3',
      methods: { getInfo: { kind: 'call', since: '1.3' } },
    })
    await expect(createRpcClient(bus, newer).getInfo({})).rejects.toMatchObject({
      remoteName: 'UnsupportedVersion',
    })
    expect(calls).toHaveLength(0)
  })

  it('answers another major version with UnsupportedVersion', async () => {
    const bus = newBus()
    await serveRpc(bus, computeContract(), recordingHandlers().handlers)
    await expect(
      bus.call('compute', 'getInfo', { version: '2.0', args: {} }, { timeoutMs: 1000 }),
    ).rejects.toMatchObject({ remoteName: 'UnsupportedVersion' })
  })

  it('accepts an older minor version from an older client', async () => {
    const bus = newBus()
    await serveRpc(bus, computeContract(), recordingHandlers().handlers)
    await expect(
      bus.call('compute', 'getInfo', { version: '1.0', args: {} }, { timeoutMs: 1000 }),
    ).resolves.toEqual({ power: 'running' })
  })

  it.each([
    ['a bare value', 'hello'],
    ['an envelope without a version', { args: {} }],
    ['an envelope with a malformed version', { version: 'one', args: {} }],
  ])('answers %s with MalformedMessage', async (_, payload) => {
    const bus = newBus()
    await serveRpc(bus, computeContract(), recordingHandlers().handlers)
    await expect(
      bus.call('compute', 'getInfo', payload, { timeoutMs: 1000 }),
    ).rejects.toMatchObject({ remoteName: 'MalformedMessage' })
  })

  it('refuses to send a method newer than the version cap', async () => {
    const bus = newBus()
    const contract = computeContract()
    const { calls, handlers } = recordingHandlers()
    await serveRpc(bus, contract, handlers)
    const client = createRpcClient(bus, contract, { versionCap: '1.1' })
    await expect(client.attachVolume({})).rejects.toBeInstanceOf(RpcVersionCapError)
    await expect(client.getInfo({})).resolves.toEqual({ power: 'running' })
    await client.refreshCache({})
    await bus.drain()
    expect(calls.map((c) => c.method)).toEqual(['getInfo', 'refreshCache'])
  })

  it('refuses to serve when a contract method has no handler', async () => {
    const bus = newBus()
    const { handlers } = recordingHandlers()
    const { attachVolume: _, ...incomplete } = handlers
    await expect(serveRpc(bus, computeContract(), incomplete as never)).rejects.toThrow(
      /missing handlers for attachVolume/,
    )
  })

  it('refuses to serve a handler for a method the contract lacks', async () => {
    const bus = newBus()
    const { handlers } = recordingHandlers()
    const extra = { ...handlers, rebootInstance: async () => undefined }
    await expect(serveRpc(bus, computeContract(), extra)).rejects.toThrow(
      /handlers for unknown methods rebootInstance/,
    )
  })

  it('times out a call using the per-call timeout over the client default', async () => {
    const bus = newBus()
    const contract = computeContract()
    const client = createRpcClient(bus, contract, { timeoutMs: 60_000 })
    await expect(client.getInfo({}, { timeoutMs: 5 })).rejects.toMatchObject({
      name: 'BusTimeoutError',
      timeoutMs: 5,
    })
  })

  it('types each client method by its kind and has no others', () => {
    const client = createRpcClient(newBus(), computeContract())
    expectTypeOf(client.buildInstance).returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf(client.getInfo).returns.toEqualTypeOf<Promise<unknown>>()
    expectTypeOf(client.refreshCache).parameters.toEqualTypeOf<[payload?: unknown]>()
    // @ts-expect-error rebootInstance is not in the contract
    expect(client.rebootInstance).toBeUndefined()
  })
})
