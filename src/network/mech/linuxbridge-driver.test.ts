import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../core/log/index.js'
import { createAgentRegistry } from '../rpc/agent-registry.js'
import { createLinuxbridgeDriver } from './linuxbridge-driver.js'
import type { NetworkState, PortState } from './mechanism-driver.js'

const network = (overrides: Partial<NetworkState> = {}): NetworkState => ({
  id: '0123456789abcdef-net',
  projectId: 'p',
  networkType: 'vxlan',
  physicalNetwork: null,
  segmentationId: 7,
  mtu: 1450,
  adminStateUp: true,
  external: false,
  ...overrides,
})

const port = (hostId: string): PortState => ({
  id: 'port-1',
  networkId: '0123456789abcdef-net',
  macAddress: 'fa:16:3e:00:00:01',
  deviceOwner: 'compute:nova',
  deviceId: 'server-1',
  hostId,
  vnicType: 'normal',
  adminStateUp: true,
  fixedIps: [],
})

function setup(now: { t: number }) {
  const agents = createAgentRegistry({ now: () => now.t, downTimeMs: 1000 })
  const notes: string[] = []
  const driver = createLinuxbridgeDriver({
    agents,
    notify: (kind, id) => notes.push(`${kind}:${id}`),
    logger: silentLogger(),
  })
  return { agents, driver, notes }
}

describe('linuxbridge mechanism driver', () => {
  it('binds to the network bridge on a host whose L2 agent is alive', () => {
    const clock = { t: 0 }
    const { agents, driver } = setup(clock)
    agents.report({
      host: 'h1',
      agentType: 'l2',
      binary: 'nimbus-l2-agent',
      configurations: { tunneling_ip: '192.0.2.1' },
    })
    expect(driver.bindPort(port('h1'), network())).toEqual({
      vifType: 'bridge',
      vifDetails: { port_filter: false, connectivity: 'l2', bridge_name: 'brq0123456789a' },
      status: 'DOWN',
    })
  })

  it('refuses hosts without a live agent, dead agents and VXLAN without a tunnel address', () => {
    const clock = { t: 0 }
    const { agents, driver } = setup(clock)
    expect(driver.bindPort(port('h1'), network())).toBeUndefined()
    agents.report({ host: 'h1', agentType: 'l2', binary: 'b', configurations: {} })
    expect(driver.bindPort(port('h1'), network())).toBeUndefined()
    expect(driver.bindPort(port('h1'), network({ networkType: 'local' }))?.vifType).toBe('bridge')
    expect(driver.bindPort(port('h1'), network({ networkType: 'vlan' }))).toBeUndefined()
    clock.t = 5000
    expect(driver.bindPort(port('h1'), network({ networkType: 'local' }))).toBeUndefined()
  })

  it('notifies the agents after each change', async () => {
    const { driver, notes } = setup({ t: 0 })
    await driver.portPostcommit?.({ kind: 'delete', original: port('h1') })
    await driver.routerPostcommit?.('r1')
    expect(notes).toEqual(['port:port-1', 'router:r1'])
  })
})
