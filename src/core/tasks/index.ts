/** @module core/tasks: reverting multi-step work, periodic jobs and per-resource queues. */

export { Reverter, type RevertFailure } from './reverter.js'
export { startPeriodic, type PeriodicJob, type PeriodicOptions } from './periodic.js'
export { createKeyedQueue, type KeyedQueue } from './keyed-queue.js'
