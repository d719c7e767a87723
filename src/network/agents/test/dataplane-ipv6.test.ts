/** @module network/agents/test/dataplane-ipv6.test: IPv6 on the linuxbridge data plane: SLAAC, DHCPv6, router advertisements, routing, filtering */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec } from '../../../core/sys/exec.js'
import { netnsUnavailableReason } from '../../../core/sys/netns.js'
import {
  createDataplaneFixture,
  type DataplaneFixture,
  type Guest,
  type Json,
} from './dataplane-fixture.js'

async function unavailable(): Promise<string | undefined> {
  const reason = await netnsUnavailableReason()
  if (reason) return reason
  for (const program of ['busybox', '/usr/sbin/dnsmasq', 'nft', '/usr/sbin/radvd', 'dhclient']) {
    const found = await exec('sh', ['-c', `command -v ${program}`], { okCodes: [0, 1, 127] })
    if (found.code !== 0) return `${program} is not installed (scripts/debian-packages.txt)`
  }
  return undefined
}

const reason = await unavailable()

const addressOn = (port: Json, subnetId: string): string =>
  String(
    (port['fixed_ips'] as { subnet_id: string; ip_address: string }[]).find(
      (f) => f.subnet_id === subnetId,
    )?.ip_address,
  )

/** The guest's IPv6 addresses of `scope` that finished duplicate address detection. */
async function addresses(guest: Guest, scope: 'global' | 'link'): Promise<string[]> {
  const out = await guest.run('ip', ['-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', scope])
  const rows = JSON.parse(out.stdout || '[]') as {
    addr_info?: { local: string; tentative?: boolean }[]
  }[]
  return rows.flatMap((r) => (r.addr_info ?? []).filter((a) => !a.tentative).map((a) => a.local))
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 25_000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** Makes the guest solicit routers again (as a booting guest does once its link is up). */
async function solicit(guest: Guest): Promise<void> {
  await guest.run('ip', ['link', 'set', 'eth0', 'down'])
  await guest.run('ip', ['link', 'set', 'eth0', 'up'])
}

describe.skipIf(reason !== undefined)(
  `IPv6 on the linuxbridge data plane${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let dp: DataplaneFixture
    let dir: string
    const guests: Record<string, Guest> = {}
    const ids: Record<string, string> = {}
    const ports: Record<string, Json> = {}
    const dhclientPids: number[] = []

    beforeAll(async () => {
      dp = await createDataplaneFixture()
      dir = await mkdtemp(join(tmpdir(), 'nimbus-dataplane-v6-'))
    }, 60_000)
    afterAll(async () => {
      for (const pid of dhclientPids) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // gone already
        }
      }
      await dp?.close()
      if (dir) await rm(dir, { recursive: true, force: true })
    }, 60_000)

    const network = async (name: string, cidr: string, mode: string | null) => {
      const net = await dp.create('networks', 'network', { name })
      ids[name] = String(net['id'])
      const sub = await dp.create('subnets', 'subnet', {
        network_id: ids[name],
        cidr,
        ip_version: 6,
        ...(mode ? { ipv6_ra_mode: mode, ipv6_address_mode: mode } : {}),
      })
      ids[`${name}-subnet`] = String(sub['id'])
    }

    const guest = async (name: string, networkName: string): Promise<Guest> => {
      const made = await dp.create('ports', 'port', {
        network_id: ids[networkName],
        name,
        'binding:host_id': dp.host,
        device_owner: 'compute:nova',
        device_id: `server-${name}`,
      })
      ports[name] = made
      guests[name] = await dp.plugGuest(made)
      return guests[name]
    }

    /** Runs ISC dhclient in DHCPv6 mode once; resolves with the address it was given. */
    const dhcpv6 = async (g: Guest): Promise<string> => {
      await waitFor('a link-local address', async () =>
        (await addresses(g, 'link')).length > 0 ? true : undefined,
      )
      const out = join(dir, `${g.portId}.address`)
      const script = join(dir, `${g.portId}.sh`)
      await writeFile(
        script,
        [
          '#!/bin/sh',
          'case "$reason" in',
          '  BOUND6|RENEW6|REBIND6|REBOOT6)',
          '    ip -6 addr replace "$new_ip6_address/$new_ip6_prefixlen" dev "$interface" nodad',
          `    echo "$new_ip6_address" > ${out}`,
          '    ;;',
          'esac',
          'exit 0',
          '',
        ].join('\n'),
        { mode: 0o755 },
      )
      const pidFile = join(dir, `${g.portId}.pid`)
      const run = await g.run('dhclient', [
        '-6',
        '-1',
        '-sf',
        script,
        '-lf',
        join(dir, `${g.portId}.leases`),
        '-pf',
        pidFile,
        'eth0',
      ])
      const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim())
      if (pid > 1) dhclientPids.push(pid)
      expect(run.code, run.stdout + run.stderr).toBe(0)
      return (await readFile(out, 'utf8')).trim()
    }

    const ping6 = async (from: Guest, to: string, source?: string) =>
      from.run('busybox', ['ping', '-c', '2', '-W', '2', ...(source ? ['-I', source] : []), to])

    it('gives a guest its SLAAC address from the router and another its DHCPv6 address, and routes between them', async () => {
      await network('v6-slaac', 'fd00:91::/64', 'slaac')
      await network('v6-stateful', 'fd00:92::/64', 'dhcpv6-stateful')
      const router = await dp.create('routers', 'router', { name: 'v6-router' })
      ids['router'] = String(router['id'])
      for (const name of ['v6-slaac', 'v6-stateful']) {
        const res = await dp.request({
          method: 'PUT',
          url: `/v2.0/routers/${ids['router']}/add_router_interface`,
          payload: { subnet_id: ids[`${name}-subnet`] },
        })
        expect(res.statusCode, res.body).toBe(200)
      }
      const a = await guest('a', 'v6-slaac')
      const b = await guest('b', 'v6-stateful')
      await dp.settle()
      await dp.settle()
      await solicit(a)
      await solicit(b)
      const slaac = addressOn(ports['a'] as Json, ids['v6-slaac-subnet'] as string)
      await waitFor('the SLAAC address', async () =>
        (await addresses(a, 'global')).includes(slaac) ? true : undefined,
      )
      // the managed flag of the router's advertisement sends the guest to DHCPv6
      await waitFor('the advertised on-link prefix', async () => {
        const routes = await b.run('ip', ['-6', 'route', 'show', 'fd00:92::/64'])
        return routes.stdout.includes('fd00:92::/64') ? true : undefined
      })
      const leased = await dhcpv6(b)
      expect(leased).toBe(addressOn(ports['b'] as Json, ids['v6-stateful-subnet'] as string))
      expect(await addresses(b, 'global')).toContain(leased)
      const ping = await waitFor('ping6 across the router', async () => {
        const res = await ping6(a, leased)
        return res.code === 0 ? res : undefined
      })
      expect(ping.code).toBe(0)
      const back = await ping6(b, slaac)
      expect(back.code, back.stdout + back.stderr).toBe(0)
    }, 90_000)

    it('drops IPv6 sources and router advertisements a port does not own', async () => {
      const a = guests['a'] as Guest
      const b = addressOn(ports['b'] as Json, ids['v6-stateful-subnet'] as string)
      await a.run('ip', ['-6', 'addr', 'add', 'fd00:91::dead/64', 'dev', 'eth0', 'nodad'])
      const spoofed = await ping6(a, b, 'fd00:91::dead')
      expect(spoofed.code).not.toBe(0)
      await a.run('ip', ['-6', 'addr', 'del', 'fd00:91::dead/64', 'dev', 'eth0'])
      expect((await ping6(a, b)).code).toBe(0)
      const table = await exec('nft', ['list', 'ruleset'], { timeoutMs: 10_000 })
      expect(table.stdout).toContain('icmpv6 type nd-router-advert drop')
    }, 60_000)

    it('filters IPv6 by security group rules', async () => {
      const group = await dp.create('security-groups', 'security_group', { name: 'v6-closed' })
      const setGroups = async (groups: unknown[]) => {
        const res = await dp.request({
          method: 'PUT',
          url: `/v2.0/ports/${String(ports['b']?.['id'])}`,
          payload: { port: { security_groups: groups } },
        })
        expect(res.statusCode, res.body).toBe(200)
        await dp.settle()
      }
      await setGroups([group['id']])
      const b = addressOn(ports['b'] as Json, ids['v6-stateful-subnet'] as string)
      expect((await ping6(guests['a'] as Guest, b)).code).not.toBe(0)
      await dp.create('security-group-rules', 'security_group_rule', {
        security_group_id: group['id'],
        direction: 'ingress',
        ethertype: 'IPv6',
        protocol: 'ipv6-icmp',
      })
      await dp.settle()
      expect((await ping6(guests['a'] as Guest, b)).code).toBe(0)
    }, 60_000)

    it('advertises a SLAAC subnet from the DHCP namespace when no router does', async () => {
      await network('v6-isolated', 'fd00:93::/64', 'slaac')
      const c = await guest('c', 'v6-isolated')
      await dp.settle()
      await solicit(c)
      const slaac = addressOn(ports['c'] as Json, ids['v6-isolated-subnet'] as string)
      await waitFor('the SLAAC address from dnsmasq', async () =>
        (await addresses(c, 'global')).includes(slaac) ? true : undefined,
      )
      // dnsmasq is no router: no default route comes with its advertisements
      const routes = await c.run('ip', ['-6', 'route', 'show', 'default'])
      expect(routes.stdout.trim()).toBe('')
    }, 60_000)
  },
)
