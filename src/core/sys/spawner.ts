/**
 * @module core/sys/spawner: programs run from a small helper process. Starting a program forks
 * the process that starts it, and the fork copies its page tables while the event loop waits:
 * about 2 ms for a 50 MB process, 7-11 ms for a 150-250 MB one such as the all-in-one. The
 * helper keeps the fork small and off this process's event loop; when it cannot be started,
 * programs are started from this process.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { runDirect, type ChildOutcome, type ChildRun, type RunningChild } from './child-run.js'
import type { SpawnerRequest } from './spawner-main.js'

type Reply = { ready: true } | { id: number; outcome: ChildOutcome }

interface Helper {
  process: ChildProcess
  ready: boolean
  /** Runs sent, or waiting for the helper to be ready, by id. */
  pending: Map<number, { run: ChildRun; resolve: (outcome: ChildOutcome) => void }>
}

let helper: Helper | undefined
let unavailable = false
let nextId = 1

function mainModule(): { path: URL; execArgv: string[] } {
  const source = import.meta.url.endsWith('.ts')
  // from sources (tests, benchmarks) the helper needs the same TypeScript loader
  return {
    path: new URL(`./spawner-main.${source ? 'ts' : 'js'}`, import.meta.url),
    execArgv: source ? ['--import', 'tsx'] : [],
  }
}

function refWhileBusy(h: Helper): void {
  const channel = h.process.channel as { ref(): void; unref(): void } | null | undefined
  if (h.pending.size > 0) channel?.ref()
  else channel?.unref()
}

function startHelper(): Helper | undefined {
  const main = mainModule()
  let child: ChildProcess
  try {
    child = fork(main.path, [], {
      execArgv: main.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
  } catch {
    unavailable = true
    return undefined
  }
  const h: Helper = { process: child, ready: false, pending: new Map() }
  child.unref()
  child.on('message', (reply: Reply) => {
    if ('ready' in reply) {
      h.ready = true
      for (const [id, { run }] of h.pending) child.send({ id, run } satisfies SpawnerRequest)
      return
    }
    const waiting = h.pending.get(reply.id)
    h.pending.delete(reply.id)
    refWhileBusy(h)
    waiting?.resolve(reply.outcome)
  })
  const gone = (): void => {
    if (helper === h) helper = undefined
    // a helper that never came up is not tried again; its runs are started from here
    if (!h.ready) unavailable = true
    for (const { run, resolve } of h.pending.values()) {
      if (h.ready) {
        const message = 'the spawner process ended while the program ran'
        resolve({ kind: 'not-started', message })
      } else {
        void runDirect(run).done.then(resolve)
      }
    }
    h.pending.clear()
  }
  child.on('exit', gone)
  child.on('error', gone)
  return h
}

/** Runs a program to completion through the spawner process (or from here without one). */
export function runChild(run: ChildRun): RunningChild {
  if (!unavailable && !helper) helper = startHelper()
  const h = helper
  if (!h) return runDirect(run)
  const id = nextId++
  const done = new Promise<ChildOutcome>((resolve) => {
    h.pending.set(id, { run, resolve })
  })
  refWhileBusy(h)
  if (h.ready) h.process.send({ id, run } satisfies SpawnerRequest)
  return {
    done,
    kill: () => {
      const waiting = h.pending.get(id)
      if (!waiting) return
      if (h.ready) {
        if (h.process.connected) h.process.send({ id, kill: true } satisfies SpawnerRequest)
        return
      }
      // not sent yet: it never starts
      h.pending.delete(id)
      refWhileBusy(h)
      waiting.resolve({ kind: 'exited', code: null, signal: 'SIGKILL', stdout: '', stderr: '' })
    },
  }
}
