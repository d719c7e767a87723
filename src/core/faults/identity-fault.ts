/** @module core/faults/identity-fault: Keystone's `{"error": {code, title, message}}` */
import { jsonFault, reasonPhrase, type FaultRenderer } from './fault.js'

/** Renders errors as Keystone does. */
export const renderIdentityFault: FaultRenderer = (error) =>
  jsonFault(error, {
    error: { code: error.status, title: reasonPhrase(error.status), message: error.message },
  })
