/** @module network/agents/metadata/namespace-proxies: one supervised haproxy per router or isolated network namespace, carrying guests' metadata requests to the host's metadata proxy */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../../core/log/index.js'
import { pidsWithArgument, signalProcess, waitForExit } from '../../../core/sys/process-table.js'
import { superviseProcess, type SupervisedProcess } from '../../../core/sys/supervised-process.js'
import { haproxyConfig, type NamespaceProxySpec } from './haproxy-config.js'

/** What the namespace proxies of one agent need. */
export interface NamespaceProxiesOptions {
  /** Where each proxy's configuration lives (`<dir>/<resource id>/haproxy.cfg`). */
  stateDir: string
  /** The metadata proxy's UNIX socket on this host. */
  socketPath: string
  /** The haproxy program; default /usr/sbin/haproxy. */
  haproxy?: string
  logger: Logger
}

/** The proxies one agent runs, keyed by router or network id. */
export interface NamespaceProxies {
  /**
   * Makes the proxy of `spec.resourceId` run in `netns` with this spec: starts it, restarts it
   * when its configuration changed, and first ends one a previous agent run left behind.
   */
  ensure(netns: string, spec: NamespaceProxySpec): Promise<void>
  /** Ends the proxy of a resource (this run's or a leftover) and removes its files; idempotent. */
  remove(resourceId: string): Promise<void>
  /** The resources with a proxy on disk (this run's and leftovers), for reconciliation. */
  known(): Promise<string[]>
  /** The supervised proxy of a resource in this run. */
  processOf(resourceId: string): SupervisedProcess | undefined
  /** Ends every proxy of this run (`abandon`: leaves them running, as a killed agent would). */
  stopAll(options?: { abandon?: boolean }): Promise<void>
}

const ID = /^[A-Za-z0-9_.-]{1,64}$/

/** Starts managing the namespace proxies kept under `stateDir`. */
export function createNamespaceProxies(options: NamespaceProxiesOptions): NamespaceProxies {
  const running = new Map<string, SupervisedProcess>()
  const log = options.logger.child({ component: 'metadata-proxy' })
  const dirOf = (id: string) => {
    if (!ID.test(id)) throw new TypeError(`'${id}' is not a resource id`)
    return join(options.stateDir, id)
  }
  const configOf = (id: string) => join(dirOf(id), 'haproxy.cfg')

  /** Ends haproxy processes started with this configuration file by an earlier run. */
  const endLeftovers = async (id: string): Promise<void> => {
    const config = configOf(id)
    for (const pid of await pidsWithArgument(config)) {
      signalProcess(pid, 'SIGKILL')
      await waitForExit(pid, config, 5000)
    }
  }

  return {
    async ensure(netns, spec) {
      const dir = dirOf(spec.resourceId)
      const config = configOf(spec.resourceId)
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const text = haproxyConfig(spec, options.socketPath, join(dir, 'pid'))
      const old = await readFile(config, 'utf8').catch(() => undefined)
      let proc = running.get(spec.resourceId)
      if (old !== text) {
        await writeFile(`${config}.tmp`, text, { mode: 0o600 })
        await rename(`${config}.tmp`, config)
        if (proc) {
          await proc.stop()
          running.delete(spec.resourceId)
          proc = undefined
        }
      }
      if (proc) return
      await endLeftovers(spec.resourceId)
      running.set(
        spec.resourceId,
        superviseProcess({
          program: 'ip',
          args: [
            'netns',
            'exec',
            netns,
            options.haproxy ?? '/usr/sbin/haproxy',
            '-db',
            '-f',
            config,
          ],
          onUnexpectedExit: (info) =>
            log.warn(
              {
                resourceId: spec.resourceId,
                code: info.code,
                signal: info.signal,
                output: info.output,
              },
              'metadata namespace proxy exited; restarting it',
            ),
        }),
      )
    },
    async remove(resourceId) {
      const proc = running.get(resourceId)
      running.delete(resourceId)
      await proc?.stop()
      await endLeftovers(resourceId)
      await rm(dirOf(resourceId), { recursive: true, force: true })
    },
    async known() {
      const entries = await readdir(options.stateDir).catch(() => [] as string[])
      return [...new Set([...running.keys(), ...entries.filter((e) => ID.test(e))])].sort()
    },
    processOf: (resourceId) => running.get(resourceId),
    async stopAll(stopOptions = {}) {
      for (const proc of running.values()) {
        if (stopOptions.abandon) proc.detach()
        else await proc.stop()
      }
      running.clear()
    },
  }
}
