/** @module network/agents/test/recovery.test: a host's agents killed with SIGKILL mid-update converge after a restart, and deleting everything leaves the host as it was */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { listNetns, netnsUnavailableReason } from '../../../core/sys/netns.js'
import { nftListTables } from '../../../core/sys/nft.js'
import { dhcpNamespace, routerInterfaceName, routerNamespace } from '../../rpc/device-names.js'
import type { Json } from './dataplane-fixture.js'
import {
  brokerUnavailable,
  createMultiHostFixture,
  waitFor,
  type AgentHost,
  type HostGuest,
  type MultiHostFixture,
} from './multi-host-fixture.js'

async function unavailable(): Promise<string | undefined> {
  const reason = (await netnsUnavailableReason()) ?? (await brokerUnavailable())
  if (reason) return reason
  for (const program of ['busybox', '/usr/sbin/dnsmasq', 'nft']) {
    const found = await exec('sh', ['-c', `command -v ${program}`], { okCodes: [0, 1, 127] })
    if (found.code !== 0) return `${program} is not installed (scripts/debian-packages.txt)`
  }
  return undefined
}

const reason = await unavailable()

const fixedIp = (port: Json): string =>
  String((port['fixed_ips'] as { ip_address: string }[])[0]?.ip_address)

/** What a host holds: namespaces (the machine's), its links and nft tables, our dnsmasq processes. */
interface Snapshot {
  namespaces: string[]
  links: string[]
  tables: string[]
  dnsmasq: number[]
}

describe.skipIf(reason !== undefined)(
  `network agents killed with SIGKILL${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let mh: MultiHostFixture
    let host: AgentHost
    let before: Snapshot
    const ids: Record<string, string> = {}
    const ports: Record<string, Json> = {}
    const guests: Record<string, HostGuest> = {}
    let publicGateway = ''

    const snapshot = async (): Promise<Snapshot> => ({
      namespaces: await listNetns(),
      links: (await exec('ip', ['-n', host.netns, '-br', 'link'])).stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(/\s+/)[0] ?? '')
        .sort(),
      tables: (await nftListTables({ netns: host.netns })).sort(),
      dnsmasq: await mh.dnsmasqPids(),
    })
    /** Namespaces named after this test's resources (other clouds on the machine come and go). */
    const ours = (names: string[]) =>
      names.filter((n) => n.includes(mh.tag) || Object.values(ids).some((id) => n.endsWith(id)))
    const api = async (method: 'PUT' | 'DELETE', url: string, payload?: Json) => {
      const res = await mh.request({ method, url: `/v2.0/${url}`, ...(payload ? { payload } : {}) })
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300)
    }
    const port = async (name: string, networkId: string) => {
      const made = await mh.create('ports', 'port', {
        network_id: networkId,
        name: `d2-${name}`,
        'binding:host_id': host.name,
        device_owner: 'compute:nova',
        device_id: `server-${name}`,
      })
      ports[name] = made
      ids[`port-${name}`] = String(made['id'])
      return made
    }
    const portStatus = async (name: string) =>
      (
        (await mh.request({ method: 'GET', url: `/v2.0/ports/${ids[`port-${name}`]}` })).json() as {
          port: Json
        }
      ).port['status']
    const converged = async (): Promise<boolean> => {
      const namespaces = await listNetns()
      const wanted = [
        dhcpNamespace(ids['net1'] as string),
        dhcpNamespace(ids['net2'] as string),
        routerNamespace(ids['router'] as string),
      ]
      if (!wanted.every((n) => namespaces.includes(n))) return false
      if ((await mh.dnsmasqPids()).length !== 2) return false
      const inRouter = (
        await exec('ip', ['-n', routerNamespace(ids['router'] as string), '-br', 'link'])
      ).stdout
      if (!ids['routerPorts']?.split(',').every((p) => inRouter.includes(routerInterfaceName(p))))
        return false
      if (!inRouter.includes('qg-')) return false
      return (await portStatus('a')) === 'ACTIVE' && (await portStatus('b')) === 'ACTIVE'
    }

    beforeAll(async () => {
      mh = await createMultiHostFixture()
      host = await mh.addHost(['l2', 'dhcp', 'l3'])
      await host.start()
      // the host with idle agents: what it must come back to
      before = await snapshot()
    }, 120_000)
    afterAll(async () => {
      await mh?.close()
    }, 60_000)

    it('converges after the agents die with SIGKILL while networks, subnets and a router are built', async () => {
      const net1 = await mh.create('networks', 'network', { name: 'd2-rec1' })
      const net2 = await mh.create('networks', 'network', { name: 'd2-rec2' })
      ids['net1'] = String(net1['id'])
      ids['net2'] = String(net2['id'])
      const subnets: string[] = []
      for (const [net, cidr] of [
        [ids['net1'], '10.95.1.0/24'],
        [ids['net2'], '10.95.2.0/24'],
      ] as const) {
        const made = await mh.create('subnets', 'subnet', {
          network_id: net,
          cidr,
          ip_version: 4,
        })
        subnets.push(String(made['id']))
      }
      guests['a'] = await mh.plugGuest(host, await port('a', ids['net1']))
      guests['b'] = await mh.plugGuest(host, await port('b', ids['net2']))
      const publics = await mh.request({ method: 'GET', url: '/v2.0/networks?name=public' })
      const publicId = String((publics.json() as { networks: Json[] }).networks[0]?.['id'])
      const router = await mh.create('routers', 'router', {
        name: 'd2-rec-router',
        external_gateway_info: { network_id: publicId },
      })
      ids['router'] = String(router['id'])
      const publicSubnets = await mh.request({
        method: 'GET',
        url: `/v2.0/subnets?network_id=${publicId}`,
      })
      publicGateway = String(
        (publicSubnets.json() as { subnets: Json[] }).subnets[0]?.['gateway_ip'],
      )
      // the agents are building the DHCP services when they die
      await waitFor('a dnsmasq to start', async () => (await mh.dnsmasqPids()).length > 0)
      await host.kill()
      const routerPorts: string[] = []
      for (const subnetId of subnets) {
        const res = await mh.request({
          method: 'PUT',
          url: `/v2.0/routers/${ids['router']}/add_router_interface`,
          payload: { subnet_id: subnetId },
        })
        expect(res.statusCode).toBe(200)
        routerPorts.push(String((res.json() as Json)['port_id']))
      }
      ids['routerPorts'] = routerPorts.join(',')
      await host.start()
      await waitFor('the host to converge', converged, 30_000)
      expect(await guests['a']?.lease()).toBe(fixedIp(ports['a'] as Json))
      expect(await guests['b']?.lease()).toBe(fixedIp(ports['b'] as Json))
      await guests['a']?.run('ip', [
        'addr',
        'add',
        `${fixedIp(ports['a'] as Json)}/24`,
        'dev',
        'eth0',
      ])
      await guests['a']?.run('ip', ['route', 'add', 'default', 'via', '10.95.1.1'])
      await guests['b']?.run('ip', [
        'addr',
        'add',
        `${fixedIp(ports['b'] as Json)}/24`,
        'dev',
        'eth0',
      ])
      await guests['b']?.run('ip', ['route', 'add', 'default', 'via', '10.95.2.1'])
      const ping = await guests['a']?.run('busybox', [
        'ping',
        '-c',
        '2',
        '-W',
        '2',
        fixedIp(ports['b'] as Json),
      ])
      expect(ping?.code, `${ping?.stdout ?? ''}${ping?.stderr ?? ''}`).toBe(0)
      // and out through the router's gateway, SNATed, to the host's leg on the external network
      const out = await guests['a']?.run('busybox', ['ping', '-c', '2', '-W', '2', publicGateway])
      expect(out?.code, `${out?.stdout ?? ''}${out?.stderr ?? ''}`).toBe(0)
    }, 120_000)

    it('leaves no namespace, link, nft table or dnsmasq behind once everything is deleted, across another SIGKILL', async () => {
      for (const name of ['a', 'b']) await mh.unplugGuest(guests[name] as HostGuest)
      for (const portId of ids['routerPorts']?.split(',') ?? []) {
        await api('PUT', `routers/${ids['router']}/remove_router_interface`, { port_id: portId })
      }
      await api('DELETE', `ports/${ids['port-a']}`)
      // the agents die half-way through the deletions; the rest happens while they are down
      await host.kill()
      await api('DELETE', `routers/${ids['router']}`)
      await api('DELETE', `ports/${ids['port-b']}`)
      for (const net of ['net1', 'net2']) await api('DELETE', `networks/${ids[net]}`)
      await host.start()
      let after = await snapshot()
      await waitFor(
        'the host to be as it was',
        async () => {
          after = await snapshot()
          return (
            after.links.join() === before.links.join() &&
            after.tables.join() === before.tables.join() &&
            after.dnsmasq.length === 0 &&
            ours(after.namespaces).join() === ours(before.namespaces).join()
          )
        },
        30_000,
      ).catch(() => undefined)
      expect(after.links).toEqual(before.links)
      expect(after.tables).toEqual(before.tables)
      expect(after.dnsmasq).toEqual([])
      expect(before.dnsmasq).toEqual([])
      expect(ours(after.namespaces)).toEqual(ours(before.namespaces))
    }, 120_000)
  },
)
