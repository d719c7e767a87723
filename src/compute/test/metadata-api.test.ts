import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../core/clock/index.js'
import { silentLogger, type Logger } from '../../core/log/index.js'
import { createMetadataServer, listenMetadata } from '../api/metadata-server.js'
import { signInstanceId } from '../metadata/metadata-signature.js'
import type { GuestSpec } from '../virt/compute-driver.js'
import { FakeDriver } from '../virt/fake/fake-driver.js'
import {
  alice,
  bob,
  createComputeFixture,
  type ComputeFixture,
  type Json,
} from './compute-fixture.js'

const SECRET = 'b1-metadata-secret'
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGvJ0zJ0bq8cP1m6cQ9t0J4Ww5sQfGJ2Jx0c4s1YgA5v k1'
const USER_DATA = '#!/bin/sh\necho hello from user data\n'

/** A fake driver that keeps the specs it spawned. */
class RecordingDriver extends FakeDriver {
  readonly specs: GuestSpec[] = []
  override async spawn(spec: GuestSpec, signal?: AbortSignal): Promise<void> {
    this.specs.push(spec)
    return super.spawn(spec, signal)
  }
}

describe('compute metadata API', () => {
  let fx: ComputeFixture
  let metadata: FastifyInstance
  let driver: RecordingDriver
  let serverId: string

  const signed = (id: string, extra: Record<string, string> = {}) => ({
    'x-instance-id': id,
    'x-tenant-id': alice.projectId,
    'x-instance-id-signature': signInstanceId(SECRET, id),
    'x-forwarded-for': '10.1.0.99',
    ...extra,
  })
  const get = (url: string, headers: Record<string, string> = signed(serverId)) =>
    metadata.inject({ method: 'GET', url, headers })
  const send = (options: InjectOptions) => metadata.inject(options)

  beforeEach(async () => {
    driver = new RecordingDriver()
    fx = await createComputeFixture({ driverFor: () => driver })
    metadata = createMetadataServer({
      ctx: fx.compute.ctx,
      secret: SECRET,
      clock: systemClock,
      logger: silentLogger(),
    })
    const key = await fx.request(alice, {
      method: 'POST',
      url: '/compute/v2.1/os-keypairs',
      payload: { keypair: { name: 'k1', public_key: KEY } },
    })
    expect(key.statusCode).toBe(200)
    serverId = await fx.boot(alice, {
      name: 'alpha',
      key_name: 'k1',
      user_data: Buffer.from(USER_DATA).toString('base64'),
      metadata: { role: 'web' },
      config_drive: true,
    })
    await fx.waitFor(alice, serverId, 'ACTIVE')
  })

  afterEach(async () => {
    await metadata.close()
    await fx.close()
  })

  it('answers the version list at the root without proxy headers', async () => {
    const res = await metadata.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.body.split('\n')).toEqual([
      '1.0',
      '2007-01-19',
      '2007-03-01',
      '2007-08-29',
      '2007-10-10',
      '2007-12-15',
      '2008-02-01',
      '2008-09-01',
      '2009-04-04',
      'latest',
    ])
  })

  it('refuses unsigned and wrongly signed requests with 403, and missing headers with 400', async () => {
    const wrong = await get('/openstack/latest/meta_data.json', {
      ...signed(serverId),
      'x-instance-id-signature': signInstanceId('another-secret', serverId),
    })
    expect(wrong.statusCode).toBe(403)
    expect(wrong.body).toBe('403 Forbidden\n\nInvalid proxy request signature.\n\n   ')
    const unsigned = await get('/openstack/latest/meta_data.json', {
      'x-instance-id': serverId,
      'x-tenant-id': alice.projectId,
    })
    expect(unsigned.statusCode).toBe(400)
    expect(unsigned.body).toContain('X-Instance-ID-Signature header is missing from request.')
    const none = await get('/latest/meta-data/', {})
    expect(none.statusCode).toBe(400)
    expect(none.body).toContain('X-Instance-ID header is missing from request.')
  })

  it('answers 404 for an unknown server, another project, or an unknown path', async () => {
    const unknown = 'a7f3c1de-0000-4000-8000-00000000dead'
    expect((await get('/latest/meta-data/', signed(unknown))).statusCode).toBe(404)
    const other = await get(
      '/latest/meta-data/',
      signed(serverId, { 'x-tenant-id': bob.projectId }),
    )
    expect(other.statusCode).toBe(404)
    const bad = await get('/openstack/latest/nope.json')
    expect(bad.statusCode).toBe(404)
    expect(bad.body).toBe('404 Not Found\n\nThe resource could not be found.\n\n   ')
    expect((await get('/2099-01-01/meta-data/')).statusCode).toBe(404)
  })

  it('serves OpenStack meta_data.json, network_data.json, user_data and vendor data', async () => {
    const versions = await get('/openstack')
    expect(versions.body.split('\n')).toContain('2018-08-27')
    expect(versions.body.split('\n').at(-1)).toBe('latest')
    const listing = await get('/openstack/latest/')
    expect(listing.body.split('\n')).toEqual([
      'meta_data.json',
      'user_data',
      'password',
      'vendor_data.json',
      'network_data.json',
      'vendor_data2.json',
    ])
    const meta = await get('/openstack/latest/meta_data.json')
    expect(meta.statusCode).toBe(200)
    expect(meta.headers['content-type']).toMatch(/^application\/json/)
    expect(meta.json()).toMatchObject({
      uuid: serverId,
      name: 'alpha',
      hostname: 'alpha.novalocal',
      launch_index: 0,
      availability_zone: 'nova',
      project_id: alice.projectId,
      meta: { role: 'web' },
      public_keys: { k1: KEY },
      keys: [{ name: 'k1', type: 'ssh', data: KEY }],
      devices: [],
      dedicated_cpus: [],
    })
    const dated = (await get('/openstack/2013-04-04/meta_data.json')).json() as Json
    expect(dated['random_seed']).toEqual(expect.any(String))
    expect(dated['project_id']).toBeUndefined()
    const server = await fx.server(alice, serverId)
    const addresses = server['addresses'] as Record<string, Json[]>
    const mac = String(addresses['private']?.[0]?.['OS-EXT-IPS-MAC:mac_addr'])
    const net = (await get('/openstack/latest/network_data.json')).json() as Json
    expect(net['links']).toEqual([expect.objectContaining({ ethernet_mac_address: mac })])
    expect(net['networks']).toEqual([
      expect.objectContaining({ id: 'network0', type: 'ipv4_dhcp', network_id: fx.networkId }),
    ])
    const user = await get('/openstack/latest/user_data')
    expect(user.body).toBe(USER_DATA)
    expect((await get('/openstack/latest/vendor_data.json')).json()).toEqual({})
    expect((await get('/openstack/latest/vendor_data2.json')).json()).toEqual({ static: {} })
  })

  it('serves EC2 meta-data and user-data', async () => {
    const listing = await get('/latest/meta-data/')
    expect(listing.body.split('\n')).toEqual(
      expect.arrayContaining([
        'ami-id',
        'block-device-mapping/',
        'hostname',
        'instance-id',
        'instance-type',
        'local-hostname',
        'local-ipv4',
        'placement/',
        'public-ipv4',
        'public-keys/',
        'reservation-id',
        'security-groups',
      ]),
    )
    expect((await get('/latest/meta-data/instance-id')).body).toMatch(/^i-[0-9a-f]{8}$/)
    expect((await get('/latest/meta-data/ami-id')).body).toMatch(/^ami-[0-9a-f]{8}$/)
    expect((await get('/2009-04-04/meta-data/hostname')).body).toBe('alpha.novalocal')
    expect((await get('/latest/meta-data/local-ipv4')).body).toMatch(/^10\.1\.0\.\d+$/)
    expect((await get('/latest/meta-data/public-ipv4')).body).toBe('')
    expect((await get('/latest/meta-data/public-keys/')).body).toBe('0=k1')
    expect((await get('/latest/meta-data/public-keys/0/openssh-key')).body).toBe(KEY)
    expect((await get('/latest/meta-data/placement/availability-zone')).body).toBe('nova')
    expect((await get('/latest/meta-data/instance-type')).body).toBe('m1.nano')
    expect((await get('/latest/meta-data/security-groups')).body).toBe('default')
    expect((await get('/latest/meta-data/block-device-mapping/root')).body).toBe('/dev/vda')
    expect((await get('/latest/user-data')).body).toBe(USER_DATA)
  })

  it('keeps a password the guest posts once and gives it back', async () => {
    expect((await get('/openstack/latest/password')).body).toBe('')
    const post = (payload: string) =>
      send({
        method: 'POST',
        url: '/openstack/latest/password',
        headers: { ...signed(serverId), 'content-type': 'text/plain' },
        payload,
      })
    expect((await post('x'.repeat(1021))).statusCode).toBe(400)
    expect((await post('encrypted-password')).statusCode).toBe(200)
    expect((await get('/openstack/2013-04-04/password')).body).toBe('encrypted-password')
    expect((await post('another')).statusCode).toBe(409)
    expect((await get('/openstack/2012-08-10/password')).statusCode).toBe(404)
  })

  it('gives the driver the config drive files and shows config_drive on the server', async () => {
    const server = await fx.server(alice, serverId)
    expect(server['config_drive']).toBe('True')
    const spec = driver.specs.find((s) => s.uuid === serverId)
    const files = new Map(
      (spec?.configDrive?.files ?? []).map((f) => [f.path, Buffer.from(f.dataBase64, 'base64')]),
    )
    expect(
      JSON.parse(files.get('openstack/latest/meta_data.json')?.toString() ?? '{}'),
    ).toMatchObject({ uuid: serverId, hostname: 'alpha.novalocal', public_keys: { k1: KEY } })
    expect(files.get('openstack/latest/user_data')?.toString()).toBe(USER_DATA)
    expect(files.has('openstack/latest/network_data.json')).toBe(true)
    expect(files.has('openstack/latest/vendor_data.json')).toBe(true)
    const ec2 = JSON.parse(files.get('ec2/latest/meta-data.json')?.toString() ?? '{}')
    expect(ec2).toMatchObject({
      hostname: 'alpha.novalocal',
      'public-keys': { '0': { 'openssh-key': KEY } },
    })
    const plain = await fx.boot(alice, { name: 'beta' })
    await fx.waitFor(alice, plain, 'ACTIVE')
    expect((await fx.server(alice, plain))['config_drive']).toBe('')
    expect(driver.specs.find((s) => s.uuid === plain)?.configDrive).toBeUndefined()
  })

  it('gives a rebuilt server a config drive with its new metadata', async () => {
    const rebuild = await fx.request(alice, {
      method: 'POST',
      url: `/compute/v2.1/servers/${serverId}/action`,
      payload: { rebuild: { imageRef: fx.imageId, metadata: { role: 'db' } } },
    })
    expect(rebuild.statusCode).toBe(202)
    await fx.waitFor(alice, serverId, 'ACTIVE')
    const specs = driver.specs.filter((s) => s.uuid === serverId)
    expect(specs).toHaveLength(2)
    const meta = specs[1]?.configDrive?.files.find(
      (f) => f.path === 'openstack/latest/meta_data.json',
    )
    expect(JSON.parse(Buffer.from(meta?.dataBase64 ?? '', 'base64').toString())).toMatchObject({
      meta: { role: 'db' },
    })
  })

  it('gives an unshelved server its config drive again', async () => {
    const action = (body: Json) =>
      fx.request(alice, {
        method: 'POST',
        url: `/compute/v2.1/servers/${serverId}/action`,
        payload: body,
      })
    expect((await action({ shelve: null })).statusCode).toBe(202)
    await fx.waitFor(alice, serverId, 'SHELVED_OFFLOADED')
    expect((await action({ unshelve: null })).statusCode).toBe(202)
    await fx.waitFor(alice, serverId, 'ACTIVE')
    const specs = driver.specs.filter((s) => s.uuid === serverId)
    expect(specs).toHaveLength(2)
    expect(specs[1]?.configDrive?.files.map((f) => f.path)).toContain(
      'openstack/latest/meta_data.json',
    )
  })

  it('listens on its own port, and a port in use leaves it off with an error in the log', async () => {
    const errors: string[] = []
    const logger = Object.assign(Object.create(silentLogger()) as Logger, {
      error: (_fields: unknown, message?: string) => errors.push(message ?? ''),
    })
    const port = 20000 + Math.floor(Math.random() * 900)
    const settings = { host: '127.0.0.1', port, secret: SECRET }
    const base = { ctx: fx.compute.ctx, clock: systemClock, settings }
    const app = await listenMetadata({ ...base, logger: silentLogger() })
    try {
      expect(app).toBeDefined()
      const res = await fetch(`http://127.0.0.1:${port}/latest/meta-data/hostname`, {
        headers: signed(serverId),
      })
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('alpha.novalocal')
      expect(await listenMetadata({ ...base, logger })).toBeUndefined()
      expect(errors.join()).toContain(`could not listen on 127.0.0.1:${port}`)
      expect(
        await listenMetadata({ ...base, settings: { ...settings, port: 0 }, logger }),
      ).toBeUndefined()
    } finally {
      await app?.close()
    }
  })
})
