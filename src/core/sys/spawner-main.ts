/** @module core/sys/spawner-main: the spawner process: runs the programs its parent asks for and answers with their outcome */
import { runDirect, type ChildRun, type RunningChild } from './child-run.js'

/** A request from the parent: run a program, or kill a run. */
export type SpawnerRequest = { id: number; run: ChildRun } | { id: number; kill: true }

const running = new Map<number, RunningChild>()

process.on('message', (request: SpawnerRequest) => {
  if ('kill' in request) {
    running.get(request.id)?.kill()
    return
  }
  const child = runDirect(request.run)
  running.set(request.id, child)
  void child.done.then((outcome) => {
    running.delete(request.id)
    process.send?.({ id: request.id, outcome })
  })
})
// the parent is gone: what runs finishes by itself, nobody waits for it
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
