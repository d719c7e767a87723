/** @module block-storage/errors: the block storage service's typed errors (Cinder's messages) */
import {
  BadRequestError,
  ConflictError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
} from '../core/errors/index.js'

/** 404: no volume with this id is visible to the caller. */
export class VolumeNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Volume ${id} could not be found.`)
  }
}

/** 404: no snapshot with this id is visible to the caller. */
export class SnapshotNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Snapshot ${id} could not be found.`)
  }
}

/** 404: no volume type with this id or name is visible to the caller. */
export class VolumeTypeNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Volume type ${id} could not be found.`)
  }
}

/** 404: no attachment with this id. */
export class AttachmentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`VolumeAttachment ${id} could not be found.`)
  }
}

/** 404: a metadata key is not set. */
export class MetadataKeyNotFoundError extends NotFoundError {
  constructor(owner: 'Volume' | 'Snapshot', id: string, key: string) {
    super(`${owner} ${id} has no metadata with key ${key}.`)
  }
}

/** 500: the volume's backend could not set up or end a connection (Cinder's VolumeBackendAPIException). */
export class VolumeBackendError extends InternalError {
  constructor(reason: string) {
    super(`Bad or unexpected response from the storage volume backend API: ${reason}`)
  }
}

/** 400: a request value Cinder's validation refuses. */
export class InvalidInputError extends BadRequestError {
  constructor(reason: string) {
    super(`Invalid input received: ${reason}`)
  }
}

/** 400: the volume's status does not allow the operation (Cinder's InvalidVolume is a 400). */
export class InvalidVolumeError extends BadRequestError {
  constructor(reason: string) {
    super(`Invalid volume: ${reason}`)
  }
}

/** 400: the snapshot's status does not allow the operation. */
export class InvalidSnapshotError extends BadRequestError {
  constructor(reason: string) {
    super(`Invalid snapshot: ${reason}`)
  }
}

/** 409: a volume type of this name exists. */
export class VolumeTypeExistsError extends ConflictError {
  constructor(name: string) {
    super(`Volume Type ${name} already exists.`)
  }
}

/** 400: the volume type is in use or is the default. */
export class VolumeTypeInUseError extends BadRequestError {
  constructor(id: string, why: string) {
    super(`Volume type ${id} ${why}.`)
  }
}

/** 413: a quota would be exceeded (Cinder answers 413 overLimit). */
export class VolumeQuotaExceededError extends PayloadTooLargeError {
  constructor(message: string) {
    super(message)
  }
}

/** 404: a message id unknown to the caller. */
export class MessageNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Message ${id} could not be found.`)
  }
}

/** 404: no pending transfer with this id is visible to the caller. */
export class TransferNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Transfer ${id} could not be found.`)
  }
}

/** 400: the auth key given to accept a transfer is not the transfer's. */
export class InvalidAuthKeyError extends BadRequestError {
  constructor(transferId: string) {
    super(`Invalid auth key: Attempt to transfer ${transferId} with invalid auth key.`)
  }
}

/** 404: no QoS specs with this id. */
export class QosSpecsNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`No such QoS spec ${id}.`)
  }
}

/** 404: a key the QoS specs do not have. */
export class QosSpecsKeyNotFoundError extends NotFoundError {
  constructor(id: string, key: string) {
    super(`QoS spec ${key} is not found in QoS specs ${id}.`)
  }
}

/** 409: QoS specs of this name exist. */
export class QosSpecsExistsError extends ConflictError {
  constructor(name: string) {
    super(`QoS Specs ${name} already exists.`)
  }
}

/** 400: QoS specs still associated with volume types (delete without force). */
export class QosSpecsInUseError extends BadRequestError {
  constructor(id: string) {
    super(`QoS Specs ${id} is still associated with entities.`)
  }
}

/** 400: a volume type cannot take the change (already associated with other QoS specs). */
export class InvalidVolumeTypeError extends BadRequestError {
  constructor(reason: string) {
    super(`Invalid volume type: ${reason}`)
  }
}

/** 404: no group type with this id or name. */
export class GroupTypeNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Group type ${id} could not be found.`)
  }
}

/** 404: a group spec key the group type does not have. */
export class GroupTypeSpecNotFoundError extends NotFoundError {
  constructor(id: string, key: string) {
    super(`Group Type ${id} has no specs with key ${key}.`)
  }
}

/** 409: a group type of this name exists. */
export class GroupTypeExistsError extends ConflictError {
  constructor(name: string) {
    super(`Group Type ${name} already exists.`)
  }
}

/** 400: a group type still used by groups. */
export class GroupTypeInUseError extends BadRequestError {
  constructor(id: string) {
    super(`Group Type ${id} deletion is not allowed with groups present with the type.`)
  }
}

/** 404: no group with this id is visible to the caller. */
export class GroupNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Group ${id} could not be found.`)
  }
}

/** 400: the group's state or content does not allow the operation. */
export class InvalidGroupError extends BadRequestError {
  constructor(reason: string) {
    super(`Invalid Group: ${reason}`)
  }
}

/** 404: no group snapshot with this id is visible to the caller. */
export class GroupSnapshotNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`GroupSnapshot ${id} could not be found.`)
  }
}

/** 400: the group snapshot's state does not allow the operation. */
export class InvalidGroupSnapshotError extends BadRequestError {
  constructor(reason: string) {
    super(`Invalid GroupSnapshot: ${reason}`)
  }
}

/** 400: a volume type already has an encryption. */
export class VolumeTypeEncryptionExistsError extends BadRequestError {
  constructor(typeId: string) {
    super(`Volume type encryption for type ${typeId} already exists.`)
  }
}

/** 404: a volume type has no encryption (or not the asked spec of it). */
export class VolumeTypeEncryptionNotFoundError extends NotFoundError {
  constructor(typeId: string) {
    super(`Volume type encryption for type ${typeId} does not exist.`)
  }
}

/** 400: a type's encryption cannot change while volumes of the type exist. */
export class VolumeTypeEncryptionInUseError extends BadRequestError {
  constructor(verb: 'create' | 'update' | 'delete') {
    super(`Cannot ${verb} encryption specs. Volume type in use.`)
  }
}

/** 404: a volume has no image metadata with the key to remove. */
export class ImageMetadataNotFoundError extends NotFoundError {
  constructor(volumeId: string) {
    super(`Glance metadata for volume/snapshot ${volumeId} cannot be found.`)
  }
}

/** 404: no such (enabled) service on a host. */
export class ServiceNotFoundError extends NotFoundError {
  constructor(binary: string, host: string) {
    super(`Service ${binary} could not be found on host ${host}.`)
  }
}
