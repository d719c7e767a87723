/** @module network/mech/mechanism-driver: the ML2-style contract between the server and its data planes */

/** What a driver sees of a network. */
export interface NetworkState {
  id: string
  projectId: string
  networkType: string
  physicalNetwork: string | null
  segmentationId: number | null
  mtu: number
  adminStateUp: boolean
  external: boolean
}

/** What a driver sees of a subnet. */
export interface SubnetState {
  id: string
  networkId: string
  cidr: string
  ipVersion: number
  gatewayIp: string | null
  enableDhcp: boolean
}

/** What a driver sees of a port. */
export interface PortState {
  id: string
  networkId: string
  macAddress: string
  deviceOwner: string
  deviceId: string
  hostId: string
  vnicType: string
  adminStateUp: boolean
  fixedIps: readonly { subnetId: string; ipAddress: string }[]
}

/** A binding a driver chose for a port on a host. */
export interface PortBinding {
  vifType: string
  vifDetails: Record<string, unknown>
  /** The status the port takes once bound (`ACTIVE` when the data plane is ready at once). */
  status: 'ACTIVE' | 'DOWN' | 'BUILD'
}

/** Which change a call is about. */
export type ChangeKind = 'create' | 'update' | 'delete'

/** One change of one resource, with its state before (update, delete) and after (create, update). */
export interface Change<T> {
  kind: ChangeKind
  current?: T
  original?: T
}

/**
 * A mechanism driver, as Neutron's ML2 has them.
 *
 * `*Precommit` methods run inside the database transaction that makes the change: they must
 * only validate and record (throwing a CloudError rolls the change back), must not talk to
 * agents or wait on I/O outside the transaction. `*Postcommit` methods run after the commit:
 * they must not throw for data-plane failures (they report them as resource status instead)
 * and should only send thin notifications (ids) that agents act on by pulling the full state.
 */
export interface MechanismDriver {
  readonly name: string
  networkPrecommit?(change: Change<NetworkState>): Promise<void>
  networkPostcommit?(change: Change<NetworkState>): Promise<void>
  subnetPrecommit?(change: Change<SubnetState>): Promise<void>
  subnetPostcommit?(change: Change<SubnetState>): Promise<void>
  portPrecommit?(change: Change<PortState>): Promise<void>
  portPostcommit?(change: Change<PortState>): Promise<void>
  /** A router, its interfaces, gateway, routes or floating IPs changed (after the commit). */
  routerPostcommit?(routerId: string): Promise<void>
  /** A security group's rules changed (after the commit). */
  securityGroupPostcommit?(groupId: string): Promise<void>
  /**
   * Binds a port with a host to this driver's data plane, or returns undefined when it cannot
   * serve that host or network type (the next driver is tried). Must be side-effect free.
   */
  bindPort(port: PortState, network: NetworkState): PortBinding | undefined
}
