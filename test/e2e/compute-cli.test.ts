/** @module test/e2e/compute-cli.test: the real openstack CLI against `nimbus up`, compute with two fake hosts */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDataDir, startCloud, type Cloud } from './cloud.js'

type Row = Record<string, unknown>

function row(value: unknown): Row {
  expect(value, 'a JSON object').toBeTypeOf('object')
  return value as Row
}

describe('compute through the openstack CLI', () => {
  let cloud: Cloud

  beforeAll(async () => {
    // Two fake compute hosts in one process, so anti-affinity has somewhere to go.
    process.env['NIMBUS_COMPUTE_HOSTS'] = '2'
    cloud = await startCloud()
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
      '--public',
      'e2e-image',
    ])
    await cloud.run(['network', 'create', 'e2e-net'])
    await cloud.run([
      'subnet',
      'create',
      'e2e-sub',
      '--network',
      'e2e-net',
      '--subnet-range',
      '10.30.0.0/24',
    ])
  })

  afterAll(async () => {
    delete process.env['NIMBUS_COMPUTE_HOSTS']
    if (!cloud) return
    try {
      await cloud.stop()
    } finally {
      await removeDataDir(cloud.dataDir)
    }
  })

  /** Polls `server show` until the status (the CLI's stop/start have no --wait). */
  async function waitStatus(name: string, status: string): Promise<void> {
    for (let i = 0; i < 40; i++) {
      if (row(await cloud.runJson(['server', 'show', name]))['status'] === status) return
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(`${name} never became ${status}`)
  }

  const boot = (name: string, extra: string[] = []) =>
    cloud.runJson([
      'server',
      'create',
      '--image',
      'e2e-image',
      '--flavor',
      'm1.nano',
      '--network',
      'e2e-net',
      '--wait',
      ...extra,
      name,
    ])

  it('boots, lists, shows and runs the server actions to completion', async () => {
    const key = await cloud.run(['keypair', 'create', 'e2e-key'])
    expect(key).toContain('PRIVATE KEY')
    const keys = (await cloud.runJson(['keypair', 'list'])) as Row[]
    expect(keys.map((k) => k['Name'])).toContain('e2e-key')

    const server = row(await boot('e2e-vm', ['--key-name', 'e2e-key']))
    expect(server['status']).toBe('ACTIVE')
    expect(server['key_name']).toBe('e2e-key')
    const list = (await cloud.runJson(['server', 'list', '--long'])) as Row[]
    expect(list.find((s) => s['Name'] === 'e2e-vm')?.['Power State']).toBe(1)

    await cloud.run(['server', 'reboot', '--wait', 'e2e-vm'])
    await cloud.run(['server', 'stop', 'e2e-vm'])
    await waitStatus('e2e-vm', 'SHUTOFF')
    await cloud.run(['server', 'start', 'e2e-vm'])
    await waitStatus('e2e-vm', 'ACTIVE')

    await cloud.run(['server', 'resize', '--flavor', 'm1.micro', '--wait', 'e2e-vm'])
    expect(row(await cloud.runJson(['server', 'show', 'e2e-vm']))['status']).toBe('VERIFY_RESIZE')
    await cloud.run(['server', 'resize', 'confirm', 'e2e-vm'])
    await cloud.run(['server', 'resize', '--flavor', 'm1.tiny', '--wait', 'e2e-vm'])
    await cloud.run(['server', 'resize', 'revert', 'e2e-vm'])
    await waitStatus('e2e-vm', 'ACTIVE')
    const reverted = row(await cloud.runJson(['server', 'show', 'e2e-vm']))
    expect(String(reverted['flavor'])).toContain('m1.micro')

    await cloud.run(['server', 'rebuild', '--image', 'e2e-image', '--wait', 'e2e-vm'])
    const snap = row(
      await cloud.runJson(['server', 'image', 'create', '--name', 'e2e-snap', '--wait', 'e2e-vm']),
    )
    expect(snap['status']).toBe('active')

    await cloud.run([
      '--os-compute-api-version',
      '2.73',
      'server',
      'lock',
      '--reason',
      'e2e',
      'e2e-vm',
    ])
    const locked = row(
      await cloud.runJson(['--os-compute-api-version', '2.73', 'server', 'show', 'e2e-vm']),
    )
    expect(locked['locked']).toBe(true)
    expect(locked['locked_reason']).toBe('e2e')
    await cloud.run(['server', 'unlock', 'e2e-vm'])

    expect(await cloud.run(['console', 'log', 'show', 'e2e-vm'])).toContain('login:')
    const events = (await cloud.runJson(['server', 'event', 'list', 'e2e-vm'])) as Row[]
    expect(events.map((e) => e['Action'])).toEqual(
      expect.arrayContaining([
        'create',
        'reboot',
        'stop',
        'start',
        'resize',
        'confirmResize',
        'revertResize',
        'rebuild',
        'createImage',
        'lock',
        'unlock',
      ]),
    )
    await cloud.run(['server', 'delete', '--wait', 'e2e-vm'])
    const after = (await cloud.runJson(['server', 'list'])) as Row[]
    expect(after.map((s) => s['Name'])).not.toContain('e2e-vm')
    await cloud.run(['keypair', 'delete', 'e2e-key'])
  })

  it('places anti-affinity members on two hosts', async () => {
    const group = row(
      await cloud.runJson(['server', 'group', 'create', '--policy', 'anti-affinity', 'e2e-group']),
    )
    const hint = ['--hint', `group=${String(group['id'])}`]
    await boot('e2e-a', hint)
    await boot('e2e-b', hint)
    const hosts = await Promise.all(
      ['e2e-a', 'e2e-b'].map(
        async (n) => row(await cloud.runJson(['server', 'show', n]))['OS-EXT-SRV-ATTR:host'],
      ),
    )
    expect(new Set(hosts).size).toBe(2)
    const hypervisors = (await cloud.runJson(['hypervisor', 'list'])) as Row[]
    expect(hypervisors).toHaveLength(2)
    await cloud.run(['server', 'delete', '--wait', 'e2e-a', 'e2e-b'])
  })

  it('migrates with confirm and revert, live-migrates, lists migrations, shelves and unshelves', async () => {
    await boot('e2e-move')
    const hostOf = async () =>
      row(await cloud.runJson(['server', 'show', 'e2e-move']))['OS-EXT-SRV-ATTR:host']
    const first = await hostOf()
    await cloud.run(['server', 'migrate', '--wait', 'e2e-move'])
    await waitStatus('e2e-move', 'VERIFY_RESIZE')
    const second = await hostOf()
    expect(second).not.toBe(first)
    await cloud.run(['server', 'resize', 'confirm', 'e2e-move'])
    await waitStatus('e2e-move', 'ACTIVE')
    await cloud.run(['server', 'migrate', '--wait', 'e2e-move'])
    await waitStatus('e2e-move', 'VERIFY_RESIZE')
    await cloud.run(['server', 'resize', 'revert', 'e2e-move'])
    await waitStatus('e2e-move', 'ACTIVE')
    expect(await hostOf()).toBe(second)
    await cloud.run(['server', 'migrate', '--live-migration', '--wait', 'e2e-move'])
    await waitStatus('e2e-move', 'ACTIVE')
    expect(await hostOf()).toBe(first)
    const migrations = (await cloud.runJson(['server', 'migration', 'list'])) as Row[]
    expect(migrations.length).toBeGreaterThanOrEqual(3)
    await cloud.run(['server', 'shelve', '--wait', 'e2e-move'])
    await waitStatus('e2e-move', 'SHELVED_OFFLOADED')
    expect(await hostOf()).toBeNull()
    await cloud.run(['server', 'unshelve', '--wait', 'e2e-move'])
    await waitStatus('e2e-move', 'ACTIVE')
    await cloud.run(['server', 'delete', '--wait', 'e2e-move'])
  })

  it('creates flavors, enforces quotas and stops scheduling to a disabled host', async () => {
    await cloud.run([
      'flavor',
      'create',
      '--ram',
      '64',
      '--disk',
      '1',
      '--vcpus',
      '1',
      'e2e-flavor',
    ])
    const flavors = (await cloud.runJson(['flavor', 'list'])) as Row[]
    expect(flavors.map((f) => f['Name'])).toContain('e2e-flavor')

    await cloud.run(['quota', 'set', '--instances', '0', 'admin'])
    const quota = row(await cloud.runJson(['quota', 'show', 'admin']))
    expect(JSON.stringify(quota)).toContain('instances')
    const refused = await cloud.exec([
      'server',
      'create',
      '--image',
      'e2e-image',
      '--flavor',
      'm1.nano',
      '--network',
      'e2e-net',
      'e2e-over',
    ])
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toMatch(/[Qq]uota exceeded/)
    await cloud.run(['quota', 'set', '--instances', '10', 'admin'])

    const services = (await cloud.runJson([
      'compute',
      'service',
      'list',
      '--service',
      'nova-compute',
    ])) as Row[]
    expect(services).toHaveLength(2)
    for (const s of services) {
      await cloud.run([
        'compute',
        'service',
        'set',
        '--disable',
        '--disable-reason',
        'e2e',
        String(s['Host']),
        'nova-compute',
      ])
    }
    const failed = row(
      await cloud
        .runJson([
          'server',
          'create',
          '--image',
          'e2e-image',
          '--flavor',
          'm1.nano',
          '--network',
          'e2e-net',
          '--wait',
          'e2e-nohost',
        ])
        .catch(async () => cloud.runJson(['server', 'show', 'e2e-nohost'])),
    )
    expect(failed['status']).toBe('ERROR')
    expect(JSON.stringify(failed['fault'])).toContain('ComputeFilter')
  })
})
