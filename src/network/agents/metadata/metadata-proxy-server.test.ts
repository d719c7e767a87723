import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../core/log/index.js'
import type { GuestLookup } from './guest-lookup.js'
import { REMOTE_ERROR, signInstanceId } from './metadata-forwarding.js'
import {
  metadataApiUrl,
  startMetadataProxyServer,
  upstreamUrl,
  type MetadataProxyServer,
} from './metadata-proxy-server.js'

interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

const lookup: GuestLookup = {
  async find(query) {
    if (query.address === '10.0.0.66') throw new Error('network server unreachable')
    if (query.routerId !== 'r1' || query.address !== '10.0.0.5') return undefined
    return { instanceId: 'uuid-1', projectId: 'p1', address: query.address }
  },
}

async function upstream(
  answer: (seen: Seen, res: import('node:http').ServerResponse) => void,
): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const one = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      seen.push(one)
      answer(one, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return { server, url: `http://127.0.0.1:${port}`, seen }
}

function ask(
  socketPath: string,
  path: string,
  headers: Record<string, string>,
  options: { method?: string; body?: string } = {},
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: options.method ?? 'GET', headers }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body,
        }),
      )
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const fromGuest = {
  'x-neutron-router-id': 'r1',
  'x-forwarded-for': '10.0.0.5',
}

describe('metadata proxy server', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const done of cleanups.splice(0).reverse()) await done()
  })

  const start = async (metadataUrl: string, timeoutMs?: number): Promise<MetadataProxyServer> => {
    const dir = await mkdtemp(join(tmpdir(), 'b2-metadata-'))
    const proxy = await startMetadataProxyServer({
      socketPath: join(dir, 'proxy.sock'),
      metadataUrl,
      secret: 's3cret',
      lookup,
      logger: silentLogger(),
      ...(timeoutMs ? { timeoutMs } : {}),
    })
    cleanups.push(async () => {
      await proxy.close()
      await rm(dir, { recursive: true, force: true })
    })
    return proxy
  }

  it('forwards with signed headers, drops what the guest sent and passes the answer through', async () => {
    const api = await upstream((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"uuid": "uuid-1"}')
    })
    cleanups.push(async () => void api.server.close())
    const proxy = await start(`${api.url}/`)
    const answer = await ask(proxy.socketPath, '/openstack/latest/meta_data.json?x=1', {
      ...fromGuest,
      'x-instance-id': 'someone-else',
      'x-instance-id-signature': 'forged',
      'x-tenant-id': 'other',
      cookie: 'a=b',
    })
    expect(answer).toEqual({ status: 200, type: 'application/json', body: '{"uuid": "uuid-1"}' })
    const [seen] = api.seen
    expect(seen?.url).toBe('/openstack/latest/meta_data.json?x=1')
    expect(seen?.headers).toMatchObject({
      'x-instance-id': 'uuid-1',
      'x-tenant-id': 'p1',
      'x-forwarded-for': '10.0.0.5',
      'x-instance-id-signature': signInstanceId('s3cret', 'uuid-1'),
    })
    expect(seen?.headers['cookie']).toBeUndefined()
    expect(seen?.headers['x-neutron-router-id']).toBeUndefined()
  })

  it('passes a POST body on (the password path)', async () => {
    const api = await upstream((_, res) => res.end(''))
    cleanups.push(async () => void api.server.close())
    const proxy = await start(api.url)
    const answer = await ask(proxy.socketPath, '/openstack/latest/password', fromGuest, {
      method: 'POST',
      body: 'secret-password',
    })
    expect(answer.status).toBe(200)
    expect(api.seen[0]).toMatchObject({ method: 'POST', body: 'secret-password' })
  })

  it('answers 404 in plain text for an address without a server, without asking compute', async () => {
    const api = await upstream((_, res) => res.end('nope'))
    cleanups.push(async () => void api.server.close())
    const proxy = await start(api.url)
    const answer = await ask(proxy.socketPath, '/latest/meta-data/', {
      ...fromGuest,
      'x-forwarded-for': '10.0.0.99',
    })
    expect(answer.status).toBe(404)
    expect(answer.type).toMatch(/^text\/plain/)
    expect(answer.body).toContain('The resource could not be found.')
    const unstamped = await ask(proxy.socketPath, '/latest/meta-data/', {
      'x-forwarded-for': '10.0.0.5',
    })
    expect(unstamped.status).toBe(404)
    expect(api.seen).toHaveLength(0)
  })

  it('reaches a metadata API listening on every address over loopback', () => {
    expect(metadataApiUrl('0.0.0.0', 8775)).toBe('http://127.0.0.1:8775')
    expect(metadataApiUrl('::', 8775)).toBe('http://[::1]:8775')
    expect(metadataApiUrl('192.0.2.10', 8775)).toBe('http://192.0.2.10:8775')
    expect(metadataApiUrl('127.0.0.1', 0)).toBeUndefined()
  })

  it('refuses a request target naming another host', async () => {
    expect(upstreamUrl('http://127.0.0.1:8775', 'http://evil.example/x')).toBeUndefined()
    expect(upstreamUrl('http://127.0.0.1:8775', '//evil.example/x')).toBeUndefined()
    expect(upstreamUrl('http://h:1/base/', '/latest/meta-data?a=b')?.href).toBe(
      'http://h:1/base/latest/meta-data?a=b',
    )
  })

  it('maps compute errors as Neutron does and says the remote failed on a 500', async () => {
    const api = await upstream((seen, res) => {
      res.statusCode = seen.url === '/forbidden' ? 403 : 500
      res.end('internal details')
    })
    cleanups.push(async () => void api.server.close())
    const proxy = await start(api.url)
    const forbidden = await ask(proxy.socketPath, '/forbidden', fromGuest)
    expect(forbidden.status).toBe(403)
    const failed = await ask(proxy.socketPath, '/boom', fromGuest)
    expect(failed.status).toBe(500)
    expect(failed.body).toContain(REMOTE_ERROR)
    expect(failed.body).not.toContain('internal details')
  })

  it('answers 500 when the compute metadata API is down or too slow, never hanging', async () => {
    const down = await start('http://127.0.0.1:1')
    const refused = await ask(down.socketPath, '/latest/meta-data/', fromGuest)
    expect(refused).toMatchObject({ status: 500 })
    expect(refused.body).toContain(REMOTE_ERROR)
    const slow = await upstream(() => undefined)
    cleanups.push(async () => {
      slow.server.closeAllConnections()
      slow.server.close()
    })
    const proxy = await start(slow.url, 300)
    const began = Date.now()
    const late = await ask(proxy.socketPath, '/latest/meta-data/', fromGuest)
    expect(late.status).toBe(500)
    expect(late.body).toContain(REMOTE_ERROR)
    expect(Date.now() - began).toBeLessThan(5000)
  })

  it('answers 500 when the network server cannot say who the guest is', async () => {
    const proxy = await start('http://127.0.0.1:1')
    const answer = await ask(proxy.socketPath, '/', {
      ...fromGuest,
      'x-forwarded-for': '10.0.0.66',
    })
    expect(answer.status).toBe(500)
    expect(answer.body).toContain('An unknown error has occurred')
  })
})
