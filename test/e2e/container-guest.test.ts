/** @module test/e2e/container-guest.test: a real container guest (container driver, runc) on the networking data plane, through the openstack CLI */
import { randomInt } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TINY_BANNER } from '../../src/compute/images/tiny-guest-init.js'
import { buildTinyImage } from '../../src/compute/images/tiny-image-builder.js'
import { ContainerDriver } from '../../src/compute/virt/container/container-driver.js'
import { exec } from '../../src/core/sys/exec.js'
import { deleteLink, getLink } from '../../src/core/sys/ip-link.js'
import { listNetns } from '../../src/core/sys/netns.js'
import { runcUnavailableReason } from '../../src/core/sys/runc.js'
import { removeAgentTables, removeDataDir, startCloud, testHostName, type Cloud } from './cloud.js'
import { until } from './guest-tests.js'

type Row = Record<string, unknown>

const skipReason =
  process.getuid?.() !== 0 ? 'namespaces, veths and runc need root' : await runcUnavailableReason()

const ENV_KEYS = [
  'COMPUTE_DRIVER',
  'COMPUTE_GUEST_IMAGE_CACHE',
  'HOST_NAME',
  'NETWORK_DATAPLANE',
  'NETWORK_VNI_RANGES',
  'NETWORK_PUBLIC_CIDR',
]

describe.skipIf(skipReason !== undefined)('a real guest with the container driver', () => {
  let cloud: Cloud
  let keyDir: string
  /** The host bridge the L3 agent gives the external network (it stays while that network does). */
  let publicBridge: string | undefined
  const hostName = testHostName('ctr')

  beforeAll(async () => {
    // built once per machine; the cloud makes tiny-container from it and registers it
    const cache = join(tmpdir(), 'nimbus-tiny-image-cache')
    await buildTinyImage({ dataDir: cache })
    keyDir = await mkdtemp(join(tmpdir(), 'nimbus-e2e-ctr-key-'))
    const vni = randomInt(20_000, 15_000_000)
    process.env['NIMBUS_COMPUTE_DRIVER'] = 'container'
    process.env['NIMBUS_COMPUTE_GUEST_IMAGE_CACHE'] = cache
    process.env['NIMBUS_HOST_NAME'] = hostName
    process.env['NIMBUS_NETWORK_DATAPLANE'] = 'linuxbridge'
    process.env['NIMBUS_NETWORK_VNI_RANGES'] = `${vni}:${vni + 99}`
    process.env['NIMBUS_NETWORK_PUBLIC_CIDR'] = `198.18.${randomInt(1, 254)}.0/24`
    try {
      cloud = await startCloud()
    } finally {
      for (const key of ENV_KEYS) delete process.env[`NIMBUS_${key}`]
    }
  })

  afterAll(async () => {
    await rm(keyDir, { recursive: true, force: true })
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      if (publicBridge) await deleteLink(publicBridge).catch(() => undefined)
      await removeAgentTables(hostName)
      // guests outlive their agent by design: a failed run must not leave them running
      const hostsDir = join(cloud.dataDir, 'compute')
      for (const host of await readdir(hostsDir).catch(() => [] as string[])) {
        const noImages = { info: async () => undefined, download: async () => Readable.from([]) }
        const driver = new ContainerDriver({ dataDir: join(hostsDir, host), images: noImages })
        for (const uuid of await driver.listGuests()) await driver.destroy(uuid)
      }
      await removeDataDir(cloud.dataDir)
    }
  })

  it('boots tiny-container: DHCP address and metadata config on the console, SSH through a floating IP, stop/start, pause, resize, snapshot booted again, suspend refused, delete leaves nothing', async () => {
    await until('tiny-container registered', 300_000, async () => {
      const images = (await cloud.runJson(['image', 'list'])) as Row[]
      return images.some((i) => i['Name'] === 'tiny-container' && i['Status'] === 'active')
        ? true
        : undefined
    })
    await cloud.run(['network', 'create', 'private'])
    await cloud.run([
      ...['subnet', 'create', 'private-v4', '--network', 'private'],
      ...['--subnet-range', '10.44.0.0/24'],
    ])
    await cloud.run(['router', 'create', 'r1'])
    await cloud.run(['router', 'set', 'r1', '--external-gateway', 'public'])
    await cloud.run(['router', 'add', 'subnet', 'r1', 'private-v4'])
    const key = join(keyDir, 'k')
    await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
    await cloud.run(['keypair', 'create', '--public-key', `${key}.pub`, 'k'])
    const project = (await cloud.runJson(['project', 'show', 'admin'])) as Row
    const groups = (await cloud.runJson([
      ...['security', 'group', 'list', '--project', String(project['id'])],
    ])) as Row[]
    const group = String(groups.find((g) => g['Name'] === 'default')?.['ID'])
    await cloud.run(['security', 'group', 'rule', 'create', group, '--protocol', 'icmp'])
    await cloud.run([
      ...['security', 'group', 'rule', 'create', group],
      ...['--protocol', 'tcp', '--dst-port', '22'],
    ])

    const create = async (name: string, image: string, flavor = 'm1.tiny') => {
      const server = (await cloud.runJson([
        ...['server', 'create', name, '--image', image, '--flavor', flavor],
        ...['--network', 'private', '--key-name', 'k', '--wait'],
      ])) as Row
      expect(server['status']).toBe('ACTIVE')
      const id = String(server['id'])
      const port = ((await cloud.runJson(['port', 'list', '--server', id])) as Row[])[0] ?? {}
      const fixed = (port['Fixed IP Addresses'] as { ip_address: string }[])[0]
      const lease = `eth0: ${String(port['MAC Address'])} ${fixed?.ip_address ?? ''}/24`
      // the entrypoint leases, reads the key and hostname from the metadata service, starts dropbear
      const log = await until(`${name}'s banner`, 90_000, async () => {
        const text = await cloud.run(['console', 'log', 'show', id])
        return text.includes(lease) && text.includes(TINY_BANNER) ? text : undefined
      })
      expect(log).toContain(`${TINY_BANNER} ${name} (container, config from metadata)`)
      return { id, port: String(port['ID']) }
    }
    const status = (id: string, wanted: string) =>
      until(`server ${id} ${wanted}`, 120_000, async () => {
        const shown = (await cloud.runJson(['server', 'show', id])) as Row
        if (shown['status'] === 'ERROR') throw new Error(`server ${id}: ${JSON.stringify(shown)}`)
        return shown['status'] === wanted ? shown : undefined
      })

    const first = await create('ctr-1', 'tiny-container')
    const fip = (await cloud.runJson(['floating', 'ip', 'create', 'public'])) as Row
    const floating = String(fip['floating_ip_address'])
    await cloud.run(['server', 'add', 'floating', 'ip', first.id, floating])
    const ssh = (command: string) =>
      exec(
        'ssh',
        [
          ...['-i', key, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
          ...['-o', 'ConnectTimeout=5', '-o', 'BatchMode=yes', `cirros@${floating}`, command],
        ],
        { timeoutMs: 15_000 },
      ).then(
        (result) => result.stdout.trim(),
        () => undefined,
      )
    expect(await until('ssh into the container', 60_000, () => ssh('hostname'))).toBe('ctr-1')

    await cloud.run(['server', 'stop', first.id])
    await status(first.id, 'SHUTOFF')
    await cloud.run(['server', 'start', first.id])
    await status(first.id, 'ACTIVE')
    expect(await until('ssh after a restart', 60_000, () => ssh('hostname'))).toBe('ctr-1')
    await cloud.run(['server', 'pause', first.id])
    await status(first.id, 'PAUSED')
    await cloud.run(['server', 'unpause', first.id])
    await status(first.id, 'ACTIVE')
    // refused up front: a container has no memory image to save
    await expect(cloud.run(['server', 'suspend', first.id])).rejects.toThrow(/does not support/)
    expect(((await cloud.runJson(['server', 'show', first.id])) as Row)['status']).toBe('ACTIVE')

    await cloud.run(['server', 'resize', '--flavor', 'm1.small', '--wait', first.id])
    await status(first.id, 'VERIFY_RESIZE')
    await cloud.run(['server', 'resize', 'confirm', first.id])
    const resized = await status(first.id, 'ACTIVE')
    expect(JSON.stringify(resized['flavor'])).toContain('m1.small')

    // the snapshot is a docker-format image of the container's root that boots again
    await cloud.run([...['server', 'image', 'create', '--name', 'ctr-1-snap', '--wait'], first.id])
    const snapshot = (await cloud.runJson(['image', 'show', 'ctr-1-snap'])) as Row
    expect(snapshot['status']).toBe('active')
    expect(snapshot['container_format']).toBe('docker')
    // the snapshot's min_disk is the resized server's root disk, as Nova records it
    expect(snapshot['min_disk']).toBe(
      ((await cloud.runJson(['flavor', 'show', 'm1.small'])) as Row)['disk'],
    )
    const second = await create('ctr-2', 'ctr-1-snap', 'm1.small')

    await cloud.run(['floating', 'ip', 'delete', floating])
    await cloud.run(['server', 'delete', first.id, second.id, '--wait'])
    await cloud.run(['image', 'delete', 'ctr-1-snap'])
    for (const { port } of [first, second]) {
      expect(await getLink(`tap${port.slice(0, 11)}`)).toBeUndefined()
    }
    const namespaces = await listNetns()
    expect(namespaces.filter((n) => n.includes(first.id) || n.includes(second.id))).toEqual([])
    const guests = (
      await Promise.all(
        (await readdir(join(cloud.dataDir, 'compute'))).map((host) =>
          readdir(join(cloud.dataDir, 'compute', host, 'container', 'guests')).catch(
            () => [] as string[],
          ),
        ),
      )
    ).flat()
    expect(guests).toEqual([])

    const publicNet = (await cloud.runJson(['network', 'show', 'public'])) as Row
    publicBridge = `brq${String(publicNet['id']).slice(0, 11)}`
    await cloud.run(['router', 'remove', 'subnet', 'r1', 'private-v4'])
    await cloud.run(['router', 'delete', 'r1'])
    await cloud.run(['network', 'delete', 'private'])
  }, 900_000)
})
