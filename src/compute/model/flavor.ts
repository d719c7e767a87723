/** @module compute/model/flavor: flavors and key pairs */

export interface Flavor {
  flavorid: string
  name: string
  vcpus: number
  memoryMb: number
  rootGb: number
  ephemeralGb: number
  swap: number
  rxtxFactor: number
  isPublic: boolean
  disabled: boolean
  description: string | null
  createdAt: string
}

export interface Keypair {
  userId: string
  name: string
  type: 'ssh' | 'x509'
  publicKey: string
  fingerprint: string
  createdAt: string
}

export interface InstanceAction {
  id: string
  requestId: string
  instanceUuid: string
  action: string
  projectId: string
  userId: string
  startTime: string
  finishTime: string | null
  message: string | null
  updatedAt: string
}

export interface InstanceActionEvent {
  id: string
  actionId: string
  event: string
  startTime: string
  finishTime: string | null
  result: string | null
  traceback: string | null
  host: string | null
}

export interface ServerGroup {
  uuid: string
  name: string
  projectId: string
  userId: string
  policy: string
  rules: Record<string, unknown>
  createdAt: string
  members: string[]
}
