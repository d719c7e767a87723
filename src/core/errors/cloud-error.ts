/** @module core/errors/cloud-error: the base of every error a service returns to a client */

/** Options every CloudError accepts. */
export interface CloudErrorOptions {
  /** The underlying error, kept for logs, never shown to the client. */
  cause?: unknown
  /** Extra response headers (for example `Retry-After`, `WWW-Authenticate`). */
  headers?: Record<string, string>
}

/**
 * An error that carries an HTTP status and a message meant for the client.
 * Domain code throws subclasses; a service's fault renderer turns them into its wire format.
 */
export class CloudError extends Error {
  readonly status: number
  readonly headers: Record<string, string>

  constructor(status: number, message: string, options: CloudErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.status = status
    this.headers = options.headers ?? {}
    this.name = new.target.name
  }
}

/** 400: the request is malformed or names a bad value. */
export class BadRequestError extends CloudError {
  constructor(message: string, options?: CloudErrorOptions) {
    super(400, message, options)
  }
}

/** 401: no valid credentials. */
export class UnauthorizedError extends CloudError {
  constructor(
    message = 'The request you have made requires authentication.',
    options?: CloudErrorOptions,
  ) {
    super(401, message, options)
  }
}

/** 403: the caller is known but may not do this. */
export class ForbiddenError extends CloudError {
  constructor(
    message = 'You are not authorized to perform the requested action.',
    options?: CloudErrorOptions,
  ) {
    super(403, message, options)
  }
}

/** 404: the resource does not exist (or is not visible to the caller). */
export class NotFoundError extends CloudError {
  constructor(message = 'The resource could not be found.', options?: CloudErrorOptions) {
    super(404, message, options)
  }
}

/** 405: the path exists but not with this method. */
export class MethodNotAllowedError extends CloudError {
  constructor(
    message = 'The method is not allowed for the requested URL.',
    options?: CloudErrorOptions,
  ) {
    super(405, message, options)
  }
}

/** 406: the requested version or media type cannot be served. */
export class NotAcceptableError extends CloudError {
  constructor(message: string, options?: CloudErrorOptions) {
    super(406, message, options)
  }
}

/** 409: the request conflicts with the resource's current state. */
export class ConflictError extends CloudError {
  constructor(message: string, options?: CloudErrorOptions) {
    super(409, message, options)
  }
}

/** 412: a precondition (If-Match, revision) failed. */
export class PreconditionFailedError extends CloudError {
  constructor(message: string, options?: CloudErrorOptions) {
    super(412, message, options)
  }
}

/** 413: the request body is larger than the service accepts, or a quota is exceeded. */
export class PayloadTooLargeError extends CloudError {
  constructor(message: string, options?: CloudErrorOptions) {
    super(413, message, options)
  }
}

/** 415: the body's media type is not one the route accepts. */
export class UnsupportedMediaTypeError extends CloudError {
  constructor(message: string, options?: CloudErrorOptions) {
    super(415, message, options)
  }
}

/** 501: the operation exists in the API but this deployment does not implement it. */
export class NotImplementedError extends CloudError {
  constructor(message: string, options?: CloudErrorOptions) {
    super(501, message, options)
  }
}

/** 503: the service is not ready or a dependency is unavailable. */
export class ServiceUnavailableError extends CloudError {
  constructor(message: string, options?: CloudErrorOptions) {
    super(503, message, options)
  }
}

/** 500: an unexpected failure. The message shown to the client is generic. */
export class InternalError extends CloudError {
  constructor(
    message = 'An unexpected error prevented the server from fulfilling your request.',
    options?: CloudErrorOptions,
  ) {
    super(500, message, options)
  }
}

/** True when `value` is a CloudError (also across module copies). */
export function isCloudError(value: unknown): value is CloudError {
  return value instanceof CloudError
}
