/** @module network/test/agents-api.test: `GET/DELETE /v2.0/agents` from the agents' heartbeats */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bindingRefusal } from '../mech/linuxbridge-driver.js'
import { createAgentRegistry } from '../rpc/agent-registry.js'
import { hostingAgents } from '../service/agent-sync.js'
import { agentId, deleteAgent, listAgents } from '../service/agents.js'
import {
  admin,
  alice,
  createNetworkFixture,
  faultType,
  type Json,
  type NetworkFixture,
} from './network-fixture.js'

let fx: NetworkFixture
beforeAll(async () => {
  fx = await createNetworkFixture()
  fx.unit.agents.report({
    host: 'node-b',
    agentType: 'l2',
    binary: 'nimbus-l2-agent',
    configurations: { tunneling_ip: '192.0.2.2' },
  })
  fx.unit.agents.report({
    host: 'node-a',
    agentType: 'dhcp',
    binary: 'nimbus-dhcp-agent',
    configurations: {},
  })
})
afterAll(async () => {
  await fx.close()
})

describe('agents API', () => {
  it('lists every agent that reported, in Neutron fields, to admins', async () => {
    const res = await fx.request(admin, { method: 'GET', url: '/v2.0/agents' })
    expect(res.statusCode).toBe(200)
    const agents = (res.json() as { agents: Json[] }).agents
    expect(agents.map((a) => [a['host'], a['agent_type'], a['alive']])).toEqual([
      ['node-a', 'DHCP agent', true],
      ['node-b', 'Linux bridge agent', true],
    ])
    expect(agents[1]).toMatchObject({
      id: agentId('l2', 'node-b'),
      binary: 'nimbus-l2-agent',
      topic: 'N/A',
      admin_state_up: true,
      availability_zone: null,
      configurations: { tunneling_ip: '192.0.2.2' },
    })
    expect(agents[0]?.['heartbeat_timestamp']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
  })

  it('filters by field as other lists do', async () => {
    const res = await fx.request(admin, {
      method: 'GET',
      url: '/v2.0/agents?agent_type=DHCP%20agent',
    })
    expect((res.json() as { agents: Json[] }).agents.map((a) => a['host'])).toEqual(['node-a'])
  })

  it('shows members no agents and refuses them one', async () => {
    const list = await fx.request(alice, { method: 'GET', url: '/v2.0/agents' })
    expect(list.json()).toEqual({ agents: [] })
    const show = await fx.request(alice, {
      method: 'GET',
      url: `/v2.0/agents/${agentId('l2', 'node-b')}`,
    })
    expect(show.statusCode).toBe(403)
  })

  it('shows one agent and answers 404 for an unknown id', async () => {
    const id = agentId('dhcp', 'node-a')
    const res = await fx.request(admin, { method: 'GET', url: `/v2.0/agents/${id}` })
    expect((res.json() as { agent: Json }).agent).toMatchObject({ id, topic: 'dhcp_agent' })
    const missing = await fx.request(admin, {
      method: 'GET',
      url: '/v2.0/agents/00000000-0000-5000-8000-000000000000',
    })
    expect(missing.statusCode).toBe(404)
    expect(faultType(missing)).toBe('AgentNotFound')
  })

  it('refuses to delete a live agent', async () => {
    const res = await fx.request(admin, {
      method: 'DELETE',
      url: `/v2.0/agents/${agentId('l2', 'node-b')}`,
    })
    expect(res.statusCode).toBe(409)
  })
})

describe('agent administrative state', () => {
  const put = (caller: typeof admin, id: string, agent: Json) =>
    fx.request(caller, { method: 'PUT', url: `/v2.0/agents/${id}`, payload: { agent } })

  it('sets admin_state_up and description for admins, and keeps them', async () => {
    const id = agentId('dhcp', 'node-a')
    const res = await put(admin, id, { admin_state_up: false, description: 'maintenance' })
    expect(res.statusCode, res.body).toBe(200)
    expect((res.json() as { agent: Json }).agent).toMatchObject({
      id,
      admin_state_up: false,
      description: 'maintenance',
      alive: true,
    })
    const shown = await fx.request(admin, { method: 'GET', url: `/v2.0/agents/${id}` })
    expect((shown.json() as { agent: Json }).agent['admin_state_up']).toBe(false)
    const back = await put(admin, id, { admin_state_up: true })
    expect((back.json() as { agent: Json }).agent).toMatchObject({
      admin_state_up: true,
      description: 'maintenance',
    })
  })

  it('refuses members, read-only attributes and unknown agents', async () => {
    const id = agentId('l2', 'node-b')
    expect((await put(alice, id, { admin_state_up: false })).statusCode).toBe(403)
    expect((await put(admin, id, { host: 'elsewhere' })).statusCode).toBe(400)
    expect((await put(admin, id, { admin_state_up: 'no' })).statusCode).toBe(400)
    const missing = await put(admin, '00000000-0000-5000-8000-000000000000', {
      admin_state_up: false,
    })
    expect(missing.statusCode).toBe(404)
    expect(faultType(missing)).toBe('AgentNotFound')
  })

  it('keeps networks with a disabled DHCP agent but places new ones elsewhere', async () => {
    const report = (host: string) =>
      fx.unit.agents.report({
        host,
        agentType: 'dhcp',
        binary: 'nimbus-dhcp-agent',
        configurations: {},
      })
    report('dhcp-1')
    report('dhcp-2')
    const ctx = { ...fx.unit.ctx, agents: fx.unit.agents }
    const onlyUp = (hosts: Map<string, string>) => [...new Set(hosts.values())]
    const first = await hostingAgents(ctx, fx.unit.agents, 'dhcp', ['net-x', 'net-y', 'net-z'])
    expect(first.size).toBe(3)
    const down = first.get('net-x') as string
    const res = await put(admin, agentId('dhcp', down), { admin_state_up: false })
    expect(res.statusCode).toBe(200)
    const later = await hostingAgents(ctx, fx.unit.agents, 'dhcp', [
      'net-x',
      'net-y',
      'net-z',
      ...Array.from({ length: 20 }, (_, i) => `net-new-${i}`),
    ])
    expect(later.get('net-x')).toBe(down)
    const placed = new Map([...later].filter(([id]) => id.startsWith('net-new-')))
    expect(onlyUp(placed)).not.toContain(down)
    expect(placed.size).toBe(20)
    await put(admin, agentId('dhcp', down), { admin_state_up: true })
  })

  it('refuses to bind ports to a host whose L2 agent is administratively down', async () => {
    const agents = createAgentRegistry()
    agents.report({ host: 'h', agentType: 'l2', binary: 'nimbus-l2-agent', configurations: {} })
    const network = {
      id: 'n',
      projectId: 'p',
      networkType: 'local',
      physicalNetwork: null,
      segmentationId: null,
      mtu: 1500,
      adminStateUp: true,
      external: false,
    }
    expect(bindingRefusal(agents, 'h', network)).toBeUndefined()
    agents.configure('h', 'l2', { adminStateUp: false, description: null, createdAt: 1 })
    expect(bindingRefusal(agents, 'h', network)).toBe(
      'the L2 agent on host h is administratively down',
    )
  })
})

describe('agent records', () => {
  it('keep one id per type and host, shaped as a UUID', () => {
    expect(agentId('l3', 'h')).toBe(agentId('l3', 'h'))
    expect(agentId('l3', 'h')).not.toBe(agentId('l2', 'h'))
    expect(agentId('l3', 'h')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })

  it('of a dead agent can be deleted until it reports again', async () => {
    let now = 0
    const registry = createAgentRegistry({ now: () => now, downTimeMs: 1000 })
    registry.report({ host: 'h', agentType: 'l3', binary: 'nimbus-l3-agent', configurations: {} })
    now = 5000
    expect(listAgents(registry)[0]?.alive).toBe(false)
    await deleteAgent({ ...fx.unit.ctx, agents: registry }, agentId('l3', 'h'))
    expect(listAgents(registry)).toEqual([])
  })
})
