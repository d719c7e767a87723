/** @module network/agents/test/two-host.test: two hosts (namespaces on an underlay) with their own L2 agent processes carry one VXLAN network between their guests */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { listFdb } from '../../../core/sys/bridge-fdb.js'
import { exec } from '../../../core/sys/exec.js'
import { listLinks } from '../../../core/sys/ip-link.js'
import { netnsUnavailableReason } from '../../../core/sys/netns.js'
import { bridgeName, tapName, vxlanName } from '../../rpc/device-names.js'
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
  for (const program of ['busybox', 'nft', 'bridge']) {
    const found = await exec('sh', ['-c', `command -v ${program}`], { okCodes: [0, 1, 127] })
    if (found.code !== 0) return `${program} is not installed (scripts/debian-packages.txt)`
  }
  return undefined
}

const reason = await unavailable()
const ZERO_MAC = '00:00:00:00:00:00'

const fixedIp = (port: Json): string =>
  String((port['fixed_ips'] as { ip_address: string }[])[0]?.ip_address)

describe.skipIf(reason !== undefined)(
  `VXLAN between hosts${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let mh: MultiHostFixture
    let hosts: AgentHost[] = []
    const guests: HostGuest[] = []
    const ports: Json[] = []
    let network: Json

    beforeAll(async () => {
      mh = await createMultiHostFixture()
      hosts = [await mh.addHost(['l2']), await mh.addHost(['l2']), await mh.addHost(['l2'])]
      for (const host of hosts) await host.start()
    }, 120_000)
    afterAll(async () => {
      await mh?.close()
    }, 60_000)

    const portStatus = async (port: Json) =>
      (
        (await mh.request({ method: 'GET', url: `/v2.0/ports/${String(port['id'])}` })).json() as {
          port: Json
        }
      ).port['status']
    const vni = () => Number(network['provider:segmentation_id'])
    const devicesOn = async (host: AgentHost) =>
      (await listLinks({ netns: host.netns })).map((l) => l.name)
    const flood = async (host: AgentHost) => {
      const device = vxlanName(vni())
      if (!(await devicesOn(host)).includes(device)) return []
      return (await listFdb(device, { netns: host.netns }))
        .filter((e) => e.mac === ZERO_MAC)
        .map((e) => e.dst)
    }

    it('binds a port on each host and plugs each into its own bridge and VXLAN device', async () => {
      network = await mh.create('networks', 'network', { name: 'd2-vxlan' })
      expect(network['provider:network_type']).toBe('vxlan')
      await mh.create('subnets', 'subnet', {
        network_id: network['id'],
        cidr: '10.94.0.0/24',
        ip_version: 4,
        enable_dhcp: false,
      })
      for (const [index, host] of hosts.slice(0, 2).entries()) {
        const port = await mh.create('ports', 'port', {
          network_id: network['id'],
          name: `d2-guest${index}`,
          'binding:host_id': host.name,
          device_owner: 'compute:nova',
          device_id: `server-${index}`,
        })
        expect(port['binding:vif_type']).toBe('bridge')
        ports.push(port)
        guests.push(await mh.plugGuest(host, port, 24))
      }
      for (const port of ports) {
        await waitFor(`port ${String(port['id'])} ACTIVE`, async () => {
          return (await portStatus(port)) === 'ACTIVE'
        })
      }
      for (const [index, host] of hosts.slice(0, 2).entries()) {
        const links = await listLinks({ netns: host.netns })
        const tap = links.find((l) => l.name === tapName(String(ports[index]?.['id'])))
        expect(tap).toMatchObject({ master: bridgeName(String(network['id'])), mtu: 1450 })
        const vxlan = links.find((l) => l.name === vxlanName(vni()))
        expect(vxlan).toMatchObject({ kind: 'vxlan', vni: vni(), up: true })
        expect(vxlan?.master).toBe(bridgeName(String(network['id'])))
      }
    }, 60_000)

    it("floods to the other host's VTEP and the guests ping each other across hosts", async () => {
      const [one, two] = hosts as [AgentHost, AgentHost]
      await waitFor('the flood entries of both hosts', async () => {
        const [a, b] = [await flood(one), await flood(two)]
        return a.join() === two.tunnelIp && b.join() === one.tunnelIp
      })
      expect(await flood(one)).toEqual([two.tunnelIp])
      expect(await flood(two)).toEqual([one.tunnelIp])
      const ping = await (guests[0] as HostGuest).run('busybox', [
        'ping',
        '-c',
        '2',
        '-W',
        '2',
        fixedIp(ports[1] as Json),
      ])
      expect(ping.code, ping.stdout + ping.stderr).toBe(0)
      // the frames really crossed the underlay: the remote guest's MAC was learnt on the VXLAN device
      const learnt = await exec('bridge', ['-n', one.netns, 'fdb', 'show', 'dev', vxlanName(vni())])
      expect(learnt.stdout.toLowerCase()).toContain(String(ports[1]?.['mac_address']))
    }, 60_000)

    it('brings a host cut off the broker up to date once it is back', async () => {
      const [one, two, three] = hosts as [AgentHost, AgentHost, AgentHost]
      mh.reachBroker(two, false)
      onTestFinished(() => mh.reachBroker(two, true))
      const port = await mh.create('ports', 'port', {
        network_id: network['id'],
        name: 'd2-guest2',
        'binding:host_id': three.name,
        device_owner: 'compute:nova',
        device_id: 'server-2',
      })
      ports.push(port)
      guests.push(await mh.plugGuest(three, port, 24))
      await waitFor('host 3 to flood to hosts 1 and 2', async () => {
        return (await flood(three)).join() === [one.tunnelIp, two.tunnelIp].join()
      })
      await waitFor('host 1 to flood to hosts 2 and 3', async () => {
        return (await flood(one)).join() === [two.tunnelIp, three.tunnelIp].join()
      })
      // the notification went out while host 2 was away: it learns of host 3 once it is back
      expect(await flood(two)).toEqual([one.tunnelIp])
      mh.reachBroker(two, true)
      await waitFor(
        'host 2 to flood to hosts 1 and 3',
        async () => (await flood(two)).join() === [one.tunnelIp, three.tunnelIp].join(),
        20_000,
      )
      const ping = await (guests[1] as HostGuest).run('busybox', [
        'ping',
        '-c',
        '2',
        '-W',
        '2',
        fixedIp(port),
      ])
      expect(ping.code, ping.stdout + ping.stderr).toBe(0)
    }, 60_000)

    it('reaches a host at its new address once its agents restart with it', async () => {
      const [one, two, three] = hosts as [AgentHost, AgentHost, AgentHost]
      const old = three.tunnelIp
      await three.kill()
      await mh.readdress(three)
      await three.start()
      const vxlan = async () =>
        (await exec('ip', ['-n', three.netns, '-j', '-d', 'link', 'show', vxlanName(vni())])).stdout
      await waitFor('host 3 to use its new address', async () =>
        (await vxlan()).includes(`"local":"${three.tunnelIp}"`),
      )
      await waitFor('hosts 1 and 2 to flood to the new address', async () => {
        const [a, b] = [await flood(one), await flood(two)]
        return a.includes(three.tunnelIp) && b.includes(three.tunnelIp)
      })
      expect(await flood(one)).not.toContain(old)
      expect(await flood(two)).not.toContain(old)
      const ping = await (guests[1] as HostGuest).run('busybox', [
        'ping',
        '-c',
        '2',
        '-W',
        '2',
        fixedIp(ports[2] as Json),
      ])
      expect(ping.code, ping.stdout + ping.stderr).toBe(0)
    }, 60_000)

    it("removes the last port's bridge and VXLAN device from its host and its VTEP from the others", async () => {
      const [one, two, three] = hosts as [AgentHost, AgentHost, AgentHost]
      await mh.unplugGuest(guests[1] as HostGuest)
      const res = await mh.request({
        method: 'DELETE',
        url: `/v2.0/ports/${String(ports[1]?.['id'])}`,
      })
      expect(res.statusCode).toBe(204)
      const bridge = bridgeName(String(network['id']))
      await waitFor('host 2 to remove its bridge and VXLAN device', async () => {
        const links = await devicesOn(two)
        return !links.includes(bridge) && !links.includes(vxlanName(vni()))
      })
      await waitFor('hosts 1 and 3 to forget host 2', async () => {
        const [a, c] = [await flood(one), await flood(three)]
        return a.join() === three.tunnelIp && c.join() === one.tunnelIp
      })
      // host 1 keeps its guest's network
      expect(await devicesOn(one)).toEqual(expect.arrayContaining([bridge, vxlanName(vni())]))
      expect(await portStatus(ports[0] as Json)).toBe('ACTIVE')
    }, 60_000)
  },
)
