/** @module clients/errors: failures of calls to another service */
import { CloudError } from '../core/errors/index.js'

/** Another service answered with an error; `status` is its HTTP status. */
export class ServiceCallError extends CloudError {
  constructor(
    readonly service: string,
    status: number,
    message: string,
  ) {
    super(status, `${service} answered ${status}: ${message}`)
  }
}
