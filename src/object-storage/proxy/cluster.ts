/** @module object-storage/proxy/cluster: the ring's devices and their storage servers */
import { join } from 'node:path'
import type { Ring, RingDevice, RingNodes } from '../ring/ring.js'
import { ACCOUNT_SCHEMA, AccountBroker } from '../storage/account-broker.js'
import { CONTAINER_SCHEMA, ContainerBroker } from '../storage/container-broker.js'
import type { DiskFileStore } from '../storage/disk-file.js'
import type { SqliteHandles } from '../storage/sqlite-handles.js'

/** A broker on one device. */
export interface Placed<T> {
  device: RingDevice
  broker: T
}

/** An object's place: its partition, hash and the stores of its primary devices. */
export interface ObjectPlace extends RingNodes {
  stores: { device: RingDevice; store: DiskFileStore }[]
}

/** The devices of the all-in-one (or of one storage node) with their servers. */
export class Cluster {
  constructor(
    readonly ring: Ring,
    private readonly stores: ReadonlyMap<number, DiskFileStore>,
    private readonly handles: SqliteHandles,
    /** Devices currently failing (tests and operators take one out this way). */
    readonly down: Set<number> = new Set(),
  ) {}

  /** The object store of a device. */
  store(deviceId: number): DiskFileStore | undefined {
    return this.down.has(deviceId) ? undefined : this.stores.get(deviceId)
  }

  /** Majority of the replica count: the writes that must succeed. */
  get quorum(): number {
    return Math.floor(this.ring.replicaCount / 2) + 1
  }

  objectPlace(account: string, container: string, object: string): ObjectPlace {
    const nodes = this.ring.nodesFor(account, container, object)
    const live = [...nodes.nodes, ...nodes.handoffs].filter((d) => !this.down.has(d.id))
    const chosen = live.slice(0, nodes.nodes.length)
    const stores = chosen.flatMap((device) => {
      const store = this.stores.get(device.id)
      return store ? [{ device, store }] : []
    })
    return { ...nodes, stores }
  }

  /** Path of a database of the given kind on a device. */
  dbPath(device: RingDevice, kind: 'accounts' | 'containers', partition: number, hash: string) {
    return join(device.path, kind, String(partition), `${hash}.db`)
  }

  containerBrokers(account: string, container: string): Placed<ContainerBroker>[] {
    const { partition, hash, nodes } = this.ring.nodesFor(account, container)
    return nodes
      .filter((d) => !this.down.has(d.id))
      .map((device) => ({ device, broker: this.containerBrokerAt(device, partition, hash) }))
  }

  containerBrokerAt(device: RingDevice, partition: number, hash: string): ContainerBroker {
    const path = this.dbPath(device, 'containers', partition, hash)
    return new ContainerBroker(this.handles.get(path, CONTAINER_SCHEMA))
  }

  accountBrokers(account: string): Placed<AccountBroker>[] {
    const { partition, hash, nodes } = this.ring.nodesFor(account)
    return nodes
      .filter((d) => !this.down.has(d.id))
      .map((device) => ({ device, broker: this.accountBrokerAt(device, partition, hash) }))
  }

  accountBrokerAt(device: RingDevice, partition: number, hash: string): AccountBroker {
    const path = this.dbPath(device, 'accounts', partition, hash)
    return new AccountBroker(this.handles.get(path, ACCOUNT_SCHEMA))
  }

  /** Closes a database before its file is replaced. */
  closeDb(path: string): void {
    this.handles.close(path)
  }
}
