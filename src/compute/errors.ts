/** @module compute/errors: the compute service's typed errors */
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  CloudError,
} from '../core/errors/index.js'

/** 404: no server with this id is visible to the caller. */
export class InstanceNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Instance ${id} could not be found.`)
  }
}

/** 404: no flavor with this id. */
export class FlavorNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Flavor ${id} could not be found.`)
  }
}

/** 404: the caller has no key pair of this name. */
export class KeypairNotFoundError extends NotFoundError {
  constructor(name: string) {
    super(`Keypair ${name} not found for user`)
  }
}

/** 409: a key pair of this name exists for the user. */
export class KeypairExistsError extends ConflictError {
  constructor(name: string) {
    super(`Key pair '${name}' already exists.`)
  }
}

/** 409: the server's vm_state or task_state does not allow the action. */
export class InstanceInvalidStateError extends ConflictError {
  constructor(id: string, attr: string, state: string, action: string) {
    super(`Cannot '${action}' instance ${id} while it is in ${attr} ${state}`)
  }
}

/** 409: the server is locked and the caller may not override the lock. */
export class InstanceLockedError extends ConflictError {
  constructor(id: string) {
    super(`Instance ${id} is locked`)
  }
}

/** 403: a quota would be exceeded. */
export class QuotaExceededError extends ForbiddenError {
  constructor(message: string) {
    super(message)
  }
}

/** 400: a request value that Nova's validation refuses. */
export class ComputeValidationError extends BadRequestError {
  constructor(message: string) {
    super(message)
  }
}

/** 404: no server group with this id. */
export class ServerGroupNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Instance group ${id} could not be found.`)
  }
}

/** 409: a flavor with this id or name exists. */
export class FlavorExistsError extends ConflictError {
  constructor(what: string) {
    super(`Flavor with ${what} already exists.`)
  }
}

/** 500 (as a server fault, never a response): no host can run the server, and why. */
export class NoValidHostError extends CloudError {
  constructor(reason: string) {
    super(500, `No valid host was found. ${reason}`.trim())
  }
}

/** 404: no compute service runs on this host (evacuate's target). */
export class ComputeHostNotFoundError extends NotFoundError {
  constructor(host: string) {
    super(`Compute host ${host} not found.`)
  }
}

/** 400: an evacuation from a host whose compute service still reports as up. */
export class ComputeServiceInUseError extends BadRequestError {
  constructor(host: string) {
    super(`Compute service of ${host} is still in use.`)
  }
}

/** 404: the server has no migration of this id (in progress, for the server migrations API). */
export class MigrationNotFoundForInstanceError extends NotFoundError {
  constructor(message: string) {
    super(message)
  }
}

/** 400: the migration's status does not allow the request (force complete, abort). */
export class InvalidMigrationStateError extends BadRequestError {
  constructor(id: number, uuid: string, state: string, method: string) {
    super(
      `Migration ${id} state of instance ${uuid} is ${state}. Cannot ${method} while the migration is in this state.`,
    )
  }
}

/** 404: block storage has no volume of this id for the caller. */
export class VolumeNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Volume ${id} could not be found.`)
  }
}

/** 404: the volume is not attached to the server. */
export class VolumeNotAttachedError extends NotFoundError {
  constructor(uuid: string, volumeId: string) {
    super(`Instance ${uuid} is not attached to volume ${volumeId}.`)
  }
}

/** 409: the compute driver of the server's host cannot attach or detach volumes. */
export class VolumeAttachUnsupportedError extends ConflictError {
  constructor(action: string, uuid: string, host: string) {
    super(
      `Cannot '${action}' instance ${uuid}: the compute driver of host ${host} does not support volume attach and detach.`,
    )
  }
}

/** 409: the compute driver of the server's host cannot do this action at all. */
export class HostCapabilityError extends ConflictError {
  constructor(action: string, uuid: string, host: string, feature = 'it') {
    super(
      `Cannot '${action}' instance ${uuid}: the compute driver of host ${host} does not support ${feature}.`,
    )
  }
}

/** 404: block storage has no volume snapshot of this id for the caller. */
export class VolumeSnapshotNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Snapshot ${id} could not be found.`)
  }
}

/** 404: networking has no port of this id for the caller, or the server does not have it. */
export class PortNotFoundError extends NotFoundError {
  constructor(message: string) {
    super(message)
  }
}

/** 404: networking has no network of this id the caller may attach to. */
export class NetworkNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Network ${id} could not be found.`)
  }
}

/** 409: the port is bound to a device already (another server, a router, DHCP). */
export class PortInUseError extends ConflictError {
  constructor(id: string) {
    super(`Port ${id} is still in use.`)
  }
}

/** 500: the server's host could not plug or unplug the interface; the server is as it was. */
export class InterfaceHotplugFailedError extends CloudError {
  constructor(message: string) {
    super(500, message)
  }
}
