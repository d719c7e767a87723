/** @module network/rpc/metadata-payloads: the metadata proxy's question to the network server (which port sent this) and its answer */
import { BadPayloadError } from './payloads.js'

/** A guest address seen behind a router or on a network (exactly one of the two ids). */
export interface MetadataPortQuery {
  routerId?: string
  networkId?: string
  /** The IPv4 address the request came from. */
  address: string
}

/** The one port holding that address on the router's networks or on the network. */
export interface MetadataPort {
  id: string
  deviceId: string
  deviceOwner: string
  projectId: string
}

const ID = /^[A-Za-z0-9_.-]{1,64}$/
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** Whether `value` is a dotted IPv4 address. */
export function isIpv4Address(value: string): boolean {
  const m = IPV4.exec(value)
  return m !== null && m.slice(1).every((o) => Number(o) <= 255)
}

/** Checks a {@link MetadataPortQuery}. */
export function parseMetadataPortQuery(payload: unknown): MetadataPortQuery {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new BadPayloadError('query must be an object')
  }
  const body = payload as Record<string, unknown>
  const id = (key: string): string | undefined => {
    const value = body[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string' || !ID.test(value)) throw new BadPayloadError(`bad ${key}`)
    return value
  }
  const routerId = id('routerId')
  const networkId = id('networkId')
  if ((routerId === undefined) === (networkId === undefined)) {
    throw new BadPayloadError('give exactly one of routerId and networkId')
  }
  const address = body['address']
  if (typeof address !== 'string' || !isIpv4Address(address)) {
    throw new BadPayloadError('address must be an IPv4 address')
  }
  return { ...(routerId ? { routerId } : { networkId: networkId as string }), address }
}
