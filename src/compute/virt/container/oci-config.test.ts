/** @module compute/virt/container/oci-config.test: the OCI config.json of a container guest */
import { describe, expect, it } from 'vitest'
import { containerConfig } from './oci-config.js'

const base = {
  hostname: 'web-1',
  vcpus: 2,
  memoryMb: 512,
  netnsPath: '/run/netns/ctr-x',
  cgroupsPath: '/nimbus/x',
}

describe('containerConfig', () => {
  it("runs the image's entrypoint and cmd with its env and working dir under the flavor's limits", () => {
    const config = containerConfig({
      ...base,
      image: { Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hi'], Env: ['A=1'], WorkingDir: '/srv' },
    }) as {
      process: { args: string[]; env: string[]; cwd: string; user: { uid: number } }
      hostname: string
      linux: {
        cgroupsPath: string
        resources: { memory: { limit: number }; cpu: { quota: number; period: number } }
        namespaces: { type: string; path?: string }[]
      }
    }
    expect(config.process.args).toEqual(['/bin/sh', '-c', 'echo hi'])
    expect(config.process.env).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'A=1',
      'HOSTNAME=web-1',
    ])
    expect(config.process.cwd).toBe('/srv')
    expect(config.process.user.uid).toBe(0)
    expect(config.hostname).toBe('web-1')
    expect(config.linux.resources.memory.limit).toBe(512 * 1024 * 1024)
    expect(config.linux.resources.cpu).toMatchObject({ quota: 200_000, period: 100_000 })
    expect(config.linux.namespaces).toContainEqual({ type: 'network', path: '/run/netns/ctr-x' })
    expect(config.linux.cgroupsPath).toBe('/nimbus/x')
  })

  it('takes numeric users and refuses images with nothing to run or a named user', () => {
    const user = (User: string) =>
      (containerConfig({ ...base, image: { Cmd: ['/x'], User } }) as { process: { user: unknown } })
        .process.user
    expect(user('1000:100')).toEqual({ uid: 1000, gid: 100 })
    expect(user('7')).toEqual({ uid: 7, gid: 7 })
    expect(() => user('nobody')).toThrow(/image user "nobody" is not numeric/)
    expect(() => containerConfig({ ...base, image: {} })).toThrow(/neither an entrypoint nor a cmd/)
  })
})
