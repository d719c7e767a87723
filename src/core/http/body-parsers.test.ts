/** @module core/http/body-parsers.test */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { BadRequestError, isCloudError } from '../errors/index.js'
import { installBodyParsers, parseJsonBody } from './body-parsers.js'

describe('parseJsonBody', () => {
  it('parses JSON', () => {
    expect(parseJsonBody('{"a": [1, true, null]}')).toEqual({ a: [1, true, null] })
    expect(parseJsonBody('"text"')).toBe('text')
  })

  it('reads an empty or blank body as undefined', () => {
    expect(parseJsonBody('')).toBeUndefined()
    expect(parseJsonBody(' \n\t')).toBeUndefined()
  })

  it('refuses malformed JSON with a 400 that says why', () => {
    let error: unknown
    try {
      parseJsonBody('{"a": ')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(BadRequestError)
    expect((error as BadRequestError).status).toBe(400)
    expect((error as Error).message).toMatch(/^Malformed request body: .*JSON/)
  })
})

describe('installBodyParsers', () => {
  let app: FastifyInstance | undefined

  afterEach(async () => {
    await app?.close()
    app = undefined
  })

  /** A listener echoing the parsed body, and the status and message of any error. */
  async function echo(): Promise<FastifyInstance> {
    app = Fastify()
    installBodyParsers(app)
    app.setErrorHandler((error: FastifyError | BadRequestError, _request, reply) => {
      const status = isCloudError(error) ? error.status : (error.statusCode ?? 500)
      return reply.code(status).send({ message: error.message })
    })
    app.post('/', async (request) => ({ body: request.body ?? 'none' }))
    await app.ready()
    return app
  }

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/vnd.openstack.identity-v3+json',
    'application/json-patch+json',
  ])('parses %s bodies as JSON', async (type) => {
    const response = await (
      await echo()
    ).inject({ method: 'POST', url: '/', headers: { 'content-type': type }, payload: '{"x":1}' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ body: { x: 1 } })
  })

  it('lets an empty JSON body through as no body', async () => {
    const response = await (
      await echo()
    ).inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' } })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ body: 'none' })
  })

  it('answers malformed JSON with 400 and the parser message', async () => {
    const response = await (
      await echo()
    ).inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/json' },
      payload: '{"x":',
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toMatch(/^Malformed request body/)
  })

  it('leaves media types that are not JSON to other parsers', async () => {
    const response = await (
      await echo()
    ).inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/jsonx' },
      payload: '{"x":1}',
    })
    expect(response.statusCode).toBe(415)
  })
})
