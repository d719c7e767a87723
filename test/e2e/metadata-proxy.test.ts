/** @module test/e2e/metadata-proxy.test: a guest namespace on a real server's port fetches its meta_data.json from 169.254.169.254 through the cloud's data plane */
import { randomInt } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec } from '../../src/core/sys/exec.js'
import { deleteLink, ensureVeth, setLink } from '../../src/core/sys/ip-link.js'
import { deleteNetns, ensureNetns, execInNetns, listNetns } from '../../src/core/sys/netns.js'
import { dataplaneUnavailable } from '../../src/network/agents/test/dataplane-fixture.js'
import { removeAgentTables, removeDataDir, startCloud, testHostName, type Cloud } from './cloud.js'

type Row = Record<string, unknown>

const skipReason = await dataplaneUnavailable([
  'busybox',
  '/usr/sbin/dnsmasq',
  'nft',
  '/usr/sbin/haproxy',
  'curl',
])

describe.skipIf(skipReason !== undefined)('the metadata service through the data plane', () => {
  let cloud: Cloud
  let guestNs: string | undefined
  let tap: string | undefined
  const hostName = testHostName('meta')

  beforeAll(async () => {
    const vni = randomInt(20_000, 15_000_000)
    process.env['NIMBUS_HOST_NAME'] = hostName
    process.env['NIMBUS_NETWORK_DATAPLANE'] = 'linuxbridge'
    process.env['NIMBUS_NETWORK_VNI_RANGES'] = `${vni}:${vni + 99}`
    process.env['NIMBUS_NETWORK_PUBLIC_CIDR'] = `198.18.${randomInt(1, 254)}.0/24`
    try {
      cloud = await startCloud()
    } finally {
      for (const key of [
        'HOST_NAME',
        'NETWORK_DATAPLANE',
        'NETWORK_VNI_RANGES',
        'NETWORK_PUBLIC_CIDR',
      ]) {
        delete process.env[`NIMBUS_${key}`]
      }
    }
  }, 60_000)

  afterAll(async () => {
    if (guestNs) await deleteNetns(guestNs).catch(() => undefined)
    if (tap) await deleteLink(tap).catch(() => undefined)
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      await removeAgentTables(hostName)
      await removeDataDir(cloud.dataDir)
    }
  }, 60_000)

  it('answers a server on an isolated network with its own uuid and name', async () => {
    const disk = join(cloud.dataDir, 'disk.img')
    await writeFile(disk, Buffer.alloc(64 * 1024, 1))
    await cloud.run([
      'image',
      'create',
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--file',
      disk,
      'md-image',
    ])
    const network = (await cloud.runJson(['network', 'create', 'md-net'])) as Row
    await cloud.run([
      'subnet',
      'create',
      'md-sub',
      '--network',
      'md-net',
      '--subnet-range',
      `10.${randomInt(100, 200)}.${randomInt(0, 255)}.0/24`,
    ])
    const server = (await cloud.runJson([
      'server',
      'create',
      '--image',
      'md-image',
      '--flavor',
      'm1.nano',
      '--network',
      'md-net',
      'md-vm',
    ])) as Row
    // the build waits for network-vif-plugged: the port goes up once its tap is plugged below
    let port: Row | undefined
    for (let i = 0; i < 120 && !port; i++) {
      ;[port] = (await cloud.runJson(['port', 'list', '--server', 'md-vm', '--long'])) as Row[]
      if (!port) await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const portId = String(port?.['ID'])
    const mac = String(port?.['MAC Address'])
    // the fake driver plugs nothing: a namespace on the port's tap stands in for the guest
    guestNs = `md-guest-${portId.slice(0, 8)}`
    tap = `tap${portId.slice(0, 11)}`
    await ensureNetns(guestNs)
    await ensureVeth(tap, 'eth0', { peerNetns: guestNs })
    await setLink('eth0', { mac, up: true }, { netns: guestNs })
    await setLink(tap, { up: true })
    const script = join(cloud.dataDir, 'udhcpc.sh')
    await writeFile(
      script,
      [
        '#!/bin/sh',
        '[ "$1" = bound ] || exit 0',
        'ip addr add "$ip/$mask" dev "$interface"',
        'set -- $staticroutes',
        'while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done',
        '',
      ].join('\n'),
      { mode: 0o755 },
    )
    const ns = guestNs
    let status = ''
    for (let i = 0; i < 120 && status !== 'ACTIVE' && status !== 'ERROR'; i++) {
      status = String(((await cloud.runJson(['server', 'show', 'md-vm'])) as Row)['status'])
      if (status !== 'ACTIVE') await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(status).toBe('ACTIVE')
    // the DHCP namespace and the proxy come up with the agents' next pass
    let answer = ''
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      const lease = await execInNetns(
        ns,
        'busybox',
        [
          'udhcpc',
          '-i',
          'eth0',
          '-n',
          '-q',
          '-f',
          '-t',
          '4',
          '-T',
          '1',
          '-O',
          'staticroutes',
          '-s',
          script,
        ],
        { timeoutMs: 30_000, okCodes: [0, 1] },
      )
      if (lease.code === 0) {
        const got = await execInNetns(
          ns,
          'curl',
          ['-s', '-m', '10', 'http://169.254.169.254/openstack/latest/meta_data.json'],
          { timeoutMs: 20_000, okCodes: [0, 7, 28] },
        )
        if (got.stdout.startsWith('{')) {
          answer = got.stdout
          break
        }
        await execInNetns(ns, 'ip', ['addr', 'flush', 'dev', 'eth0'])
      }
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    expect(answer, cloud.output().stderr).not.toBe('')
    const meta = JSON.parse(answer) as Row
    expect(meta['uuid']).toBe(server['id'])
    expect(meta['name']).toBe('md-vm')
    const ec2 = await execInNetns(
      ns,
      'busybox',
      ['wget', '-q', '-O', '-', 'http://169.254.169.254/latest/meta-data/instance-id'],
      { timeoutMs: 20_000 },
    )
    expect(ec2.stdout.trim()).toMatch(/^i-[0-9a-f]{8}$/)

    await deleteNetns(ns)
    guestNs = undefined
    await deleteLink(tap).catch(() => undefined)
    tap = undefined
    await cloud.run(['server', 'delete', '--wait', 'md-vm'])
    await cloud.run(['network', 'delete', 'md-net'])
    const qdhcp = `qdhcp-${String(network['id'])}`
    const gone = Date.now() + 60_000
    while ((await listNetns()).includes(qdhcp) && Date.now() < gone) {
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(await listNetns()).not.toContain(qdhcp)
    const proxies = await exec('sh', ['-c', 'ps -eo args | grep "[h]aproxy -db -f"'], {
      okCodes: [0, 1],
    })
    expect(proxies.stdout).not.toContain(String(network['id']))
  }, 240_000)
})
