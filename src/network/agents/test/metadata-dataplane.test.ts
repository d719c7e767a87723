/** @module network/agents/test/metadata-dataplane.test: guests in namespaces reach 169.254.169.254 through their router or their isolated network's DHCP namespace */
import { createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { listNetns } from '../../../core/sys/netns.js'
import { nftListTables } from '../../../core/sys/nft.js'
import { dhcpNamespace, routerNamespace } from '../../rpc/device-names.js'
import { REMOTE_ERROR } from '../metadata/metadata-forwarding.js'
import {
  createDataplaneFixture,
  dataplaneUnavailable,
  type DataplaneFixture,
  type Guest,
  type Json,
} from './dataplane-fixture.js'

const reason = await dataplaneUnavailable([
  'busybox',
  '/usr/sbin/dnsmasq',
  'nft',
  '/usr/sbin/haproxy',
  'curl',
])
const SECRET = 'dataplane-metadata-secret'
const PORT = 21_000 + Math.floor(Math.random() * 900)

/** A stand-in for the compute metadata API that checks the proxy's signature as Nova does. */
function metadataApi(seen: IncomingHttpHeaders[]): Server {
  return createServer((req, res) => {
    seen.push(req.headers)
    const id = String(req.headers['x-instance-id'] ?? '')
    const signature = createHmac('sha256', SECRET).update(id).digest('hex')
    if (!id || req.headers['x-instance-id-signature'] !== signature) {
      res.writeHead(403, { 'content-type': 'text/plain' })
      res.end('bad signature')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ uuid: id, name: `name-of-${id}`, path: req.url }))
  })
}

const fixedIp = (port: Json): string =>
  String((port['fixed_ips'] as { ip_address: string }[])[0]?.ip_address)

describe.skipIf(reason !== undefined)(
  `metadata proxy on this host's data plane${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let dp: DataplaneFixture
    let api: Server
    const seen: IncomingHttpHeaders[] = []
    const ids: Record<string, string> = {}
    const ports: Record<string, Json> = {}
    const guests: Record<string, Guest> = {}

    const listen = async () => {
      api = metadataApi(seen)
      await new Promise<void>((resolve) => api.listen(PORT, '127.0.0.1', resolve))
    }
    beforeAll(async () => {
      await listen()
      dp = await createDataplaneFixture({
        metadata: { url: `http://127.0.0.1:${PORT}`, secret: SECRET },
      })
    }, 60_000)
    afterAll(async () => {
      await dp?.close()
      api?.closeAllConnections()
      api?.close()
    }, 60_000)

    const network = async (name: string, cidr: string): Promise<string> => {
      const net = await dp.create('networks', 'network', { name })
      ids[name] = String(net['id'])
      const sub = await dp.create('subnets', 'subnet', {
        network_id: ids[name],
        cidr,
        ip_version: 4,
      })
      ids[`${name}-subnet`] = String(sub['id'])
      return ids[name]
    }
    const guest = async (name: string, networkId: string, owner = 'compute:nova') => {
      const port = await dp.create('ports', 'port', {
        network_id: networkId,
        'binding:host_id': dp.host,
        device_owner: owner,
        device_id: `server-${name}`,
      })
      ports[name] = port
      guests[name] = await dp.plugGuest(port)
      return guests[name]
    }
    const fetchMetadata = async (from: Guest, headers: string[] = []) => {
      const out = await from.run('curl', [
        '-s',
        '-m',
        '10',
        ...headers.flatMap((h) => ['-H', h]),
        '-w',
        '\n%{http_code}',
        'http://169.254.169.254/openstack/latest/meta_data.json',
      ])
      const at = out.stdout.lastIndexOf('\n')
      return { status: Number(out.stdout.slice(at + 1)), body: out.stdout.slice(0, at) }
    }
    it('routes an isolated network guest to 169.254.169.254 through the DHCP port and answers with its server', async () => {
      const networkId = await network('md-isolated', '10.93.0.0/24')
      const g = await guest('iso', networkId)
      await dp.settle()
      const lease = await g.dhcp()
      expect(lease['ip']).toBe(fixedIp(ports['iso'] as Json))
      expect(lease['routes']).toMatch(
        /^169\.254\.169\.254\/32 10\.93\.0\.\d+ 0\.0\.0\.0\/0 10\.93\.0\.1$/,
      )
      expect(dp.dhcp.metadataProxyPid(networkId)).toBeDefined()
      const answer = await fetchMetadata(g, [
        'X-Instance-ID: someone-else',
        'X-Forwarded-For: 1.2.3.4',
      ])
      expect(answer.status, answer.body).toBe(200)
      expect(JSON.parse(answer.body)).toMatchObject({
        uuid: 'server-iso',
        name: 'name-of-server-iso',
        path: '/openstack/latest/meta_data.json',
      })
      expect(seen.at(-1)).toMatchObject({
        'x-instance-id': 'server-iso',
        'x-tenant-id': String(ports['iso']?.['project_id']),
        'x-forwarded-for': fixedIp(ports['iso'] as Json),
      })
      const busybox = await g.run('busybox', [
        'wget',
        '-q',
        '-O',
        '-',
        'http://169.254.169.254/openstack/latest/meta_data.json',
      ])
      expect(busybox.stdout).toContain('"uuid":"server-iso"')
    }, 90_000)

    it('lists the metadata agent of the host among the agents', async () => {
      const res = await dp.request({
        method: 'GET',
        url: '/v2.0/agents',
      })
      expect(res.statusCode, res.body).toBe(200)
      const agents = (res.json() as { agents: Json[] }).agents
      expect(
        agents.find((a) => a['host'] === dp.host && a['agent_type'] === 'Metadata agent'),
      ).toMatchObject({
        agent_type: 'Metadata agent',
        binary: 'nimbus-metadata-agent',
        alive: true,
      })
    })

    it('answers 404 in plain text to a guest whose port is not a server', async () => {
      const g = await guest('plain', ids['md-isolated'] as string, '')
      await dp.settle()
      await g.dhcp()
      const answer = await fetchMetadata(g)
      expect(answer.status).toBe(404)
      expect(answer.body).toContain('404 Not Found')
    }, 60_000)

    it('serves a routed network through its router, not its DHCP namespace', async () => {
      const networkId = await network('md-routed', '10.94.0.0/24')
      const router = await dp.create('routers', 'router', { name: 'md-router' })
      ids['router'] = String(router['id'])
      const res = await dp.request({
        method: 'PUT',
        url: `/v2.0/routers/${ids['router']}/add_router_interface`,
        payload: { subnet_id: ids['md-routed-subnet'] },
      })
      expect(res.statusCode, res.body).toBe(200)
      const g = await guest('routed', networkId)
      await dp.settle()
      await dp.settle()
      const lease = await g.dhcp()
      expect(lease['routes']).toBe('')
      expect(lease['router']).toBe('10.94.0.1')
      expect(dp.dhcp.metadataProxyPid(networkId)).toBeUndefined()
      expect(dp.l3.metadataProxyPid(ids['router'])).toBeDefined()
      const tables = await nftListTables({ netns: routerNamespace(ids['router']) })
      expect(tables).toContain('ip nimbus-metadata')
      const answer = await fetchMetadata(g)
      expect(answer.status, answer.body).toBe(200)
      expect(JSON.parse(answer.body)).toMatchObject({ uuid: 'server-routed' })
      // the proxy's own port is closed to anything not redirected from 169.254.169.254
      const direct = await g.run('curl', ['-s', '-m', '3', 'http://10.94.0.1:9697/']).then(
        (r) => r.code,
        () => 'timed out',
      )
      expect(direct).not.toBe(0)
    }, 90_000)

    it('answers 500 while the compute metadata API is down, then serves again', async () => {
      await new Promise<void>((resolve) => {
        api.closeAllConnections()
        api.close(() => resolve())
      })
      const down = await fetchMetadata(guests['routed'] as Guest)
      expect(down.status).toBe(500)
      expect(down.body).toContain(REMOTE_ERROR)
      await listen()
      expect((await fetchMetadata(guests['routed'] as Guest)).status).toBe(200)
    }, 60_000)

    it('restarts a proxy that dies and keeps one proxy per namespace across agent restarts', async () => {
      const routerId = ids['router'] as string
      const networkId = ids['md-isolated'] as string
      const before = dp.l3.metadataProxyPid(routerId) as number
      process.kill(before, 'SIGKILL')
      const deadline = Date.now() + 10_000
      while ((dp.l3.metadataProxyPid(routerId) ?? before) === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(dp.l3.metadataProxyPid(routerId)).not.toBe(before)
      await dp.restartL3Agent()
      await dp.restartDhcpAgent()
      await dp.settle()
      const configs = await exec('sh', ['-c', 'ps -eo args | grep "[h]aproxy -db -f"'], {
        okCodes: [0, 1],
      })
      const forRouter = configs.stdout.split('\n').filter((l) => l.includes(`/${routerId}/`))
      const forNetwork = configs.stdout.split('\n').filter((l) => l.includes(`/${networkId}/`))
      expect(forRouter).toHaveLength(1)
      expect(forNetwork).toHaveLength(1)
      expect((await fetchMetadata(guests['routed'] as Guest)).status).toBe(200)
      expect((await fetchMetadata(guests['iso'] as Guest)).status).toBe(200)
    }, 90_000)

    it('moves the proxy to the DHCP namespace when the router leaves and ends every proxy with its resource', async () => {
      const routerId = ids['router'] as string
      const routedId = ids['md-routed'] as string
      const res = await dp.request({
        method: 'PUT',
        url: `/v2.0/routers/${routerId}/remove_router_interface`,
        payload: { subnet_id: ids['md-routed-subnet'] },
      })
      expect(res.statusCode, res.body).toBe(200)
      await dp.settle()
      // the network is isolated now: its DHCP namespace serves metadata and hands out the route
      expect(dp.dhcp.metadataProxyPid(routedId)).toBeDefined()
      const lease = await (guests['routed'] as Guest).dhcp()
      expect(lease['routes']).toMatch(/^169\.254\.169\.254\/32 /)
      expect((await fetchMetadata(guests['routed'] as Guest)).status).toBe(200)
      const del = async (url: string) => {
        const out = await dp.request({ method: 'DELETE', url })
        expect(out.statusCode, `${url}: ${out.body}`).toBeLessThan(300)
      }
      await del(`/v2.0/routers/${routerId}`)
      for (const name of ['iso', 'plain', 'routed'])
        await del(`/v2.0/ports/${String(ports[name]?.['id'])}`)
      for (const name of ['md-isolated', 'md-routed']) await del(`/v2.0/networks/${ids[name]}`)
      await dp.settle()
      await dp.settle()
      const namespaces = await listNetns()
      expect(namespaces).not.toContain(routerNamespace(routerId))
      expect(namespaces).not.toContain(dhcpNamespace(routedId))
      const left = await exec('sh', ['-c', 'ps -eo args | grep "[h]aproxy -db -f"'], {
        okCodes: [0, 1],
      })
      for (const id of [routerId, routedId, ids['md-isolated'] as string]) {
        expect(left.stdout).not.toContain(id)
      }
    }, 90_000)
  },
)
