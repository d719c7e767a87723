/** @module core/faults/compute-fault: Nova's and Cinder's `{"itemNotFound": {code, message}}` */
import { jsonFault, type FaultRenderer } from './fault.js'

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'notAcceptable',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
}

/** The fault key Nova uses for a status. */
export function computeFaultName(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault'
}

/** Renders errors as Nova and Cinder do. */
export const renderComputeFault: FaultRenderer = (error) =>
  jsonFault(error, {
    [computeFaultName(error.status)]: { code: error.status, message: error.message },
  })
