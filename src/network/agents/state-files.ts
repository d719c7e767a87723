/** @module network/agents/state-files: the files agents keep for the processes they run, and the processes a previous run left */
import { readFile, rename, writeFile } from 'node:fs/promises'

/** Writes `text` to `path` through a temporary name; false when the file already held it. */
export async function writeIfChanged(path: string, text: string): Promise<boolean> {
  const old = await readFile(path, 'utf8').catch(() => undefined)
  if (old === text) return false
  await writeFile(`${path}.tmp`, text, { mode: 0o644 })
  await rename(`${path}.tmp`, path)
  return true
}

/**
 * Ends the process whose pid `pidFile` names, if its command line mentions `pidFile` (so an
 * unrelated process that reused the pid is left alone), and waits until it is gone. A previous
 * run of an agent that was killed leaves such processes holding sockets and pid files.
 */
export async function killLeftover(pidFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim())
  if (!Number.isInteger(pid) || pid <= 1) return
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  if (!cmdline.includes(pidFile)) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone already
  }
  for (let i = 0; i < 50; i++) {
    if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
