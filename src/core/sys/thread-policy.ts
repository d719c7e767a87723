/** @module core/sys/thread-policy: keeps the event loop ahead of the process's helper threads */
import { readdir, stat } from 'node:fs/promises'
import { exec } from './exec.js'

/** What {@link batchScheduleHelperThreads} did. */
export type ThreadPolicyOutcome =
  { kind: 'applied'; threads: number } | { kind: 'skipped'; reason: string }

let applied: Promise<ThreadPolicyOutcome> | undefined

async function apply(): Promise<ThreadPolicyOutcome> {
  if (process.platform !== 'linux') return { kind: 'skipped', reason: 'not Linux' }
  // libuv starts every threadpool thread on the first request queued to it.
  await stat('/')
  const pid = String(process.pid)
  try {
    // Every thread becomes SCHED_BATCH, then the main thread (its id is the pid) goes back.
    await exec('chrt', ['--all-tasks', '--batch', '--pid', '0', pid], { timeoutMs: 5000 })
    await exec('chrt', ['--other', '--pid', '0', pid], { timeoutMs: 5000 })
  } catch (error) {
    return { kind: 'skipped', reason: error instanceof Error ? error.message : String(error) }
  }
  const threads = (await readdir('/proc/self/task')).length - 1
  return { kind: 'applied', threads }
}

/**
 * Marks the process's helper threads (the libuv threadpool, V8's platform workers) SCHED_BATCH,
 * leaving the main thread SCHED_OTHER. A batch thread does not preempt a running thread when it
 * wakes. Without this, every file system call handed to the threadpool (an object PUT makes two
 * to four: the durable write and the folder syncs) and every message to a worker thread (the
 * object store's file placer) wakes a thread that takes the main thread's CPU on a machine with
 * few cores, and requests wait while it runs. The helpers still get their fair share of the CPU.
 * Runs once per process; threads started later keep the default policy. Where `chrt`
 * (util-linux) is missing or refused, nothing changes; the promise never rejects.
 */
export function batchScheduleHelperThreads(): Promise<ThreadPolicyOutcome> {
  applied ??= apply().catch((error: unknown) => ({
    kind: 'skipped' as const,
    reason: error instanceof Error ? error.message : String(error),
  }))
  return applied
}
