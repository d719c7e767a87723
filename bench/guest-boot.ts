/** @module bench/guest-boot: a real tiny guest (qemu driver) from server create to ACTIVE and to its DHCP lease, next to a bare QEMU boot of the same image */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildTinyImage } from '../src/compute/images/tiny-image-builder.js'
import { exec } from '../src/core/sys/exec.js'
import { readPidFile, signalProcess } from '../src/core/sys/process-table.js'
import { probeKvm } from '../src/compute/virt/qemu/kvm-probe.js'
import { removeDataDir, startCloud } from '../test/e2e/cloud.js'
import { adminApi, deleteBenchNetwork, deleteHostTables } from './cloud-api.js'

const { values } = parseArgs({ options: { samples: { type: 'string', default: '3' } } })
const samples = Number(values.samples)
const LEASE = /eth0: \S+ (\d+\.\d+\.\d+\.\d+)\/\d+/

if (process.getuid?.() !== 0) {
  console.log('guest-boot: skipped (taps, bridges and namespaces need root)')
  process.exit(0)
}
const image = await buildTinyImage({ dataDir: join(tmpdir(), 'nimbus-tiny-image-cache') })
const accel = await probeKvm('qemu-system-x86_64')

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The same kernel and initramfs under QEMU's own user network (its built-in DHCP server). */
async function bareBoot(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-bare-guest-'))
  const consoleFile = join(dir, 'console.log')
  const started = performance.now()
  await exec('qemu-system-x86_64', [
    ...['-machine', `pc,accel=${accel.accel}`, '-m', '512', '-smp', '1'],
    ...['-nodefaults', '-no-user-config', '-display', 'none'],
    ...['-chardev', `file,id=s0,path=${consoleFile}`, '-serial', 'chardev:s0'],
    ...['-netdev', 'user,id=n0', '-device', 'virtio-net-pci,netdev=n0'],
    ...['-kernel', image.kernel, '-initrd', image.ramdisk, '-append', 'console=ttyS0 quiet'],
    ...['-daemonize', '-pidfile', join(dir, 'qemu.pid')],
  ])
  try {
    for (;;) {
      const text = await readFile(consoleFile, 'utf8').catch(() => '')
      if (LEASE.test(text)) return performance.now() - started
      if (performance.now() - started > 120_000) throw new Error('bare guest got no lease in 120 s')
      await sleep(50)
    }
  } finally {
    const pid = await readPidFile(join(dir, 'qemu.pid'))
    if (pid) signalProcess(pid, 'SIGKILL')
    await rm(dir, { recursive: true, force: true })
  }
}

const bare: number[] = []
for (let i = 0; i < samples; i++) bare.push(await bareBoot())

const vni = 30_000 + Math.floor(Math.random() * 1_000_000)
// a host name of its own: its security group tables are removed at the end
const hostName = `bench-vm-${Math.floor(Math.random() * 0xfffff).toString(16)}`
process.env['NIMBUS_HOST_NAME'] = hostName
process.env['NIMBUS_COMPUTE_DRIVER'] = 'qemu'
process.env['NIMBUS_COMPUTE_GUEST_IMAGE_CACHE'] = join(tmpdir(), 'nimbus-tiny-image-cache')
process.env['NIMBUS_NETWORK_DATAPLANE'] = 'linuxbridge'
process.env['NIMBUS_NETWORK_VNI_RANGES'] = `${vni}:${vni + 99}`
process.env['NIMBUS_NETWORK_PUBLIC_CIDR'] = `198.19.${1 + Math.floor(Math.random() * 250)}.0/24`
const cloud = await startCloud()
const toActive: number[] = []
const toLease: number[] = []
let network: string | undefined
let call: Awaited<ReturnType<typeof adminApi>> | undefined
try {
  const id = (json: unknown) => String((json as Record<string, unknown>)['id'])
  // the cloud registers the tiny guest itself, from the cache built above
  let tiny = ''
  for (let waited = 0; !tiny; waited++) {
    if (waited > 300) throw new Error('the tiny image was not registered in 5 minutes')
    const rows = (await cloud.runJson(['image', 'list', '--name', 'tiny'])) as Record<
      string,
      unknown
    >[]
    const row = rows.find((r) => r['Status'] === 'active')
    if (row) tiny = String(row['ID'])
    else await sleep(1000)
  }
  network = id(await cloud.runJson(['network', 'create', 'bench']))
  await cloud.run([
    'subnet',
    'create',
    'bench-v4',
    '--network',
    'bench',
    '--subnet-range',
    '10.77.0.0/24',
  ])

  const admin = await adminApi(cloud)
  call = admin
  const api = async (method: string, path: string, body?: unknown) =>
    (await admin(method, `/compute/v2.1${path}`, body)).body as Record<
      string,
      Record<string, unknown>
    >

  for (let i = 0; i < samples; i++) {
    const started = performance.now()
    const created = await api('POST', '/servers', {
      server: { name: `b${i}`, imageRef: tiny, flavorRef: '1', networks: [{ uuid: network }] },
    })
    const serverId = String(created['server']?.['id'])
    let active = 0
    let lease = 0
    while (!active || !lease) {
      if (performance.now() - started > 180_000)
        throw new Error(`server ${serverId} not up in 180 s`)
      if (!active) {
        const shown = await api('GET', `/servers/${serverId}`)
        const status = shown['server']?.['status']
        if (status === 'ERROR') throw new Error(`server ${serverId} went to ERROR`)
        if (status === 'ACTIVE') active = performance.now() - started
      }
      if (active && !lease) {
        const out = await api('POST', `/servers/${serverId}/action`, { 'os-getConsoleOutput': {} })
        if (LEASE.test(String(out['output'] ?? ''))) lease = performance.now() - started
      }
      await sleep(100)
    }
    toActive.push(active)
    toLease.push(lease)
    await api('DELETE', `/servers/${serverId}`)
    while ((await admin('GET', `/compute/v2.1/servers/${serverId}`)).status !== 404) {
      await sleep(200)
    }
  }
} finally {
  if (call && network) await deleteBenchNetwork(call, network)
  await cloud.stop()
  await deleteHostTables(hostName)
  await removeDataDir(cloud.dataDir)
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
console.log(
  `guest-boot (${accel.accel.toUpperCase()}, tiny image, m1.tiny, ${samples} samples, medians):`,
)
console.log(
  `  bare qemu-system-x86_64 to DHCP lease       ${s(median(bare))}  [${bare.map(s).join(', ')}]`,
)
console.log(
  `  server create to ACTIVE                     ${s(median(toActive))}  [${toActive.map(s).join(', ')}]`,
)
console.log(
  `  server create to DHCP lease (console)       ${s(median(toLease))}  [${toLease.map(s).join(', ')}]`,
)
console.log(
  `  lease: Nimbus / bare                        ${(median(toLease) / median(bare)).toFixed(2)}x (target 1.5x)`,
)
