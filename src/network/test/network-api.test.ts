/** @module network/test/network-api.test: the Networking API through HTTP: errors, lists, revisions */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  admin,
  alice,
  bob,
  createNetworkFixture,
  faultType,
  type Json,
  type NetworkFixture,
} from './network-fixture.js'

let fx: NetworkFixture
beforeAll(async () => {
  fx = await createNetworkFixture()
})
afterAll(async () => {
  await fx.close()
})

async function netWithSubnet(cidr = '10.1.0.0/24') {
  const net = await fx.create(alice, 'networks', 'network', { name: 'n' })
  const subnet = await fx.create(alice, 'subnets', 'subnet', {
    network_id: net['id'],
    cidr,
    ip_version: 4,
  })
  return { net, subnet }
}

describe('bad input answers with Neutron fault types', () => {
  it('refuses overlapping subnets, gateways and pools outside the CIDR, malformed CIDRs and MACs', async () => {
    const { net } = await netWithSubnet()
    const post = (subnet: Json) =>
      fx.request(alice, {
        method: 'POST',
        url: '/v2.0/subnets',
        payload: { subnet: { network_id: net['id'], ip_version: 4, ...subnet } },
      })
    const overlap = await post({ cidr: '10.1.0.128/25' })
    expect([overlap.statusCode, faultType(overlap)]).toEqual([400, 'InvalidInput'])
    expect(overlap.body).toContain('overlaps with another subnet')
    const gateway = await post({ cidr: '10.2.0.0/24', gateway_ip: '10.3.0.1' })
    expect([gateway.statusCode, faultType(gateway)]).toEqual([400, 'InvalidInput'])
    const pool = await post({
      cidr: '10.2.0.0/24',
      allocation_pools: [{ start: '10.2.0.10', end: '10.2.1.5' }],
    })
    expect([pool.statusCode, faultType(pool)]).toEqual([400, 'OutOfBoundsAllocationPool'])
    const cidr = await post({ cidr: '10.2.0.1/24' })
    expect([cidr.statusCode, faultType(cidr)]).toEqual([400, 'InvalidInput'])
    const garbage = await post({ cidr: 'not-a-cidr' })
    expect(garbage.statusCode).toBe(400)
    const mac = await fx.request(alice, {
      method: 'POST',
      url: '/v2.0/ports',
      payload: { port: { network_id: net['id'], mac_address: 'zz:16:3e:00:00:01' } },
    })
    expect([mac.statusCode, faultType(mac)]).toEqual([400, 'InvalidInput'])
  })

  it('refuses deleting a network with ports, and a second interface on one subnet', async () => {
    const { net, subnet } = await netWithSubnet('10.4.0.0/24')
    await fx.create(alice, 'ports', 'port', { network_id: net['id'] })
    const del = await fx.request(alice, {
      method: 'DELETE',
      url: `/v2.0/networks/${String(net['id'])}`,
    })
    expect([del.statusCode, faultType(del)]).toEqual([409, 'NetworkInUse'])
    const router = await fx.create(alice, 'routers', 'router', { name: 'r' })
    const url = `/v2.0/routers/${String(router['id'])}/add_router_interface`
    const first = await fx.request(alice, {
      method: 'PUT',
      url,
      payload: { subnet_id: subnet['id'] },
    })
    expect(first.statusCode).toBe(200)
    const second = await fx.request(alice, {
      method: 'PUT',
      url,
      payload: { subnet_id: subnet['id'] },
    })
    expect(second.statusCode).toBe(400)
    const delRouter = await fx.request(alice, {
      method: 'DELETE',
      url: `/v2.0/routers/${String(router['id'])}`,
    })
    expect([delRouter.statusCode, faultType(delRouter)]).toEqual([409, 'RouterInUse'])
    const delSubnet = await fx.request(alice, {
      method: 'DELETE',
      url: `/v2.0/subnets/${String(subnet['id'])}`,
    })
    expect([delSubnet.statusCode, faultType(delSubnet)]).toEqual([409, 'SubnetInUse'])
  })

  it('gives a taken address IpAddressAlreadyAllocated', async () => {
    const { net, subnet } = await netWithSubnet('10.5.0.0/24')
    const fixed = [{ subnet_id: subnet['id'], ip_address: '10.5.0.9' }]
    await fx.create(alice, 'ports', 'port', { network_id: net['id'], fixed_ips: fixed })
    const again = await fx.request(alice, {
      method: 'POST',
      url: '/v2.0/ports',
      payload: { port: { network_id: net['id'], fixed_ips: fixed } },
    })
    expect([again.statusCode, faultType(again)]).toEqual([409, 'IpAddressAlreadyAllocated'])
  })
})

describe('external networks', () => {
  it('deletes an external network together with its unassociated floating IPs', async () => {
    const ext = await fx.create(admin, 'networks', 'network', {
      name: 'ext2',
      'router:external': true,
    })
    await fx.create(admin, 'subnets', 'subnet', {
      network_id: ext['id'],
      cidr: '192.0.2.0/24',
      ip_version: 4,
    })
    const fip = await fx.create(admin, 'floatingips', 'floatingip', {
      floating_network_id: ext['id'],
    })
    const del = await fx.request(admin, {
      method: 'DELETE',
      url: `/v2.0/networks/${String(ext['id'])}`,
    })
    expect(del.statusCode).toBe(204)
    const gone = await fx.request(admin, {
      method: 'GET',
      url: `/v2.0/floatingips/${String(fip['id'])}`,
    })
    expect([gone.statusCode, faultType(gone)]).toEqual([404, 'FloatingIPNotFound'])
  })
})

describe('SLAAC subnets', () => {
  it('give EUI-64 addresses and can be deleted while ports use them, leaving the network in use', async () => {
    const net = await fx.create(alice, 'networks', 'network', { name: 'slaac' })
    const subnet = await fx.create(alice, 'subnets', 'subnet', {
      network_id: net['id'],
      cidr: '2001:db8:1::/64',
      ip_version: 6,
      ipv6_ra_mode: 'slaac',
      ipv6_address_mode: 'slaac',
    })
    const port = await fx.create(alice, 'ports', 'port', {
      network_id: net['id'],
      mac_address: 'fa:16:3e:11:22:33',
    })
    expect(port['fixed_ips']).toEqual([
      { subnet_id: subnet['id'], ip_address: '2001:db8:1:0:f816:3eff:fe11:2233' },
    ])
    const del = await fx.request(alice, {
      method: 'DELETE',
      url: `/v2.0/subnets/${String(subnet['id'])}`,
    })
    expect(del.statusCode).toBe(204)
    const netDel = await fx.request(alice, {
      method: 'DELETE',
      url: `/v2.0/networks/${String(net['id'])}`,
    })
    expect([netDel.statusCode, faultType(netDel)]).toEqual([409, 'NetworkInUse'])
  })
})

describe('lists', () => {
  it('filters on any attribute, selects fields, sorts and pages with links', async () => {
    for (const name of ['p-c', 'p-a', 'p-b'])
      await fx.create(bob, 'networks', 'network', { name, description: 'paged' })
    const res = await fx.request(bob, {
      method: 'GET',
      url: '/v2.0/networks?description=paged&sort_key=name&sort_dir=desc&limit=2&fields=name&fields=id',
    })
    const body = res.json() as { networks: Json[]; networks_links: { rel: string; href: string }[] }
    expect(body.networks.map((n) => n['name'])).toEqual(['p-c', 'p-b'])
    expect(Object.keys(body.networks[0] ?? {}).sort()).toEqual(['id', 'name'])
    const next = body.networks_links.find((l) => l.rel === 'next')
    expect(next?.href).toContain(`marker=${String(body.networks[1]?.['id'])}`)
    const page2 = await fx.request(bob, {
      method: 'GET',
      url: `/v2.0/networks?description=paged&sort_key=name&sort_dir=desc&limit=2&marker=${String(body.networks[1]?.['id'])}`,
    })
    expect((page2.json() as { networks: Json[] }).networks.map((n) => n['name'])).toEqual(['p-a'])
  })

  it('shows the external network to members but not its subnets, and hides admin-only attributes', async () => {
    const res = await fx.request(bob, { method: 'GET', url: '/v2.0/networks?router:external=True' })
    const nets = (res.json() as { networks: Json[] }).networks
    expect(nets.map((n) => n['name'])).toEqual(['public'])
    expect(nets[0]).not.toHaveProperty('provider:network_type')
    const subnets = await fx.request(bob, {
      method: 'GET',
      url: `/v2.0/subnets?network_id=${String(nets[0]?.['id'])}`,
    })
    expect((subnets.json() as { subnets: Json[] }).subnets).toEqual([])
    const asAdmin = await fx.request(admin, {
      method: 'GET',
      url: `/v2.0/networks/${String(nets[0]?.['id'])}`,
    })
    expect((asAdmin.json() as { network: Json }).network['provider:network_type']).toBe('flat')
  })
})

describe('port pages cut in the database', () => {
  it('pages ports by limit and marker with a next link until the end', async () => {
    const net = await fx.create(bob, 'networks', 'network', { name: 'paged-ports' })
    const made: unknown[] = []
    for (let i = 0; i < 3; i++)
      made.push((await fx.create(bob, 'ports', 'port', { network_id: net['id'] }))['id'])
    const seen: unknown[] = []
    let url: string | undefined = '/v2.0/ports?limit=2'
    while (url) {
      const res = await fx.request(bob, { method: 'GET', url })
      const body = res.json() as { ports: Json[]; ports_links?: { rel: string; href: string }[] }
      seen.push(...body.ports.map((p) => p['id']))
      const next = body.ports_links?.find((l) => l.rel === 'next')?.href
      url = next ? next.slice(next.indexOf('/v2.0')) : undefined
    }
    expect(seen).toHaveLength(3)
    expect([...seen].sort()).toEqual([...made].sort())
  })
})

describe('revisions and tags', () => {
  it('bumps revision_number and honours If-Match', async () => {
    const net = await fx.create(alice, 'networks', 'network', { name: 'rev' })
    const url = `/v2.0/networks/${String(net['id'])}`
    const stale = await fx.request(alice, {
      method: 'PUT',
      url,
      headers: { 'if-match': 'revision_number=99' },
      payload: { network: { name: 'x' } },
    })
    expect([stale.statusCode, faultType(stale)]).toEqual([412, 'RevisionNumberConstraintFailed'])
    const ok = await fx.request(alice, {
      method: 'PUT',
      url,
      headers: { 'if-match': `revision_number=${String(net['revision_number'])}` },
      payload: { network: { name: 'y' } },
    })
    expect((ok.json() as { network: Json }).network['revision_number']).toBe(
      Number(net['revision_number']) + 1,
    )
    await fx.request(alice, { method: 'PUT', url: `${url}/tags/red` })
    const tagged = await fx.request(alice, { method: 'GET', url: '/v2.0/networks?tags=red' })
    expect((tagged.json() as { networks: Json[] }).networks.map((n) => n['id'])).toEqual([
      net['id'],
    ])
  })

  it('creates the default security group with four rules on first use and refuses a second one', async () => {
    const res = await fx.request(alice, {
      method: 'GET',
      url: '/v2.0/security-groups?name=default',
    })
    const groups = (res.json() as { security_groups: Json[] }).security_groups
    expect(groups).toHaveLength(1)
    expect((groups[0]?.['security_group_rules'] as Json[]).length).toBe(4)
    const again = await fx.request(alice, {
      method: 'POST',
      url: '/v2.0/security-groups',
      payload: { security_group: { name: 'default' } },
    })
    expect(again.statusCode).toBe(409)
  })
})
