/** @module network/agents/l3/router-advertiser: a supervised radvd per router namespace that advertises IPv6 subnets */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../../core/log/index.js'
import { superviseProcess, type SupervisedProcess } from '../../../core/sys/supervised-process.js'
import { routerNamespace } from '../../rpc/device-names.js'
import type { L3Router } from '../../rpc/payloads.js'
import { killLeftover, writeIfChanged } from '../state-files.js'
import { radvdConfig } from './radvd-config.js'

/** The radvd processes of the routers an L3 agent hosts. */
export interface RouterAdvertiser {
  /** Starts, reloads or stops the router's radvd so it advertises what the router should. */
  sync(router: L3Router): Promise<void>
  /** Stops a router's radvd and removes its files (before its namespace goes). */
  remove(routerId: string): Promise<void>
  /** Stops every radvd this advertiser runs. */
  stopAll(): Promise<void>
}

/** Keeps one radvd per advertising router, its files under `<stateDir>/<router id>/`. */
export function createRouterAdvertiser(options: {
  stateDir: string
  logger: Logger
  /** The radvd program; default /usr/sbin/radvd. */
  radvd?: string
}): RouterAdvertiser {
  const processes = new Map<string, SupervisedProcess>()
  const remove = async (routerId: string) => {
    const proc = processes.get(routerId)
    processes.delete(routerId)
    await proc?.stop()
    const dir = join(options.stateDir, routerId)
    await killLeftover(join(dir, 'radvd.pid'))
    await rm(dir, { recursive: true, force: true })
  }
  return {
    async sync(router) {
      const config = radvdConfig(router)
      if (!config) return remove(router.id)
      const dir = join(options.stateDir, router.id)
      await mkdir(dir, { recursive: true })
      const confFile = join(dir, 'radvd.conf')
      const changed = await writeIfChanged(confFile, config)
      const running = processes.get(router.id)
      if (running) {
        // radvd rereads its configuration on SIGHUP
        if (changed) running.signal('SIGHUP')
        return
      }
      const pidFile = join(dir, 'radvd.pid')
      await killLeftover(pidFile)
      await rm(pidFile, { force: true })
      processes.set(
        router.id,
        superviseProcess({
          program: 'ip',
          args: [
            'netns',
            'exec',
            routerNamespace(router.id),
            options.radvd ?? '/usr/sbin/radvd',
            '--nodaemon',
            `--config=${confFile}`,
            `--pidfile=${pidFile}`,
            '--logmethod=stderr',
          ],
          onUnexpectedExit: (info) =>
            options.logger.warn(
              { routerId: router.id, code: info.code, signal: info.signal, output: info.output },
              'radvd exited; restarting it',
            ),
        }),
      )
    },
    remove,
    async stopAll() {
      for (const proc of processes.values()) await proc.stop()
      processes.clear()
    },
  }
}
