/** @module deploy/config.test: node roles and the transport settings */
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../core/config/index.js'
import { assertComputeRoleConfig } from './compute-role.js'
import { loadNimbusConfig } from './config.js'

const load = (flags: Record<string, string>, env: Record<string, string> = {}) =>
  loadNimbusConfig({ env, flags: new Map(Object.entries(flags)) })

describe('loadNimbusConfig: roles', () => {
  it('runs everything in one process over the in-process bus by default', () => {
    const config = load({})
    expect(config).toMatchObject({ role: 'all', transportUrl: 'memory://' })
    expect(config.compute.hosts).toBe(1)
    expect(config.hostName).not.toBe('')
  })

  it('gives a controller no compute host unless asked for some', () => {
    expect(load({ role: 'controller' }).compute.hosts).toBe(0)
    expect(load({ role: 'controller', 'compute.hosts': '2' }).compute.hosts).toBe(2)
    expect(load({ role: 'controller' }, { NIMBUS_COMPUTE_HOSTS: '1' }).compute.hosts).toBe(1)
  })

  it('refuses an unknown role and an unknown transport', () => {
    expect(() => load({ role: 'dashboard' })).toThrow(ConfigError)
    expect(() => load({ transport_url: 'kafka://h/' })).toThrow(ConfigError)
  })
})

describe('assertComputeRoleConfig', () => {
  const compute = {
    role: 'compute',
    transport_url: 'rabbit://guest:guest@127.0.0.1:5672/',
    controller_url: 'http://controller:5000/',
    service_password: 'pw',
  }

  it('accepts a broker, a controller URL and the service password', () => {
    const config = load(compute)
    expect(() => assertComputeRoleConfig(config)).not.toThrow()
    expect(config.controllerUrl).toBe('http://controller:5000')
  })

  it('names what a compute node is missing', () => {
    expect(() => assertComputeRoleConfig(load({ ...compute, transport_url: 'memory://' }))).toThrow(
      /--transport-url rabbit:/,
    )
    expect(() => assertComputeRoleConfig(load({ ...compute, controller_url: '' }))).toThrow(
      /--controller-url/,
    )
    expect(() => assertComputeRoleConfig(load({ ...compute, service_password: '' }))).toThrow(
      /--service-password/,
    )
  })
})
