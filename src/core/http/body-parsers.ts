/** @module core/http/body-parsers: JSON bodies with clear errors for empty and malformed input */
import type { FastifyInstance } from 'fastify'
import { BadRequestError } from '../errors/index.js'

/** Parses a JSON body; an empty body is `undefined`, a malformed one a 400 that says why. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new BadRequestError(`Malformed request body: ${reason}`)
  }
}

/** Replaces Fastify's JSON parser in a scope with one that follows the rules above. */
export function installBodyParsers(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json')
  scope.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json(;.*)?$/,
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string))
      } catch (error) {
        done(error as Error, undefined)
      }
    },
  )
}
