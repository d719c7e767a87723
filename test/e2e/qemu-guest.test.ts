/** @module test/e2e/qemu-guest.test: a real guest (qemu driver, TCG here) on the networking data plane, through the openstack CLI */
import { randomInt } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TINY_BANNER } from '../../src/compute/images/tiny-guest-init.js'
import { buildTinyImage } from '../../src/compute/images/tiny-image-builder.js'
import { QemuDriver } from '../../src/compute/virt/qemu/qemu-driver.js'
import { exec } from '../../src/core/sys/exec.js'
import { deleteLink, getLink } from '../../src/core/sys/ip-link.js'
import { listNetns } from '../../src/core/sys/netns.js'
import { removeAgentTables, removeDataDir, startCloud, testHostName, type Cloud } from './cloud.js'
import { qemuUnavailable, until } from './guest-tests.js'

type Row = Record<string, unknown>

const skipReason = await qemuUnavailable()

describe.skipIf(skipReason !== undefined)('a real guest with the qemu driver', () => {
  let cloud: Cloud
  /** The host bridge the L3 agent gives the external network (it stays while that network does). */
  let publicBridge: string | undefined
  const hostName = testHostName('qemu')

  beforeAll(async () => {
    // built once per machine; the cloud takes it from this cache
    const cache = join(tmpdir(), 'nimbus-tiny-image-cache')
    await buildTinyImage({ dataDir: cache })
    process.env['NIMBUS_COMPUTE_GUEST_IMAGE_CACHE'] = cache
    // the data plane's names (VXLAN ids, the external subnet) must not meet other clouds on this host
    const vni = randomInt(20_000, 15_000_000)
    process.env['NIMBUS_COMPUTE_DRIVER'] = 'qemu'
    process.env['NIMBUS_HOST_NAME'] = hostName
    process.env['NIMBUS_NETWORK_DATAPLANE'] = 'linuxbridge'
    process.env['NIMBUS_NETWORK_VNI_RANGES'] = `${vni}:${vni + 99}`
    process.env['NIMBUS_NETWORK_PUBLIC_CIDR'] = `198.18.${randomInt(1, 254)}.0/24`
    try {
      cloud = await startCloud()
    } finally {
      for (const key of [
        'COMPUTE_DRIVER',
        'COMPUTE_GUEST_IMAGE_CACHE',
        'HOST_NAME',
        'NETWORK_DATAPLANE',
        'NETWORK_VNI_RANGES',
        'NETWORK_PUBLIC_CIDR',
      ]) {
        delete process.env[`NIMBUS_${key}`]
      }
    }
  })

  afterAll(async () => {
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      if (publicBridge) await deleteLink(publicBridge).catch(() => undefined)
      await removeAgentTables(hostName)
      // guests outlive their agent by design: a failed run (or stop) must not leave them running
      const hostsDir = join(cloud.dataDir, 'compute')
      for (const host of await readdir(hostsDir).catch(() => [] as string[])) {
        const noImages = { info: async () => undefined, download: async () => Readable.from([]) }
        const driver = new QemuDriver({ dataDir: join(hostsDir, host), images: noImages })
        for (const uuid of await driver.listGuests()) await driver.destroy(uuid)
      }
      await removeDataDir(cloud.dataDir)
    }
  })

  it('boots tiny on m1.tiny: ACTIVE, DHCP address on the console, floating IP answers ping and SSH with the key pair, a volume one server writes another reads, delete leaves nothing', async () => {
    // the cloud built (from the shared cache) and registered its guest images itself
    const deadline = Date.now() + 300_000
    let images: Row[] = []
    while (!images.some((i) => i['Name'] === 'tiny' && i['Status'] === 'active')) {
      if (Date.now() > deadline)
        throw new Error(`tiny was not registered: ${JSON.stringify(images)}`)
      await new Promise((resolve) => setTimeout(resolve, 1000))
      images = (await cloud.runJson(['image', 'list'])) as Row[]
    }
    expect(images.map((i) => i['Name']).sort()).toEqual(
      expect.arrayContaining(['tiny', 'tiny-kernel', 'tiny-ramdisk']),
    )
    const tiny = (await cloud.runJson(['image', 'show', 'tiny'])) as Row
    expect(tiny['visibility']).toBe('public')
    const properties = tiny['properties'] as Record<string, unknown>
    const kernel = images.find((i) => i['Name'] === 'tiny-kernel')
    expect(properties['kernel_id']).toBe(kernel?.['ID'])
    await cloud.run(['network', 'create', 'private'])
    await cloud.run([
      'subnet',
      'create',
      'private-v4',
      '--network',
      'private',
      '--subnet-range',
      '10.42.0.0/24',
    ])
    await cloud.run(['router', 'create', 'r1'])
    await cloud.run(['router', 'set', 'r1', '--external-gateway', 'public'])
    await cloud.run(['router', 'add', 'subnet', 'r1', 'private-v4'])

    const keyDir = await mkdtemp(join(tmpdir(), 'nimbus-e2e-key-'))
    const key = join(keyDir, 'k')
    await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
    await cloud.run(['keypair', 'create', '--public-key', `${key}.pub`, 'k'])
    const server = (await cloud.runJson([
      'server',
      'create',
      'guest-1',
      '--image',
      'tiny',
      '--flavor',
      'm1.tiny',
      '--network',
      'private',
      '--key-name',
      'k',
      '--wait',
    ])) as Row
    expect(server['status']).toBe('ACTIVE')
    const id = String(server['id'])
    // the second guest, which gets the volume after the first, boots meanwhile
    const second = (await cloud.runJson([
      ...['server', 'create', 'guest-2', '--image', 'tiny', '--flavor', 'm1.tiny'],
      ...['--network', 'private', '--key-name', 'k'],
    ])) as Row
    const secondId = String(second['id'])
    const port = ((await cloud.runJson(['port', 'list', '--server', id])) as Row[])[0] ?? {}
    const fixed = ((port['Fixed IP Addresses'] ?? port['fixed_ips']) as { ip_address: string }[])[0]
    const address = fixed?.ip_address ?? ''
    const mac = String(port['MAC Address'] ?? port['mac_address'])
    expect(address).toMatch(/^10\.42\.0\.\d+$/)

    const log = await until('the banner with the DHCP address', 90_000, async () => {
      const text = await cloud.run(['console', 'log', 'show', id])
      return text.includes(`eth0: ${mac} ${address}/24`) ? text : undefined
    })
    expect(log).toContain(`${TINY_BANNER} guest-1`)

    const fip = (await cloud.runJson(['floating', 'ip', 'create', 'public'])) as Row
    const floating = String(fip['floating_ip_address'])
    await cloud.run(['server', 'add', 'floating', 'ip', id, floating])
    // the default group admits only its own members: let the host's pings in
    const project = (await cloud.runJson(['project', 'show', 'admin'])) as Row
    const groups = (await cloud.runJson([
      'security',
      'group',
      'list',
      '--project',
      String(project['id']),
    ])) as Row[]
    const group = groups.find((g) => g['Name'] === 'default')
    await cloud.run([
      'security',
      'group',
      'rule',
      'create',
      String(group?.['ID']),
      '--protocol',
      'icmp',
    ])
    await cloud.run([
      'security',
      'group',
      'rule',
      'create',
      String(group?.['ID']),
      '--protocol',
      'tcp',
      '--dst-port',
      '22',
    ])
    await until(`ping ${floating}`, 30_000, () =>
      exec('busybox', ['ping', '-c', '1', '-W', '1', floating], { timeoutMs: 5000 }).then(
        () => true,
        () => undefined,
      ),
    )

    // dropbear in the guest accepts the key pair's key, handed over with the guest's config data
    const inGuest = (address: string, command: string, user = 'cirros') =>
      exec(
        'ssh',
        [
          ...['-i', key, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
          ...['-o', 'ConnectTimeout=5', '-o', 'BatchMode=yes', `${user}@${address}`, command],
        ],
        { timeoutMs: 15_000 },
      ).then(
        (result) => result.stdout.trim(),
        () => undefined,
      )
    const ssh = await until('ssh into the guest', 30_000, () => inGuest(floating, 'hostname'))
    expect(ssh).toBe('guest-1')

    // a port on a second network, hot-plugged: the running guest sees a NIC with its MAC, which
    // goes again when the port is removed (a port the compute service made, so it is deleted)
    await cloud.run(['network', 'create', 'second'])
    await cloud.run([
      ...['subnet', 'create', 'second-v4', '--network', 'second'],
      ...['--subnet-range', '10.43.0.0/24'],
    ])
    await cloud.run(['server', 'add', 'network', id, 'second'])
    const ports = (await cloud.runJson(['port', 'list', '--server', id])) as Row[]
    expect(ports).toHaveLength(2)
    const added = ports.find((p) => String(p['MAC Address'] ?? p['mac_address']) !== mac) ?? {}
    const addedMac = String(added['MAC Address'] ?? added['mac_address'])
    const macsInGuest = () => inGuest(floating, 'cat /sys/class/net/*/address')
    const nics = await until('the hot-plugged NIC in the guest', 30_000, async () => {
      const out = await macsInGuest()
      return out?.includes(addedMac) ? out : undefined
    })
    expect(nics).toContain(mac)
    await cloud.run(['server', 'remove', 'port', id, String(added['ID'] ?? added['id'])])
    await until('the NIC to leave the guest', 30_000, async () => {
      const out = await macsInGuest()
      return out !== undefined && !out.includes(addedMac) ? out : undefined
    })
    expect((await cloud.runJson(['port', 'list', '--server', id])) as Row[]).toHaveLength(1)
    await cloud.run(['subnet', 'delete', 'second-v4'])
    await cloud.run(['network', 'delete', 'second'])

    // a 1 GiB volume: attached, the guest sees it as /dev/vdb, writes to it; detached, attached
    // to the second guest, which reads back what the first wrote
    const volume = (await cloud.runJson(['volume', 'create', '--size', '1', 'data-1'])) as Row
    const volumeId = String(volume['id'])
    const volumeIs = (status: string) =>
      until(`volume ${volumeId} ${status}`, 60_000, async () => {
        const shown = (await cloud.runJson(['volume', 'show', volumeId])) as Row
        if (shown['status'] === 'error') throw new Error(`volume ${volumeId} went to error`)
        return shown['status'] === status ? shown : undefined
      })
    await volumeIs('available')
    // the disk whose virtio serial is the volume id's first 20 characters
    const diskOf = `for d in /sys/block/vd*; do [ "$(cat $d/serial)" = "${volumeId.slice(0, 20)}" ] && echo \${d##*/}; done; true`
    const pattern = `nimbus-volume-${randomInt(1e9)}`
    await cloud.run(['server', 'add', 'volume', id, volumeId])
    const attached = await volumeIs('in-use')
    const attachments = attached['attachments'] as { server_id: string; device: string }[]
    expect(attachments.map((a) => [a.server_id, a.device])).toEqual([[id, '/dev/vdb']])
    const seen = await until(
      'the guest to see the volume',
      30_000,
      async () => (await inGuest(floating, diskOf, 'root')) || undefined,
    )
    expect(seen).toBe('vdb')
    const write = `echo -n ${pattern} | dd of=/dev/vdb bs=512 count=1 conv=sync 2>/dev/null && sync && echo written`
    // root writes the disk (each ssh is retried: a loaded host drops one now and then)
    const written = await until('the guest to write the volume', 30_000, () =>
      inGuest(floating, write, 'root'),
    )
    expect(written).toBe('written')
    await cloud.run(['server', 'remove', 'volume', id, volumeId])
    await volumeIs('available')
    await until('the guest to lose the volume', 30_000, async () =>
      (await inGuest(floating, diskOf, 'root')) === '' ? true : undefined,
    )

    await until('guest-2 ACTIVE', 120_000, async () => {
      const shown = (await cloud.runJson(['server', 'show', secondId])) as Row
      if (shown['status'] === 'ERROR') throw new Error(`guest-2 failed: ${JSON.stringify(shown)}`)
      return shown['status'] === 'ACTIVE' ? true : undefined
    })
    const fip2 = (await cloud.runJson(['floating', 'ip', 'create', 'public'])) as Row
    const floating2 = String(fip2['floating_ip_address'])
    await cloud.run(['server', 'add', 'floating', 'ip', secondId, floating2])
    await cloud.run(['server', 'add', 'volume', secondId, volumeId])
    await volumeIs('in-use')
    const read = `dd if=/dev/vdb bs=512 count=1 2>/dev/null | head -c ${pattern.length}`
    const readBack = await until(
      'ssh into guest-2 and read the volume',
      120_000,
      async () => (await inGuest(floating2, `[ -b /dev/vdb ] && ${read}`, 'root')) || undefined,
    )
    expect(readBack).toBe(pattern)
    await cloud.run(['server', 'remove', 'volume', secondId, volumeId])
    await volumeIs('available')
    await cloud.run(['volume', 'delete', volumeId])
    await rm(keyDir, { recursive: true, force: true })

    await cloud.run(['server', 'delete', secondId, '--wait'])
    await cloud.run(['floating', 'ip', 'delete', floating2])
    await cloud.run(['server', 'delete', id, '--wait'])
    const { stdout } = await exec('ps', ['-eo', 'args'])
    expect(stdout).not.toContain(id)
    expect(await getLink(`tap${String(port['ID'] ?? port['id']).slice(0, 11)}`)).toBeUndefined()
    const guests = await readdir(join(cloud.dataDir, 'compute')).then(async (hosts) =>
      (
        await Promise.all(
          hosts.map((h) => readdir(join(cloud.dataDir, 'compute', h, 'qemu', 'guests'))),
        )
      ).flat(),
    )
    expect(guests).toEqual([])

    // the agents take down what the network resources had: router and DHCP namespaces, bridge
    const router = (await cloud.runJson(['router', 'show', 'r1'])) as Row
    const network = (await cloud.runJson(['network', 'show', 'private'])) as Row
    const publicNet = (await cloud.runJson(['network', 'show', 'public'])) as Row
    publicBridge = `brq${String(publicNet['id']).slice(0, 11)}`
    await cloud.run(['floating', 'ip', 'delete', floating])
    await cloud.run(['router', 'remove', 'subnet', 'r1', 'private-v4'])
    await cloud.run(['router', 'delete', 'r1'])
    await cloud.run(['network', 'delete', 'private'])
    const namespaces = [`qrouter-${String(router['id'])}`, `qdhcp-${String(network['id'])}`]
    const privateBridge = `brq${String(network['id']).slice(0, 11)}`
    await until('the router and DHCP namespaces and the bridge to go', 60_000, async () => {
      const left = (await listNetns()).filter((n) => namespaces.includes(n))
      return left.length === 0 && !(await getLink(privateBridge)) ? true : undefined
    })
  }, 900_000)
})
