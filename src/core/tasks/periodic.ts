/** @module core/tasks/periodic: runs a job every interval, never overlapping, until aborted. */

/** Options of {@link startPeriodic}. */
export interface PeriodicOptions {
  /** Time from the start of one run to the start of the next, in ms. */
  readonly intervalMs: number
  /** Stops the job: no new run starts after it aborts; a running one is passed the signal. */
  readonly signal: AbortSignal
  /** Run once immediately instead of after the first interval. */
  readonly runAtStart?: boolean
  /** Told about each failed run (the job keeps its schedule). */
  readonly onError: (error: unknown) => void
  /** Current time in ms, for the schedule; defaults to `Date.now`. */
  readonly now?: () => number
}

/** A started periodic job. */
export interface PeriodicJob {
  /** Resolves once the signal has aborted and the run in progress, if any, has finished. */
  readonly stopped: Promise<void>
}

/**
 * Runs `fn` every `intervalMs` (measured start to start, like oslo's fixed interval loop). Runs
 * never overlap: a run that takes longer than the interval delays the next, which then starts
 * as soon as it finishes.
 */
export function startPeriodic(
  fn: (signal: AbortSignal) => Promise<void> | void,
  options: PeriodicOptions,
): PeriodicJob {
  const { intervalMs, signal, onError } = options
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new TypeError(`intervalMs must be a positive number, got ${intervalMs}`)
  }
  const now = options.now ?? Date.now

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve()
      const done = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })

  const loop = async (): Promise<void> => {
    let delay: number | undefined = options.runAtStart === true ? undefined : intervalMs
    while (!signal.aborted) {
      // Even an overdue run waits a timer turn, so a job that is always late cannot starve I/O.
      if (delay !== undefined) await wait(delay)
      if (signal.aborted) return
      const started = now()
      try {
        await fn(signal)
      } catch (error) {
        try {
          onError(error)
        } catch {
          // A failing error hook must not stop the schedule.
        }
      }
      delay = Math.max(0, intervalMs - (now() - started))
    }
  }

  return { stopped: loop() }
}
