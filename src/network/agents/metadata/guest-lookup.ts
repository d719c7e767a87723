/** @module network/agents/metadata/guest-lookup: which server a metadata request comes from (router or network + source address -> port), cached briefly */
import type { MetadataPort, MetadataPortQuery } from '../../rpc/metadata-payloads.js'
import type { MetadataGuest } from './metadata-forwarding.js'

/** Asks the network server for the port behind an address (null when none or several). */
export type ResolvePort = (query: MetadataPortQuery) => Promise<MetadataPort | null>

/** Finds guests, asking the server at most once per address and TTL. */
export interface GuestLookup {
  /** The guest, or undefined when the address holds no server's port. Rejects when the server cannot answer. */
  find(query: MetadataPortQuery): Promise<MetadataGuest | undefined>
}

/** How long answers are kept (Neutron's metadata agent caches for 5 s). */
export interface GuestLookupOptions {
  resolve: ResolvePort
  /** Keeps found guests this long; default 5 s. */
  ttlMs?: number
  /** Keeps "no such guest" this long (a port being created shows up soon); default 1 s. */
  missTtlMs?: number
  /** Most addresses kept; the oldest go first. Default 4096. */
  maxEntries?: number
  now?: () => number
}

/** The guest a port stands for: servers only (device_owner `compute:*` with a device id). */
export function guestOfPort(port: MetadataPort | null, address: string): MetadataGuest | undefined {
  if (!port || !port.deviceOwner.startsWith('compute:') || port.deviceId === '') return undefined
  return { instanceId: port.deviceId, projectId: port.projectId, address }
}

/** A lookup over `resolve` with a small time-bounded cache; concurrent misses share one call. */
export function createGuestLookup(options: GuestLookupOptions): GuestLookup {
  const now = options.now ?? Date.now
  const ttl = options.ttlMs ?? 5000
  const missTtl = options.missTtlMs ?? 1000
  const max = options.maxEntries ?? 4096
  const entries = new Map<string, { until: number; guest: MetadataGuest | undefined }>()
  const pending = new Map<string, Promise<MetadataGuest | undefined>>()
  return {
    async find(query) {
      const key = `${query.routerId ? `r/${query.routerId}` : `n/${query.networkId ?? ''}`}/${query.address}`
      const cached = entries.get(key)
      if (cached && cached.until > now()) return cached.guest
      entries.delete(key)
      const running = pending.get(key)
      if (running) return running
      const asked = options
        .resolve(query)
        .then((port) => {
          const guest = guestOfPort(port, query.address)
          entries.set(key, { until: now() + (guest ? ttl : missTtl), guest })
          if (entries.size > max) entries.delete(entries.keys().next().value as string)
          return guest
        })
        .finally(() => pending.delete(key))
      pending.set(key, asked)
      return asked
    },
  }
}
