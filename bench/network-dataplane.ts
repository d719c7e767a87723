/** @module bench/network-dataplane: the linuxbridge data plane: port create to ACTIVE and to its DHCP lease, floating IP to answering, and guest-to-guest throughput through the bridge next to a plain veth pair */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { exec } from '../src/core/sys/exec.js'
import { deleteLink, ensureVeth, setLink } from '../src/core/sys/ip-link.js'
import {
  deleteNetns,
  ensureNetns,
  execInNetns,
  netnsUnavailableReason,
} from '../src/core/sys/netns.js'
import {
  ADMIN_PROJECT,
  createDataplaneFixture,
  type DataplaneFixture,
  type Guest,
  type Json,
} from '../src/network/agents/test/dataplane-fixture.js'

const IPERF_SECONDS = 5

/** Why the data plane cannot be measured on this host, or undefined. */
async function unavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'namespaces need root'
  const reason = await netnsUnavailableReason()
  if (reason) return reason
  for (const program of ['busybox', '/usr/sbin/dnsmasq', 'nft', 'iperf3']) {
    const found = await exec('sh', ['-c', `command -v ${program}`], { okCodes: [0, 1, 127] })
    if (found.code !== 0) return `${program} is not installed (scripts/debian-packages.txt)`
  }
  return undefined
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

/**
 * Runs `work` over `items`, at most `limit` at a time. After a failure no new item starts, and
 * the first error is thrown once the items under way have finished (so none outlives cleanup).
 */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && !failure) {
        const index = next++
        try {
          results[index] = await work(items[index] as T)
        } catch (error) {
          failure ??= { error }
        }
      }
    }),
  )
  if (failure) throw failure.error
  return results
}

/** Resolves once `address` answers ICMP echo (pings every 50 ms, from `netns` or the host). */
function firstEcho(address: string, timeoutSeconds: number, netns?: string): Promise<void> {
  const ping = ['busybox', 'ping', '-i', '0.05', '-w', String(timeoutSeconds), address]
  const [program, ...args] = netns ? ['ip', 'netns', 'exec', netns, ...ping] : ping
  return new Promise((resolve, reject) => {
    const child = spawn(program as string, args, { stdio: ['ignore', 'pipe', 'ignore'] })
    let done = false
    child.stdout.on('data', (chunk: Buffer) => {
      if (!done && chunk.toString().includes('bytes from')) {
        done = true
        child.kill('SIGKILL')
        resolve()
      }
    })
    child.on('close', () => {
      if (!done) reject(new Error(`${address} did not answer within ${timeoutSeconds} s`))
    })
  })
}

/** iperf3 from `client` to the server in `server` (listening on `address`), in Gbit/s. */
async function iperf(server: string, client: string, address: string): Promise<number> {
  const child = spawn('ip', ['netns', 'exec', server, 'iperf3', '-s', '-1', '--forceflush'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('iperf3 server did not start')), 10_000)
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    const res = await execInNetns(
      client,
      'iperf3',
      ['-c', address, '-t', String(IPERF_SECONDS), '-J'],
      { timeoutMs: (IPERF_SECONDS + 20) * 1000 },
    )
    const report = JSON.parse(res.stdout) as {
      end: { sum_received: { bits_per_second: number } }
    }
    return report.end.sum_received.bits_per_second / 1e9
  } finally {
    child.kill('SIGKILL')
  }
}

/** Two namespaces joined by a bare veth pair: the baseline for the bridge's throughput. */
async function vethBaseline(): Promise<number> {
  const tag = randomBytes(3).toString('hex')
  const [a, b] = [`nbench-a-${tag}`, `nbench-b-${tag}`]
  try {
    await ensureNetns(a)
    await ensureNetns(b)
    await ensureVeth(`nbv-${tag}`, 'eth0', { peerNetns: a })
    await exec('ip', ['link', 'set', `nbv-${tag}`, 'netns', b, 'name', 'eth0'])
    for (const [ns, ip] of [
      [a, '10.250.0.1/24'],
      [b, '10.250.0.2/24'],
    ] as const) {
      await setLink('eth0', { up: true }, { netns: ns })
      await execInNetns(ns, 'ip', ['addr', 'add', ip, 'dev', 'eth0'])
    }
    return await iperf(a, b, '10.250.0.1')
  } finally {
    await deleteNetns(a).catch(() => undefined)
    await deleteNetns(b).catch(() => undefined)
    await deleteLink(`nbv-${tag}`).catch(() => undefined)
  }
}

interface PortTimes {
  guest: Guest
  activeMs: number
  leaseMs: number
}

/** Creates a port bound to the host, plugs its guest, and times ACTIVE and the DHCP lease. */
async function bootPort(dp: DataplaneFixture, networkId: string, name: string): Promise<PortTimes> {
  const started = performance.now()
  const port = await dp.create('ports', 'port', {
    network_id: networkId,
    name,
    'binding:host_id': dp.host,
    device_owner: 'compute:nova',
    device_id: `bench-${name}`,
  })
  const guest = await dp.plugGuest(port)
  for (;;) {
    const res = await dp.request({ method: 'GET', url: `/v2.0/ports/${String(port['id'])}` })
    if ((res.json() as { port: Json }).port['status'] === 'ACTIVE') break
    if (performance.now() - started > 60_000) throw new Error(`port ${name} never became ACTIVE`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const activeMs = performance.now() - started
  // a loaded host may serve the lease after udhcpc's eight tries: ask again, as a guest would
  for (let attempt = 1; ; attempt++) {
    try {
      await guest.dhcp()
      break
    } catch (error) {
      if (attempt === 4) throw error
    }
  }
  return { guest, activeMs, leaseMs: performance.now() - started }
}

/** Associates a floating IP with the guest's port and times it until the host gets an echo. */
async function floatGuest(dp: DataplaneFixture, publicId: string, guest: Guest): Promise<number> {
  const started = performance.now()
  const fip = await dp.create('floatingips', 'floatingip', {
    floating_network_id: publicId,
    port_id: guest.portId,
  })
  await firstEcho(String(fip['floating_ip_address']), 60)
  return performance.now() - started
}

/** Measures the data plane on this host and prints the figures. */
export async function runDataplaneBench(options: { ports: number }): Promise<void> {
  const reason = await unavailable()
  if (reason) {
    console.log(`network data plane: skipped (${reason})`)
    return
  }
  const dp = await createDataplaneFixture()
  try {
    // a floating IP and a port per guest, beyond the default quotas
    await dp.request({
      method: 'PUT',
      url: `/v2.0/quotas/${ADMIN_PROJECT}`,
      payload: { quota: { floatingip: -1, port: -1 } },
    })
    const net = await dp.create('networks', 'network', { name: 'bench-dataplane' })
    const networkId = String(net['id'])
    const subnet = await dp.create('subnets', 'subnet', {
      network_id: networkId,
      cidr: '10.77.0.0/23',
      ip_version: 4,
    })
    const publicId = String(
      (
        (await dp.request({ method: 'GET', url: '/v2.0/networks?name=public' })).json() as {
          networks: Json[]
        }
      ).networks[0]?.['id'],
    )
    const router = await dp.create('routers', 'router', {
      name: 'bench-router',
      external_gateway_info: { network_id: publicId },
    })
    await dp.request({
      method: 'PUT',
      url: `/v2.0/routers/${String(router['id'])}/add_router_interface`,
      payload: { subnet_id: subnet['id'] },
    })
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
    await dp.settle()
    await dp.settle()
    const fmt = (ms: number) => (ms / 1000).toFixed(2)
    const line = (what: string, ms: number[]) =>
      ms.length === 1
        ? `${fmt(ms[0] as number)} s`
        : `p50 ${fmt(percentile(ms, 50))} s, p99 ${fmt(percentile(ms, 99))} s, all ${what}`
    console.log(
      `network data plane (linuxbridge, server and agents in-process, L2 agent polling taps every 200 ms; one host, 2 cores)`,
    )
    const guests: Guest[] = []
    for (const count of [1, options.ports]) {
      const started = performance.now()
      const times = await pool(
        Array.from({ length: count }, (_, i) => `p${guests.length + i}`),
        10,
        (name) => bootPort(dp, networkId, name),
      )
      const wall = performance.now() - started
      guests.push(...times.map((t) => t.guest))
      const total = `${count} in ${fmt(wall)} s`
      console.log(
        `  ${count} port(s), 10 at a time: create to ACTIVE ${line(
          total,
          times.map((t) => t.activeMs),
        )}`,
      )
      console.log(
        `    create to DHCP lease in the guest ${line(
          total,
          times.map((t) => t.leaseMs),
        )}`,
      )
    }
    let floated = 0
    for (const count of [1, options.ports]) {
      const started = performance.now()
      const batch = guests.slice(floated, floated + count)
      floated += count
      const ms = await pool(batch, 10, (guest) => floatGuest(dp, publicId, guest))
      const total = `${count} in ${fmt(performance.now() - started)} s`
      console.log(
        `  ${count} floating IP(s), 10 at a time: association to the first echo from the host ${line(total, ms)}`,
      )
    }
    const [a, b] = guests as [Guest, Guest]
    const leaseA = await a.dhcp()
    const bridged = await iperf(a.netns, b.netns, leaseA['ip'] as string)
    const veth = await vethBaseline()
    console.log(
      `  TCP throughput (iperf3, ${IPERF_SECONDS} s): guest to guest through the bridge with security groups ${bridged.toFixed(2)} Gbit/s (MTU 1450); plain veth pair ${veth.toFixed(2)} Gbit/s (MTU 1500), ratio ${(bridged / veth).toFixed(2)}`,
    )
  } finally {
    await dp.close()
  }
}
