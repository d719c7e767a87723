/** @module network/agents/test/established-tcp.test: established TCP flows survive security group changes; new flows follow the new rules; projects stay apart */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { execInNetns, netnsUnavailableReason } from '../../../core/sys/netns.js'
import { signalProcess } from '../../../core/sys/process-table.js'
import {
  createDataplaneFixture,
  type DataplaneFixture,
  type Guest,
  type Json,
} from './dataplane-fixture.js'

async function unavailable(): Promise<string | undefined> {
  const reason = await netnsUnavailableReason()
  if (reason) return reason
  for (const program of ['busybox', '/usr/sbin/dnsmasq', 'nft', 'socat']) {
    const found = await exec('sh', ['-c', `command -v ${program}`], { okCodes: [0, 1, 127] })
    if (found.code !== 0) return `${program} is not installed (scripts/debian-packages.txt)`
  }
  return undefined
}

const reason = await unavailable()
const OTHER_PROJECT = 'p-d2-other'

const fixedIp = (port: Json): string =>
  String((port['fixed_ips'] as { ip_address: string }[])[0]?.ip_address)

/** Ends every process running inside a guest namespace (listeners, clients). */
async function killGuestProcesses(netns: string): Promise<void> {
  const { stdout } = await exec('ip', ['netns', 'pids', netns], { okCodes: [0, 1] })
  for (const pid of stdout.split('\n').filter(Boolean)) signalProcess(Number(pid), 'SIGKILL')
}

describe.skipIf(reason !== undefined)(
  `stateful security groups on this host${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let dp: DataplaneFixture
    let dir: string
    const guests: Guest[] = []
    const stopClient = new AbortController()
    let server: Guest
    let client: Guest
    let serverIp = ''
    let groupId = ''
    const ruleIds: Record<string, string> = {}

    beforeAll(async () => {
      dp = await createDataplaneFixture()
      dir = await mkdtemp(join(tmpdir(), 'd2-tcp-'))
    }, 60_000)
    afterAll(async () => {
      stopClient.abort()
      for (const guest of guests) await killGuestProcesses(guest.netns).catch(() => undefined)
      await dp?.close()
      if (dir) await rm(dir, { recursive: true, force: true })
    }, 60_000)

    const plug = async (networkId: string, extra: Json = {}): Promise<[Guest, Json]> => {
      const port = await dp.create('ports', 'port', {
        network_id: networkId,
        'binding:host_id': dp.host,
        device_owner: 'compute:nova',
        device_id: `server-${guests.length}`,
        ...extra,
      })
      const guest = await dp.plugGuest(port)
      guests.push(guest)
      return [guest, port]
    }
    const addRule = async (name: string, rule: Json) => {
      const made = await dp.create('security-group-rules', 'security_group_rule', {
        security_group_id: groupId,
        direction: 'ingress',
        ethertype: 'IPv4',
        ...rule,
      })
      ruleIds[name] = String(made['id'])
    }
    const removeRule = async (name: string) => {
      const res = await dp.request({
        method: 'DELETE',
        url: `/v2.0/security-group-rules/${ruleIds[name]}`,
      })
      expect(res.statusCode).toBe(204)
    }
    /** Opens a new connection, sends one line and expects it echoed; the exit code of nc. */
    const newConnection = async (from: Guest, port: number): Promise<boolean> => {
      const out = await execInNetns(
        from.netns,
        'busybox',
        ['nc', '-w', '2', serverIp, String(port)],
        { input: 'hello\n', timeoutMs: 10_000, okCodes: [0, 1] },
      )
      return out.stdout.includes('hello')
    }
    const echoed = async () =>
      (await readFile(join(dir, 'echoed'), 'utf8').catch(() => '')).split('\n').length
    /** Expects the established connection to carry more echoes within a few seconds. */
    const expectFlowing = async (what: string) => {
      const before = await echoed()
      const deadline = Date.now() + 4_000
      let now = before
      while (now < before + 5 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        now = await echoed()
      }
      expect(now - before, `echoes after ${what}`).toBeGreaterThanOrEqual(5)
    }

    it('serves TCP to a guest whose group allows the ports', async () => {
      const net = await dp.create('networks', 'network', { name: 'd2-tcp-net' })
      await dp.create('subnets', 'subnet', {
        network_id: net['id'],
        cidr: '10.93.0.0/24',
        ip_version: 4,
      })
      const group = await dp.create('security-groups', 'security_group', { name: 'd2-tcp' })
      groupId = String(group['id'])
      await addRule('echo', { protocol: 'tcp', port_range_min: 5001, port_range_max: 5001 })
      await addRule('spare', { protocol: 'tcp', port_range_min: 5002, port_range_max: 5002 })
      await addRule('icmp', { protocol: 'icmp' })
      let serverPort: Json
      ;[server, serverPort] = await plug(String(net['id']), { security_groups: [groupId] })
      ;[client] = await plug(String(net['id']))
      await dp.settle()
      serverIp = (await server.dhcp())['ip'] as string
      expect(serverIp).toBe(fixedIp(serverPort))
      await client.dhcp()
      for (const port of [5001, 5002]) {
        // an echo server per port, for every connection
        void execInNetns(server.netns, 'socat', [`TCP-LISTEN:${port},reuseaddr,fork`, 'EXEC:cat'], {
          timeoutMs: 600_000,
          okCodes: [0, 1, 137, 143],
        }).catch(() => undefined)
      }
      // the first connection may race the listener's start
      let open = false
      for (let i = 0; i < 20 && !open; i++) open = await newConnection(client, 5002)
      expect(open).toBe(true)
      expect(await newConnection(client, 5001)).toBe(true)
    }, 90_000)

    it('keeps an established connection passing data while the rules change', async () => {
      const script = join(dir, 'ticker.sh')
      await writeFile(
        script,
        [
          '#!/bin/sh',
          '( while :; do echo tick || exit; sleep 0.1; done ) &',
          `exec cat >> ${join(dir, 'echoed')}`,
          '',
        ].join('\n'),
        { mode: 0o755 },
      )
      void execInNetns(client.netns, 'socat', [`TCP:${serverIp}:5001`, `EXEC:${script}`], {
        timeoutMs: 600_000,
        signal: stopClient.signal,
        okCodes: [0, 1],
      }).catch(() => undefined)
      await expectFlowing('connecting')
      const ping = async () =>
        (await client.run('busybox', ['ping', '-c', '1', '-W', '1', serverIp])).code
      expect(await ping()).toBe(0)
      await removeRule('icmp')
      await dp.settle()
      expect(await ping()).not.toBe(0)
      await expectFlowing('removing the ICMP rule')
      await addRule('icmp', { protocol: 'icmp' })
      await dp.settle()
      expect(await ping()).toBe(0)
      await expectFlowing('adding the ICMP rule back')
      await addRule('ssh', { protocol: 'tcp', port_range_min: 22, port_range_max: 22 })
      await dp.settle()
      await expectFlowing('adding another rule')
      await removeRule('spare')
      await dp.settle()
      await expectFlowing('removing the rule of another port')
      // only new connections meet the new rules
      expect(await newConnection(client, 5002)).toBe(false)
      expect(await newConnection(client, 5001)).toBe(true)
      await expectFlowing('the new connections')
    }, 90_000)

    it("keeps another project's guest on an overlapping network away from the server", async () => {
      const net = await dp.create('networks', 'network', {
        name: 'd2-tcp-other',
        project_id: OTHER_PROJECT,
      })
      const subnet = await dp.create('subnets', 'subnet', {
        network_id: net['id'],
        cidr: '10.93.0.0/24',
        ip_version: 4,
        project_id: OTHER_PROJECT,
      })
      // an address of the overlapping range that is not the server's (which one the server got
      // depends on when the DHCP port was made), so reaching it would mean crossing projects
      const address = ['10.93.0.50', '10.93.0.51'].find((a) => a !== serverIp)
      const [outsider, port] = await plug(String(net['id']), {
        project_id: OTHER_PROJECT,
        fixed_ips: [{ subnet_id: subnet['id'], ip_address: address }],
      })
      await dp.settle()
      // its own network works: a lease from its own DHCP server, whose address answers
      const lease = await outsider.dhcp()
      expect(lease['ip']).toBe(fixedIp(port))
      const listed = await dp.request({
        method: 'GET',
        url: `/v2.0/ports?network_id=${String(net['id'])}&device_owner=network:dhcp`,
      })
      const dhcpPort = (listed.json() as { ports: Json[] }).ports[0] as Json
      const own = await outsider.run('busybox', ['ping', '-c', '1', '-W', '2', fixedIp(dhcpPort)])
      expect(own.code, own.stdout).toBe(0)
      expect(lease['ip']).not.toBe(serverIp)
      expect(await newConnection(outsider, 5001)).toBe(false)
      expect(await newConnection(client, 5001)).toBe(true)
    }, 90_000)
  },
)
