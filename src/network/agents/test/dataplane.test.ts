import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listLinks, listRoutes } from '../../../core/sys/ip-link.js'
import { listNetns, netnsUnavailableReason } from '../../../core/sys/netns.js'
import { exec } from '../../../core/sys/exec.js'
import { bridgeName, dhcpNamespace, routerNamespace, tapName } from '../../rpc/device-names.js'
import {
  createDataplaneFixture,
  type DataplaneFixture,
  type Guest,
  type Json,
} from './dataplane-fixture.js'

async function unavailable(): Promise<string | undefined> {
  const reason = await netnsUnavailableReason()
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

describe.skipIf(reason !== undefined)(
  `linuxbridge data plane on this host${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let dp: DataplaneFixture
    const guests: Record<string, Guest> = {}
    const ids: Record<string, string> = {}
    const ports: Record<string, Json> = {}

    beforeAll(async () => {
      dp = await createDataplaneFixture()
    }, 60_000)
    afterAll(async () => {
      await dp?.close()
    }, 60_000)

    const port = async (name: string, networkId: string): Promise<Json> => {
      const made = await dp.create('ports', 'port', {
        network_id: networkId,
        name,
        'binding:host_id': dp.host,
        device_owner: 'compute:nova',
        device_id: `server-${name}`,
      })
      ports[name] = made
      return made
    }

    it('binds ports to the network bridge and fails binding for hosts without an L2 agent', async () => {
      const net = await dp.create('networks', 'network', { name: 'dp-net1' })
      ids['net1'] = String(net['id'])
      const sub = await dp.create('subnets', 'subnet', {
        network_id: ids['net1'],
        cidr: '10.91.0.0/24',
        ip_version: 4,
        dns_nameservers: ['192.0.2.53'],
      })
      ids['sub1'] = String(sub['id'])
      const a = await port('a', ids['net1'])
      expect(a['binding:vif_type']).toBe('bridge')
      expect(a['binding:vif_details']).toMatchObject({ bridge_name: bridgeName(ids['net1']) })
      expect(a['status']).toBe('DOWN')
      const elsewhere = await dp.create('ports', 'port', {
        network_id: ids['net1'],
        'binding:host_id': 'host-without-agent',
      })
      expect(elsewhere['binding:vif_type']).toBe('binding_failed')
      await dp.request({ method: 'DELETE', url: `/v2.0/ports/${String(elsewhere['id'])}` })
    })

    it('marks a port ACTIVE once its tap is plugged and enslaves it to the bridge', async () => {
      guests['a'] = await dp.plugGuest(ports['a'] as Json)
      await dp.settle()
      const res = await dp.request({
        method: 'GET',
        url: `/v2.0/ports/${String(ports['a']?.['id'])}`,
      })
      expect((res.json() as { port: Json }).port['status']).toBe('ACTIVE')
      const tap = (await listLinks()).find((l) => l.name === tapName(String(ports['a']?.['id'])))
      expect(tap).toMatchObject({ master: bridgeName(ids['net1'] as string), mtu: 1450 })
    })

    it('serves the port its own address over DHCP with router and MTU, and guests ping each other', async () => {
      guests['b'] = await dp.plugGuest(await port('b', ids['net1'] as string))
      await dp.settle()
      expect((await listNetns()).includes(dhcpNamespace(ids['net1'] as string))).toBe(true)
      const leaseA = await (guests['a'] as Guest).dhcp()
      expect(leaseA).toMatchObject({
        ip: fixedIp(ports['a'] as Json),
        mask: '24',
        router: '10.91.0.1',
        mtu: '1450',
      })
      const leaseB = await (guests['b'] as Guest).dhcp()
      expect(leaseB['ip']).toBe(fixedIp(ports['b'] as Json))
      const ping = await (guests['a'] as Guest).run('busybox', [
        'ping',
        '-c',
        '2',
        '-W',
        '2',
        leaseB['ip'] as string,
      ])
      expect(ping.code, ping.stdout + ping.stderr).toBe(0)
    }, 60_000)

    it('leases an address to a new port once the port that had it is gone (its lease released)', async () => {
      const first = await dp.plugGuest(await port('x', ids['net1'] as string))
      await dp.settle()
      const address = fixedIp(ports['x'] as Json)
      expect((await first.dhcp())['ip']).toBe(address)
      const dnsmasq = dp.dhcp.dnsmasqOf(ids['net1'] as string)?.pid
      const gone = await dp.request({
        method: 'DELETE',
        url: `/v2.0/ports/${String(ports['x']?.['id'])}`,
      })
      expect(gone.statusCode).toBe(204)
      await dp.settle()
      // the address goes to another port (another MAC), as a recreated server's port gets it
      const again = await dp.create('ports', 'port', {
        network_id: ids['net1'],
        name: 'y',
        fixed_ips: [{ subnet_id: ids['sub1'], ip_address: address }],
        'binding:host_id': dp.host,
        device_owner: 'compute:nova',
        device_id: 'server-y',
      })
      ports['y'] = again
      expect(again['mac_address']).not.toBe(ports['x']?.['mac_address'])
      const second = await dp.plugGuest(again)
      await dp.settle()
      expect((await second.dhcp())['ip']).toBe(address)
      // released with dhcp_release, as Neutron does: the same dnsmasq serves on
      expect(dp.dhcp.dnsmasqOf(ids['net1'] as string)?.pid).toBe(dnsmasq)
    }, 120_000)

    it('restarts a dnsmasq that dies and picks the state up again after an agent restart', async () => {
      const networkId = ids['net1'] as string
      const first = dp.dhcp.dnsmasqOf(networkId)
      const pid = first?.pid
      expect(pid).toBeDefined()
      process.kill(pid as number, 'SIGKILL')
      const deadline = Date.now() + 10_000
      while ((first?.pid === undefined || first.pid === pid) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(first?.restarts).toBe(1)
      const lease = await (guests['b'] as Guest).dhcp()
      expect(lease['ip']).toBe(fixedIp(ports['b'] as Json))
      // a new agent (as after kill -9) reuses the namespace and serves the same leases
      await dp.restartDhcpAgent()
      expect((await listNetns()).filter((n) => n === dhcpNamespace(networkId))).toHaveLength(1)
      const again = await (guests['a'] as Guest).dhcp()
      expect(again['ip']).toBe(fixedIp(ports['a'] as Json))
    }, 60_000)

    it('enforces security groups statefully and drops spoofed sources', async () => {
      const a = guests['a'] as Guest
      const ipB = fixedIp(ports['b'] as Json)
      const ping = async (from: Guest, to: string, source?: string) =>
        (
          await from.run('busybox', [
            'ping',
            '-c',
            '1',
            '-W',
            '1',
            ...(source ? ['-I', source] : []),
            to,
          ])
        ).code
      const group = await dp.create('security-groups', 'security_group', { name: 'dp-no-icmp' })
      const update = await dp.request({
        method: 'PUT',
        url: `/v2.0/ports/${String(ports['b']?.['id'])}`,
        payload: { port: { security_groups: [group['id']] } },
      })
      expect(update.statusCode).toBe(200)
      await dp.settle()
      expect(await ping(a, ipB)).not.toBe(0)
      await dp.create('security-group-rules', 'security_group_rule', {
        security_group_id: group['id'],
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'icmp',
      })
      await dp.settle()
      expect(await ping(a, ipB)).toBe(0)
      // a source address the port does not own never leaves its tap
      await a.run('ip', ['addr', 'add', '10.91.0.250/24', 'dev', 'eth0'])
      expect(await ping(a, ipB, '10.91.0.250')).not.toBe(0)
      await a.run('ip', ['addr', 'del', '10.91.0.250/24', 'dev', 'eth0'])
    }, 60_000)

    it('routes between networks and SNATs to the host through the router gateway', async () => {
      const net = await dp.create('networks', 'network', { name: 'dp-net2' })
      ids['net2'] = String(net['id'])
      const sub = await dp.create('subnets', 'subnet', {
        network_id: ids['net2'],
        cidr: '10.92.0.0/24',
        ip_version: 4,
      })
      guests['c'] = await dp.plugGuest(await port('c', ids['net2']))
      const publicId = String(
        (
          (await dp.request({ method: 'GET', url: '/v2.0/networks?name=public' })).json() as {
            networks: Json[]
          }
        ).networks[0]?.['id'],
      )
      ids['public'] = publicId
      const router = await dp.create('routers', 'router', {
        name: 'dp-router',
        external_gateway_info: { network_id: publicId },
      })
      ids['router'] = String(router['id'])
      for (const subnetId of [ids['sub1'], String(sub['id'])]) {
        const res = await dp.request({
          method: 'PUT',
          url: `/v2.0/routers/${ids['router']}/add_router_interface`,
          payload: { subnet_id: subnetId },
        })
        expect(res.statusCode).toBe(200)
      }
      await dp.settle()
      await dp.settle()
      expect((await listNetns()).includes(routerNamespace(ids['router']))).toBe(true)
      const leaseC = await (guests['c'] as Guest).dhcp()
      expect(leaseC['router']).toBe('10.92.0.1')
      const across = await (guests['a'] as Guest).run('busybox', [
        'ping',
        '-c',
        '2',
        '-W',
        '2',
        leaseC['ip'] as string,
      ])
      expect(across.code, across.stdout + across.stderr).toBe(0)
      const hostSide = dp.publicCidr.replace('.0/24', '.1')
      const out = await (guests['c'] as Guest).run('busybox', [
        'ping',
        '-c',
        '2',
        '-W',
        '2',
        hostSide,
      ])
      expect(out.code, out.stdout + out.stderr).toBe(0)
      // extra routes land in the router's namespace and leave with the route
      const setRoutes = async (routes: Json[]) => {
        const res = await dp.request({
          method: 'PUT',
          url: `/v2.0/routers/${ids['router']}`,
          payload: { router: { routes } },
        })
        expect(res.statusCode, res.body).toBe(200)
        await dp.settle()
      }
      const where = { netns: routerNamespace(ids['router'] as string) }
      await setRoutes([{ destination: '10.99.0.0/24', nexthop: leaseC['ip'] }])
      expect(await listRoutes(where)).toContainEqual(
        expect.objectContaining({ destination: '10.99.0.0/24', via: leaseC['ip'] }),
      )
      await setRoutes([])
      expect((await listRoutes(where)).map((r) => r.destination)).not.toContain('10.99.0.0/24')
    }, 180_000)

    it('makes a guest reachable from the host through its floating IP', async () => {
      // the default group admits only its own members: let ICMP in, as a user would
      const groups = (
        (await dp.request({ method: 'GET', url: '/v2.0/security-groups?name=default' })).json() as {
          security_groups: Json[]
        }
      ).security_groups
      await dp.create('security-group-rules', 'security_group_rule', {
        security_group_id: groups[0]?.['id'],
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'icmp',
      })
      const fip = await dp.create('floatingips', 'floatingip', {
        floating_network_id: ids['public'],
        port_id: ports['a']?.['id'],
      })
      ids['fip'] = String(fip['id'])
      await dp.settle()
      const ping = await exec(
        'busybox',
        ['ping', '-c', '2', '-W', '2', String(fip['floating_ip_address'])],
        {
          timeoutMs: 20_000,
          okCodes: [0, 1],
        },
      )
      expect(ping.code, ping.stdout + ping.stderr).toBe(0)
    }, 60_000)

    it('removes every namespace and device once the resources are deleted', async () => {
      const del = async (url: string, payload?: Json) => {
        const res = await dp.request(
          payload ? { method: 'PUT', url, payload } : { method: 'DELETE', url },
        )
        expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300)
      }
      await del(`/v2.0/floatingips/${ids['fip']}`)
      for (const subnetId of [ids['sub1']]) {
        await del(`/v2.0/routers/${ids['router']}/remove_router_interface`, { subnet_id: subnetId })
      }
      const res = await dp.request({ method: 'GET', url: `/v2.0/ports?device_id=${ids['router']}` })
      for (const p of (res.json() as { ports: Json[] }).ports) {
        if (p['device_owner'] === 'network:router_interface') {
          await del(`/v2.0/routers/${ids['router']}/remove_router_interface`, {
            port_id: p['id'] as string,
          })
        }
      }
      await del(`/v2.0/routers/${ids['router']}`)
      for (const name of ['a', 'b', 'c', 'y'])
        await del(`/v2.0/ports/${String(ports[name]?.['id'])}`)
      for (const net of ['net1', 'net2']) await del(`/v2.0/networks/${ids[net]}`)
      await dp.settle()
      await dp.settle()
      const namespaces = await listNetns()
      for (const ns of [
        dhcpNamespace(ids['net1'] as string),
        dhcpNamespace(ids['net2'] as string),
        routerNamespace(ids['router'] as string),
      ]) {
        expect(namespaces).not.toContain(ns)
      }
      const links = (await listLinks()).map((l) => l.name)
      for (const net of ['net1', 'net2', 'public'])
        expect(links).not.toContain(bridgeName(ids[net] as string))
    }, 60_000)
  },
)
