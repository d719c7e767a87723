/** @module image/errors: the errors image use cases throw, worded as Glance words them */
import {
  BadRequestError,
  CloudError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../core/errors/index.js'

/** 404: no image with this id is visible to the caller. */
export class ImageNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(id === '' ? 'The resource could not be found.' : `No image found with ID ${id}`)
  }
}

/** 404: the project is not a member of the image. */
export class ImageMemberNotFoundError extends NotFoundError {
  constructor(imageId: string, memberId: string) {
    super(`${memberId} is not a member of image ${imageId}`)
  }
}

/** 404: the image has no such tag. */
export class ImageTagNotFoundError extends NotFoundError {
  constructor(tag: string) {
    super(`Tag ${tag} not found`)
  }
}

/** 403: the caller may see the image but not do this to it. */
export class ImageForbiddenError extends ForbiddenError {}

/** 403: an attribute the server maintains (status, size, checksum...) was set by the client. */
export class ImageReadOnlyAttributeError extends ForbiddenError {
  constructor(name: string) {
    super(`Attribute '${name}' is read-only.`)
  }
}

/** 403: an attribute reserved for the server's own use (deleted, os_glance_*) was set. */
export class ImageReservedAttributeError extends ForbiddenError {
  constructor(name: string) {
    super(`Attribute '${name}' is reserved.`)
  }
}

/** 409: the image's status does not allow the operation. */
export class ImageStatusConflictError extends ConflictError {}

/** 409: an image or member with this id already exists. */
export class ImageDuplicateError extends ConflictError {}

/** 400: the request is well formed but its values break Glance's rules. */
export class ImageValidationError extends BadRequestError {}

/** 413: a quota (images, bytes, properties, tags, members) or the image size cap is exceeded. */
export class ImageQuotaExceededError extends PayloadTooLargeError {}

/** 415: the body's media type is not the one the operation takes. */
export class ImageMediaTypeError extends UnsupportedMediaTypeError {}

/** 410: the image was deleted while its data was being uploaded. */
export class ImageGoneError extends CloudError {
  constructor(id: string) {
    super(
      410,
      `Image ${id} could not be found after upload. The image may have been deleted during the upload.`,
    )
  }
}

/** 416: the requested byte range lies outside the image data. */
export class ImageRangeNotSatisfiableError extends CloudError {
  constructor(size: number) {
    super(416, `Requested range not satisfiable`, {
      headers: { 'Content-Range': `bytes */${size}` },
    })
  }
}

/** 400: an upload ended before all its bytes arrived (client disconnect or short body). */
export class ImageUploadIncompleteError extends BadRequestError {}

/** 409: a JSON Patch replaces or removes an extra property the image does not have. */
export class ImagePropertyMissingError extends ConflictError {
  constructor(name: string) {
    super(`Property ${name} does not exist.`)
  }
}
