import { describe, expect, it } from 'vitest'
import { haproxyConfig } from './haproxy-config.js'

describe('namespace proxy configuration', () => {
  it('stamps the router id and the source address, replacing what the guest sent', () => {
    const text = haproxyConfig(
      { kind: 'router', resourceId: 'r-1', bindAddress: '0.0.0.0', bindPort: 9697 },
      '/var/lib/nimbus/network/metadata/proxy.sock',
      '/d/pid',
    )
    const lines = text.split('\n').map((l) => l.trim())
    expect(lines).toContain('bind 0.0.0.0:9697')
    expect(lines).toContain('server metadata /var/lib/nimbus/network/metadata/proxy.sock')
    const del = lines.indexOf('http-request del-header X-Neutron-Router-ID')
    const set = lines.indexOf('http-request set-header X-Neutron-Router-ID r-1')
    expect(del).toBeGreaterThan(0)
    expect(set).toBeGreaterThan(del)
    expect(lines).toContain('http-request del-header X-Neutron-Network-ID')
    expect(lines).toContain('http-request set-header X-Forwarded-For %[src]')
    expect(lines).toContain('timeout server 32s')
  })

  it('stamps the network id for an isolated network and refuses unsafe values', () => {
    const spec = {
      kind: 'network' as const,
      resourceId: 'n-1',
      bindAddress: '0.0.0.0',
      bindPort: 9697,
    }
    expect(haproxyConfig(spec, '/s', '/p')).toContain('set-header X-Neutron-Network-ID n-1')
    expect(() => haproxyConfig({ ...spec, resourceId: 'n 1\nbind' }, '/s', '/p')).toThrow(TypeError)
    expect(() => haproxyConfig(spec, '/with space', '/p')).toThrow(TypeError)
  })
})
