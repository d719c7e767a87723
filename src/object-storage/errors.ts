/** @module object-storage/errors: the errors object storage returns, with Swift's statuses */
import { CloudError } from '../core/errors/index.js'

const MESSAGES: Record<number, string> = {
  400: 'Bad request.',
  401: 'This server could not verify that you are authorized to access the document you requested.',
  403: 'Access was denied to this resource.',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
  411: 'Length Required.',
  412: 'A precondition for this request was not met.',
  413: 'The body of your request was too large for this server.',
  416: 'The Range requested is not available.',
  422: 'The provided data did not match the checksum.',
  503: 'The server is currently unavailable. Please try again at a later time.',
}

/** An error with Swift's status and wording; `detail` replaces the stock sentence. */
export class SwiftError extends CloudError {
  constructor(status: number, detail?: string, headers?: Record<string, string>) {
    super(status, detail ?? MESSAGES[status] ?? 'Error.', headers ? { headers } : {})
  }
}

/** 503: fewer devices than a quorum accepted a write. */
export class QuorumError extends CloudError {
  constructor(what: string) {
    super(503, `Not enough storage devices accepted the ${what}.`)
  }
}
