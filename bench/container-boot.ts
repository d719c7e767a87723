/** @module bench/container-boot: a tiny container guest (container driver) from server create to ACTIVE and to its DHCP lease, next to a bare `runc run` of the same image */
import { randomInt } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildTinyContainer, TINY_CONTAINER_CONFIG } from '../src/compute/images/tiny-container.js'
import { buildTinyImage } from '../src/compute/images/tiny-image-builder.js'
import { readImageArchive } from '../src/compute/virt/container/docker-archive.js'
import { containerConfig } from '../src/compute/virt/container/oci-config.js'
import { exec } from '../src/core/sys/exec.js'
import { deleteNetns, ensureNetns, execInNetns } from '../src/core/sys/netns.js'
import { Runc, runcUnavailableReason } from '../src/core/sys/runc.js'
import { removeDataDir, startCloud } from '../test/e2e/cloud.js'
import { adminApi, deleteBenchNetwork, deleteHostTables } from './cloud-api.js'

const { values } = parseArgs({ options: { samples: { type: 'string', default: '5' } } })
const samples = Number(values.samples)
const LEASE = /eth0: \S+ (\d+\.\d+\.\d+\.\d+)\/\d+/

const missing =
  process.getuid?.() !== 0 ? 'namespaces and runc need root' : await runcUnavailableReason()
if (missing) {
  console.log(`container-boot: skipped (${missing})`)
  process.exit(0)
}
const cache = join(tmpdir(), 'nimbus-tiny-image-cache')
const archive = await buildTinyContainer(await buildTinyImage({ dataDir: cache }))

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitForLease(read: () => Promise<string>, started: number): Promise<number> {
  for (;;) {
    const output = await read()
    if (LEASE.test(output)) return performance.now() - started
    if (performance.now() - started > 60_000) {
      throw new Error(`no DHCP lease in 60 s; the guest printed:\n${output.slice(-2000)}`)
    }
    await sleep(10)
  }
}

/**
 * The same image under plain runc: its root unpacked once, a namespace holding the container's
 * eth0, the other end of the veth in a namespace running dnsmasq (no router, so the guest asks
 * no metadata service, as it would not on an isolated network without one).
 */
async function bareRuns(): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-bare-container-'))
  const tag = randomInt(0x10000, 0xfffff).toString(16)
  const guestNs = `nbg-${tag}`
  const dhcpNs = `nbd-${tag}`
  const runc = new Runc(join(dir, 'runc'))
  try {
    const contents = await readImageArchive(archive, join(dir, 'image'))
    const rootfs = join(dir, 'bundle', 'rootfs')
    await mkdir(rootfs, { recursive: true })
    for (const layer of contents.layers) {
      await exec('tar', ['-x', '-f', layer, '-C', rootfs], { timeoutMs: 60_000 })
    }
    await ensureNetns(guestNs)
    await ensureNetns(dhcpNs)
    await exec('ip', [
      'link',
      'add',
      'eth0',
      'netns',
      guestNs,
      'type',
      'veth',
      'peer',
      'name',
      `d${tag}`,
      'netns',
      dhcpNs,
    ])
    await execInNetns(dhcpNs, 'ip', ['addr', 'add', '10.199.0.1/24', 'dev', `d${tag}`])
    await execInNetns(dhcpNs, 'ip', ['link', 'set', `d${tag}`, 'up'])
    await exec('ip', [
      'netns',
      'exec',
      dhcpNs,
      'dnsmasq',
      '--port=0',
      `--interface=d${tag}`,
      '--bind-interfaces',
      '--dhcp-range=10.199.0.10,10.199.0.200,1h',
      '--dhcp-option=3',
      `--pid-file=${join(dir, 'dnsmasq.pid')}`,
      '--leasefile-ro',
      '--conf-file=/dev/null',
    ])
    const config = containerConfig({
      image: TINY_CONTAINER_CONFIG,
      hostname: 'bare',
      vcpus: 1,
      memoryMb: 128,
      netnsPath: `/run/netns/${guestNs}`,
      cgroupsPath: `/nimbus-bench-${tag}`,
    })
    await writeFile(join(dir, 'bundle', 'config.json'), JSON.stringify(config))
    const times: number[] = []
    // one more run than counted: the first waits for dnsmasq to answer at all
    for (let i = 0; i <= samples; i++) {
      const id = `bare-${tag}-${i}`
      const log = join(dir, `${id}.log`)
      const started = performance.now()
      await runc.runDetached(id, join(dir, 'bundle'), log)
      const time = await waitForLease(() => readFile(log, 'utf8').catch(() => ''), started)
      if (i > 0) times.push(time)
      await runc.delete(id, true)
    }
    return times
  } finally {
    const pid = Number((await readFile(join(dir, 'dnsmasq.pid'), 'utf8').catch(() => '')).trim())
    if (pid > 0) process.kill(pid, 'SIGTERM')
    await deleteNetns(guestNs).catch(() => undefined)
    await deleteNetns(dhcpNs).catch(() => undefined)
    await rm(dir, { recursive: true, force: true })
  }
}

/** The guest's console log under the cloud's data dir (`compute/<host>/container/guests/<id>`). */
async function consoleLog(dataDir: string, id: string): Promise<string> {
  for (const host of await readdir(join(dataDir, 'compute'))) {
    const path = join(dataDir, 'compute', host, 'container', 'guests', id, 'console.log')
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      return path
  }
  throw new Error(`no console log of guest ${id} under ${dataDir}/compute`)
}

const bare = await bareRuns()

const vni = 40_000 + randomInt(1_000_000)
// a host name of its own: its security group tables are removed at the end
const hostName = `bench-ctr-${randomInt(0x10000, 0xfffff).toString(16)}`
process.env['NIMBUS_HOST_NAME'] = hostName
process.env['NIMBUS_COMPUTE_DRIVER'] = 'container'
process.env['NIMBUS_COMPUTE_GUEST_IMAGE_CACHE'] = cache
process.env['NIMBUS_NETWORK_DATAPLANE'] = 'linuxbridge'
process.env['NIMBUS_NETWORK_VNI_RANGES'] = `${vni}:${vni + 99}`
process.env['NIMBUS_NETWORK_PUBLIC_CIDR'] = `198.19.${randomInt(1, 251)}.0/24`
const cloud = await startCloud()
const toActive: number[] = []
const toLease: number[] = []
let first = { active: 0, lease: 0 }
const servers = new Set<string>()
let call: Awaited<ReturnType<typeof adminApi>> | undefined
let network: string | undefined
try {
  const run = await adminApi(cloud)
  call = run
  // the cloud registers tiny-container itself (from the shared cache)
  let image: string | undefined
  for (let waited = 0; !image; waited++) {
    if (waited > 600) throw new Error('tiny-container was not registered in 5 minutes')
    const { body } = await run('GET', '/image/v2/images?name=tiny-container&status=active')
    image = body['images']?.[0]?.id
    if (!image) await sleep(500)
  }
  network = (await run('POST', '/networking/v2.0/networks', { network: { name: 'bench' } })).body[
    'network'
  ].id as string
  await run('POST', '/networking/v2.0/subnets', {
    subnet: { network_id: network, ip_version: 4, cidr: '10.78.0.0/24', gateway_ip: null },
  })
  // the first server, not counted, also starts the network's DHCP server and bridge
  for (let i = 0; i <= samples; i++) {
    const started = performance.now()
    const created = await run('POST', '/compute/v2.1/servers', {
      server: { name: `c${i}`, imageRef: image, flavorRef: '1', networks: [{ uuid: network }] },
    })
    const id = String(created.body['server']?.['id'])
    servers.add(id)
    let active = 0
    while (!active) {
      if (performance.now() - started > 120_000) throw new Error(`server ${id} not ACTIVE in 120 s`)
      const status = (await run('GET', `/compute/v2.1/servers/${id}`)).body['server']?.['status']
      if (status === 'ERROR') throw new Error(`server ${id} went to ERROR`)
      if (status === 'ACTIVE') active = performance.now() - started
      else await sleep(10)
    }
    // the console log read where the driver writes it, as for the bare run: asking the API
    // every 10 ms would load the very process that runs the boot
    const consoleFile = await consoleLog(cloud.dataDir, id)
    const lease = await waitForLease(() => readFile(consoleFile, 'utf8').catch(() => ''), started)
    if (i > 0) {
      toActive.push(active)
      toLease.push(lease)
    } else {
      first = { active, lease }
    }
    await run('DELETE', `/compute/v2.1/servers/${id}`)
    while ((await run('GET', `/compute/v2.1/servers/${id}`)).status !== 404) await sleep(100)
    servers.delete(id)
  }
} finally {
  // guests outlive their agent by design: a failed run must not leave one running
  const api = call
  if (servers.size > 0 && api) {
    for (const id of servers) await api('DELETE', `/compute/v2.1/servers/${id}`)
    const deadline = Date.now() + 60_000
    for (const id of servers) {
      while (Date.now() < deadline) {
        if ((await api('GET', `/compute/v2.1/servers/${id}`)).status === 404) break
        await sleep(200)
      }
    }
  }
  if (api && network) await deleteBenchNetwork(api, network)
  await cloud.stop()
  await deleteHostTables(hostName)
  await removeDataDir(cloud.dataDir).catch((error: unknown) => console.error(error))
}

const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`
console.log(
  `container-boot (runc, tiny-container, m1.tiny, ${samples} samples after a first one, medians):`,
)
console.log(
  `  first server (network's DHCP and bridge set up too): ACTIVE ${s(first.active)}, lease ${s(first.lease)}`,
)
console.log(
  `  bare runc run to DHCP lease              ${s(median(bare))}  [${bare.map(s).join(', ')}]`,
)
console.log(
  `  server create to ACTIVE                  ${s(median(toActive))}  [${toActive.map(s).join(', ')}]`,
)
console.log(
  `  server create to DHCP lease (console log) ${s(median(toLease))}  [${toLease.map(s).join(', ')}]`,
)
console.log(
  `  lease: Nimbus / bare                     ${(median(toLease) / median(bare)).toFixed(2)}x (target 1.5x)`,
)
