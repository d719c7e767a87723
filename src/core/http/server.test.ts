/** @module core/http/server.test: the listener accepts every method of HTTP_METHODS */
import { afterEach, describe, expect, it } from 'vitest'
import pino from 'pino'
import { createHttpServer, type HttpServer } from './server.js'

let server: HttpServer | undefined

afterEach(async () => {
  await server?.app.close()
  server = undefined
})

describe('createHttpServer', () => {
  it('routes COPY requests, as Swift clients send them', async () => {
    server = createHttpServer({ logger: pino({ level: 'silent' }) })
    server.app.route({
      method: 'COPY',
      url: '/thing',
      handler: async (request) => ({ destination: request.headers['destination'] }),
    })
    const response = await server.app.inject({
      method: 'COPY' as never,
      url: '/thing',
      headers: { destination: 'c/o' },
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ destination: 'c/o' })
  })
})
