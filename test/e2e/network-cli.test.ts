/** @module test/e2e/network-cli.test: the real openstack CLI against `nimbus up`, networking */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDataDir, startCloud, type Cloud } from './cloud.js'

type Row = Record<string, unknown>

function row(value: unknown): Row {
  expect(value, 'a JSON object').toBeTypeOf('object')
  return value as Row
}

describe('networking through the openstack CLI', () => {
  let cloud: Cloud

  beforeAll(async () => {
    cloud = await startCloud()
  })

  afterAll(async () => {
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      await removeDataDir(cloud.dataDir)
    }
  })

  it('builds a topology, refuses deletes out of order, then tears it down', async () => {
    const pub = row(await cloud.runJson(['network', 'show', 'public']))
    expect(pub['router:external']).toBe(true)

    const net = row(await cloud.runJson(['network', 'create', 'e2e-net']))
    const v4 = row(
      await cloud.runJson([
        'subnet',
        'create',
        'e2e-v4',
        '--network',
        'e2e-net',
        '--subnet-range',
        '10.20.0.0/24',
        '--allocation-pool',
        'start=10.20.0.10,end=10.20.0.100',
      ]),
    )
    expect(v4['allocation_pools']).toEqual([{ start: '10.20.0.10', end: '10.20.0.100' }])
    const v6 = row(
      await cloud.runJson([
        'subnet',
        'create',
        'e2e-v6',
        '--network',
        'e2e-net',
        '--ip-version',
        '6',
        '--ipv6-ra-mode',
        'slaac',
        '--ipv6-address-mode',
        'slaac',
        '--subnet-range',
        '2001:db8:20::/64',
      ]),
    )
    expect(v6['ipv6_address_mode']).toBe('slaac')

    const port = row(
      await cloud.runJson([
        'port',
        'create',
        'e2e-port',
        '--network',
        'e2e-net',
        '--fixed-ip',
        'subnet=e2e-v4,ip-address=10.20.0.50',
      ]),
    )
    expect(JSON.stringify(port['fixed_ips'])).toContain('10.20.0.50')

    await cloud.run(['router', 'create', 'e2e-router'])
    await cloud.run(['router', 'set', 'e2e-router', '--external-gateway', 'public'])
    await cloud.run(['router', 'add', 'subnet', 'e2e-router', 'e2e-v4'])
    const router = row(await cloud.runJson(['router', 'show', 'e2e-router']))
    expect(row(router['external_gateway_info'])['network_id']).toBe(pub['id'])

    const fip = row(await cloud.runJson(['floating', 'ip', 'create', 'public']))
    await cloud.run(['floating', 'ip', 'set', '--port', 'e2e-port', String(fip['id'])])
    const shown = row(await cloud.runJson(['floating', 'ip', 'show', String(fip['id'])]))
    expect(shown['fixed_ip_address']).toBe('10.20.0.50')
    expect(shown['router_id']).toBe(router['id'])

    await cloud.run(['security', 'group', 'create', 'e2e-sg'])
    await cloud.run([
      'security',
      'group',
      'rule',
      'create',
      'e2e-sg',
      '--protocol',
      'tcp',
      '--dst-port',
      '22',
    ])
    await cloud.run(['security', 'group', 'rule', 'create', 'e2e-sg', '--protocol', 'icmp'])
    const dup = await cloud.exec([
      'security',
      'group',
      'rule',
      'create',
      'e2e-sg',
      '--protocol',
      'tcp',
      '--dst-port',
      '22',
    ])
    expect(dup.exitCode).not.toBe(0)
    expect(dup.stderr).toContain('409')

    const rbac = row(
      await cloud.runJson([
        'network',
        'rbac',
        'create',
        '--target-project',
        'admin',
        '--action',
        'access_as_shared',
        '--type',
        'network',
        'e2e-net',
      ]),
    )
    expect(rbac['object_id']).toBe(net['id'])

    const netDelete = await cloud.exec(['network', 'delete', 'e2e-net'])
    expect(netDelete.exitCode).not.toBe(0)
    const routerDelete = await cloud.exec(['router', 'delete', 'e2e-router'])
    expect(routerDelete.exitCode).not.toBe(0)

    await cloud.run(['floating', 'ip', 'delete', String(fip['id'])])
    await cloud.run(['router', 'remove', 'subnet', 'e2e-router', 'e2e-v4'])
    await cloud.run(['router', 'unset', '--external-gateway', 'e2e-router'])
    await cloud.run(['router', 'delete', 'e2e-router'])
    await cloud.run(['port', 'delete', 'e2e-port'])
    await cloud.run(['network', 'rbac', 'delete', String(rbac['id'])])
    await cloud.run(['subnet', 'delete', 'e2e-v4', 'e2e-v6'])
    await cloud.run(['network', 'delete', 'e2e-net'])
    await cloud.run(['security', 'group', 'delete', 'e2e-sg'])
    const left = (await cloud.runJson(['network', 'list'])) as Row[]
    expect(left.map((n) => n['Name'])).toEqual(['public'])
  })
})
