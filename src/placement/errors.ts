/** @module placement/errors: the placement service's typed errors */
import { ConflictError, NotFoundError } from '../core/errors/index.js'

/** 404: no resource provider with this uuid. */
export class ResourceProviderNotFoundError extends NotFoundError {
  constructor(uuid: string) {
    super(`No resource provider with uuid ${uuid} found`)
  }
}

/** 409: the provider or consumer changed since the caller read its generation. */
export class GenerationConflictError extends ConflictError {
  constructor(what: string) {
    super(`${what} generation conflict: another process changed it. Please retry your update`)
  }
}

/** 409: the allocations do not fit the providers' inventories. */
export class InsufficientCapacityError extends ConflictError {
  constructor(detail: string) {
    super(`Unable to allocate inventory: ${detail}`)
  }
}

/** 404: no trait of this name. */
export class TraitNotFoundError extends NotFoundError {
  constructor(name: string) {
    super(`No such trait(s): ${name}.`)
  }
}

/** 409: a trait still held by a resource provider cannot be deleted. */
export class TraitInUseError extends ConflictError {
  constructor(name: string) {
    super(`The trait ${name} is in use by a resource provider.`)
  }
}

/** 409: a provider with this name or uuid exists. */
export class ResourceProviderExistsError extends ConflictError {
  constructor(what: string) {
    super(`Conflicting resource provider ${what} already exists.`)
  }
}
