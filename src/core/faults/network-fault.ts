/** @module core/faults/network-fault: Neutron's `{"NeutronError": {type, message, detail}}` */
import type { CloudError } from '../errors/index.js'
import { jsonFault, type FaultRenderer } from './fault.js'

const GENERIC_TYPES: Record<number, string> = {
  400: 'HTTPBadRequest',
  401: 'HTTPUnauthorized',
  403: 'HTTPForbidden',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  409: 'HTTPConflict',
  412: 'HTTPPreconditionFailed',
  413: 'HTTPRequestEntityTooLarge',
  415: 'HTTPUnsupportedMediaType',
}

/** The Neutron type of an error: its class name without `Error` (NetworkNotFoundError -> NetworkNotFound). */
export function networkFaultType(error: CloudError): string {
  const name = error.name.replace(/Error$/, '')
  if (
    name === '' ||
    name === 'Cloud' ||
    /^(BadRequest|NotFound|Conflict|Forbidden|Unauthorized)$/.test(name)
  ) {
    return GENERIC_TYPES[error.status] ?? 'HTTPInternalServerError'
  }
  return name
}

/** Renders errors as Neutron does. */
export const renderNetworkFault: FaultRenderer = (error) =>
  jsonFault(error, {
    NeutronError: { type: networkFaultType(error), message: error.message, detail: '' },
  })
