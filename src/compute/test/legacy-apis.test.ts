/** @module compute/test/legacy-apis.test: os-hosts, quota classes, image metadata, security group and other older APIs */
import { afterEach, describe, expect, it } from 'vitest'
import {
  admin,
  alice,
  bob,
  createComputeFixture,
  type ComputeFixture,
  type Json,
  type TestCaller,
} from './compute-fixture.js'

let fx: ComputeFixture | undefined
afterEach(async () => {
  await fx?.close()
  fx = undefined
})

const at = (mv: string) => ({ 'openstack-api-version': `compute ${mv}` })

function call(f: ComputeFixture, caller: TestCaller, method: string, url: string, payload?: Json) {
  return f.request(caller, {
    method: method as 'GET',
    url: `/compute/v2.1${url}`,
    ...(payload ? { payload } : {}),
  })
}

describe('os-hosts', () => {
  it('lists every service host with its zone, shows a compute host and refuses others', async () => {
    const f = (fx = await createComputeFixture({ hosts: ['h1', 'h2'] }))
    const list = await call(f, admin, 'GET', '/os-hosts')
    expect(list.statusCode).toBe(200)
    const hosts = (list.json() as { hosts: Json[] }).hosts
    expect(hosts).toEqual(
      expect.arrayContaining([
        { host_name: 'h1', service: 'compute', zone: 'nova' },
        { host_name: 'h2', service: 'compute', zone: 'nova' },
      ]),
    )
    const inZone = await call(f, admin, 'GET', '/os-hosts?zone=nova')
    expect((inZone.json() as { hosts: Json[] }).hosts).toHaveLength(2)
    expect((await call(f, admin, 'GET', '/os-hosts?zone=xxx')).json()).toEqual({ hosts: [] })
    const shown = await call(f, admin, 'GET', '/os-hosts/h1')
    const rows = (shown.json() as { host: { resource: Json }[] }).host.map((r) => r.resource)
    expect(rows.map((r) => r['project'])).toEqual(['(total)', '(used_now)', '(used_max)'])
    expect(rows[0]).toMatchObject({ host: 'h1', cpu: 16 })
    expect((await call(f, admin, 'GET', '/os-hosts/nowhere')).statusCode).toBe(404)
    expect((await call(f, alice, 'GET', '/os-hosts')).statusCode).toBe(403)
    const noBody = await call(f, admin, 'PUT', '/os-hosts/h1', {})
    expect(noBody.statusCode).toBe(400)
    const bad = await call(f, admin, 'PUT', '/os-hosts/h1', { status: 'invalid' })
    expect(bad.statusCode).toBe(400)
    const missing = await call(f, admin, 'PUT', '/os-hosts/nowhere', { status: 'enable' })
    expect(missing.statusCode).toBe(404)
    const disabled = await call(f, admin, 'PUT', '/os-hosts/h2', { status: 'disable' })
    expect(disabled.json()).toEqual({ host: 'h2', status: 'disabled' })
    expect((await call(f, admin, 'GET', '/os-hosts/nowhere/reboot')).statusCode).toBe(404)
    const later = await f.request(admin, {
      method: 'GET',
      url: '/compute/v2.1/os-hosts',
      headers: at('2.43'),
    })
    expect(later.statusCode).toBe(404)
  })
})

describe('quota classes', () => {
  it('shows the legacy keys at 2.1, and an update of default changes every project default', async () => {
    const f = (fx = await createComputeFixture())
    const shown = await call(f, admin, 'GET', '/os-quota-class-sets/default')
    const set = (shown.json() as { quota_class_set: Json }).quota_class_set
    expect(set).toMatchObject({ id: 'default', floating_ips: 10, fixed_ips: -1 })
    const updated = await call(f, admin, 'PUT', '/os-quota-class-sets/default', {
      quota_class_set: { instances: 3, floating_ips: 110 },
    })
    expect(updated.statusCode).toBe(200)
    expect((updated.json() as { quota_class_set: Json }).quota_class_set).toMatchObject({
      instances: 3,
      floating_ips: 110,
    })
    const defaults = await call(f, alice, 'GET', `/os-quota-sets/${alice.projectId}/defaults`)
    expect((defaults.json() as { quota_set: Json }).quota_set['instances']).toBe(3)
    const newer = await f.request(admin, {
      method: 'GET',
      url: '/compute/v2.1/os-quota-class-sets/default',
      headers: at('2.57'),
    })
    const keys = Object.keys((newer.json() as { quota_class_set: Json }).quota_class_set)
    expect(keys).not.toContain('floating_ips')
    expect(keys).not.toContain('injected_files')
    expect(keys).toContain('server_groups')
  })
})

describe('image metadata proxy', () => {
  it('sets, merges, replaces, shows and deletes image properties through the image service', async () => {
    const f = (fx = await createComputeFixture())
    const base = `/images/${f.imageId}/metadata`
    const put = await call(f, admin, 'PUT', base, { metadata: { os_distro: 'cirros' } })
    expect((put.json() as Json)['metadata']).toEqual({ os_distro: 'cirros' })
    const merged = await call(f, admin, 'POST', base, { metadata: { arch: 'x86_64' } })
    expect((merged.json() as Json)['metadata']).toEqual({ os_distro: 'cirros', arch: 'x86_64' })
    const one = await call(f, admin, 'PUT', `${base}/arch`, { meta: { arch: 'aarch64' } })
    expect(one.json()).toEqual({ meta: { arch: 'aarch64' } })
    const mismatch = await call(f, admin, 'PUT', `${base}/arch`, { meta: { other: 'x' } })
    expect(mismatch.statusCode).toBe(400)
    expect((await call(f, admin, 'GET', `${base}/arch`)).json()).toEqual({
      meta: { arch: 'aarch64' },
    })
    expect((await call(f, admin, 'DELETE', `${base}/arch`)).statusCode).toBe(204)
    expect((await call(f, admin, 'GET', `${base}/arch`)).statusCode).toBe(404)
    expect((await call(f, admin, 'GET', base)).json()).toEqual({
      metadata: { os_distro: 'cirros' },
    })
    const image = await f.request(admin, { method: 'GET', url: `/image/v2/images/${f.imageId}` })
    expect((image.json() as Json)['os_distro']).toBe('cirros')
  })
})

describe('security group proxy', () => {
  it('checks parent ids, keeps a rule CIDR as given, names remote groups and drops rules of deleted ones', async () => {
    const f = (fx = await createComputeFixture())
    const group = async (name: string) => {
      const res = await call(f, alice, 'POST', '/os-security-groups', {
        security_group: { name, description: name },
      })
      return String(((res.json() as Json)['security_group'] as Json)['id'])
    }
    const web = await group('web')
    const peer = await group('peer')
    const rule = (body: Json) =>
      call(f, alice, 'POST', '/os-security-group-rules', {
        security_group_rule: { ip_protocol: 'tcp', from_port: 22, to_port: 22, ...body },
      })
    expect((await rule({ parent_group_id: 'not-a-uuid' })).statusCode).toBe(400)
    const cidr = await rule({ parent_group_id: web, cidr: '10.2.3.124/24' })
    expect(((cidr.json() as Json)['security_group_rule'] as Json)['ip_range']).toEqual({
      cidr: '10.2.3.124/24',
    })
    const sourced = await rule({ parent_group_id: web, group_id: peer })
    expect(((sourced.json() as Json)['security_group_rule'] as Json)['group']).toEqual({
      name: 'peer',
      tenant_id: alice.projectId,
    })
    const shown = async () =>
      ((await call(f, alice, 'GET', `/os-security-groups/${web}`)).json() as Json)[
        'security_group'
      ] as { rules: Json[] }
    expect((await shown()).rules).toHaveLength(2)
    expect((await call(f, alice, 'DELETE', `/os-security-groups/${peer}`)).statusCode).toBe(202)
    expect((await shown()).rules).toHaveLength(1)
  })

  it('shows no security_groups on a server once every group was removed from it', async () => {
    const f = (fx = await createComputeFixture())
    const id = await f.boot(alice)
    await f.waitFor(alice, id, 'ACTIVE')
    const removed = await call(f, alice, 'POST', `/servers/${id}/action`, {
      removeSecurityGroup: { name: 'default' },
    })
    expect(removed.statusCode).toBe(202)
    expect(Object.keys(await f.server(alice, id))).not.toContain('security_groups')
    const groups = await call(f, alice, 'GET', `/servers/${id}/os-security-groups`)
    expect(groups.json()).toEqual({ security_groups: [] })
  })
})

describe('smaller APIs', () => {
  it('answers 404 for the access list of a public flavor and for an empty tenant usage id', async () => {
    const f = (fx = await createComputeFixture())
    expect((await call(f, admin, 'GET', '/flavors/42/os-flavor-access')).statusCode).toBe(404)
    expect((await call(f, admin, 'GET', '/os-simple-tenant-usage/')).statusCode).toBe(404)
    expect((await call(f, admin, 'GET', '/os-simple-tenant-usage')).statusCode).toBe(200)
  })

  it('ignores tenant_id in a server list without all_tenants', async () => {
    const f = (fx = await createComputeFixture())
    const id = await f.boot(bob)
    const names = async (query: string) =>
      (
        (await call(f, admin, 'GET', `/servers/detail?${query}`)).json() as { servers: Json[] }
      ).servers.map((s) => s['id'])
    expect(await names(`tenant_id=${bob.projectId}`)).not.toContain(id)
    expect(await names(`all_tenants&tenant_id=${bob.projectId}`)).toContain(id)
  })

  it('shows a server address list by network and the posted password, which delete clears', async () => {
    const f = (fx = await createComputeFixture())
    const id = await f.boot(alice)
    await f.waitFor(alice, id, 'ACTIVE')
    const byNet = await call(f, alice, 'GET', `/servers/${id}/ips/private`)
    expect(Object.keys(byNet.json() as Json)).toEqual(['private'])
    expect((await call(f, alice, 'GET', `/servers/${id}/ips/other`)).statusCode).toBe(404)
    const pw = await call(f, alice, 'GET', `/servers/${id}/os-server-password`)
    expect(pw.json()).toEqual({ password: '' })
    expect((await call(f, alice, 'DELETE', `/servers/${id}/os-server-password`)).statusCode).toBe(
      204,
    )
    expect((await call(f, bob, 'GET', `/servers/${id}/os-server-password`)).statusCode).toBe(404)
  })

  it('lists its extensions, Hosts among them, and serves the v2 version document', async () => {
    const f = (fx = await createComputeFixture())
    const list = await call(f, alice, 'GET', '/extensions')
    const names = (list.json() as { extensions: Json[] }).extensions.map((e) => e['name'])
    expect(names).toContain('Hosts')
    const one = await call(f, alice, 'GET', '/extensions/os-hosts')
    expect(((one.json() as Json)['extension'] as Json)['alias']).toBe('os-hosts')
    expect((await call(f, alice, 'GET', '/extensions/os-nothing')).statusCode).toBe(404)
    const v2 = await f.request(alice, { method: 'GET', url: '/compute/v2/' })
    expect(v2.statusCode).toBe(200)
    expect(((v2.json() as Json)['version'] as Json)['id']).toBe('v2.0')
  })
})
