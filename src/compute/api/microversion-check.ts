/** @module compute/api/microversion-check: answers a bad microversion with 400/406 in the service's fault format */
import type { FastifyInstance } from 'fastify'
import { CloudError } from '../../core/errors/index.js'
import {
  MicroversionError,
  negotiateMicroversion,
  type MicroversionOptions,
} from '../../core/http/index.js'

/**
 * Negotiates once in an onRequest hook, so a malformed (400) or unsupported (406) version reaches
 * the fault renderer as the CloudError it is rather than as an unexpected error (core's route
 * handler negotiates again, after this has passed).
 */
export function microversionCheck(options: MicroversionOptions) {
  return (scope: FastifyInstance): void => {
    scope.addHook('onRequest', async (request) => {
      try {
        negotiateMicroversion(request.headers, options)
      } catch (error) {
        if (error instanceof MicroversionError) throw new CloudError(error.status, error.message)
        throw error
      }
    })
    // Nova names the request id in its own header too; clients (and Tempest) read it there.
    scope.addHook('onSend', async (request, reply) => {
      reply.header('x-compute-request-id', request.id)
    })
  }
}
