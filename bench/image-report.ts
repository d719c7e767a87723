/** @module bench/image-report: the image throughput figures as a short table */
import type { ImageBenchReport, ImageBenchRun, Sample } from './image-throughput.js'

const MIB = 1024 * 1024

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** `median (min-max)` of some figures, or `n/a`. */
function spread(values: number[], digits = 0): string {
  if (values.length === 0) return 'n/a'
  const f = (v: number) => v.toFixed(digits)
  const low = Math.min(...values)
  const high = Math.max(...values)
  return values.length === 1 ? f(low) : `${f(median(values))} (${f(low)}-${f(high)})`
}

type SampleOf = (run: ImageBenchRun) => Sample | undefined

/** The report as a short table: API MiB/s beside the disk's, paired ratios, server memory. */
export function formatImageThroughput(report: ImageBenchReport): string[] {
  const mibs = report.bytes / MIB
  const rate = (pick: SampleOf) =>
    report.runs.flatMap((r) => {
      const s = pick(r)
      return s ? [mibs / s.seconds] : []
    })
  const ratio = (api: SampleOf, disk: SampleOf) =>
    report.runs.flatMap((r) => {
      const a = api(r)
      const d = disk(r)
      return a && d ? [(d.seconds / a.seconds) * 100] : []
    })
  const rss = (pick: SampleOf) => {
    const samples = report.runs.flatMap((r) => pick(r) ?? [])
    const start = samples.flatMap((s) => s.rssStart ?? [])
    const peak = samples.flatMap((s) => s.rssPeak ?? [])
    const cpu = samples.flatMap((s) => s.cpu ?? [])
    if (start.length === 0) return ''
    return `${Math.min(...start).toFixed(0)} -> ${Math.max(...peak).toFixed(0)}, cpu ${spread(cpu, 1)} s`
  }
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(30) : c.padStart([0, 18, 30, 18][i] ?? 0))).join(' ')
  const line = (label: string, api: SampleOf, diskLabel: string, disk: SampleOf) =>
    row([label, spread(rate(api)), `${diskLabel} ${spread(rate(disk))}`, spread(ratio(api, disk))])
  const write: SampleOf = (r) => r.diskWrite
  const direct: SampleOf = (r) => r.directRead
  const coldRead: SampleOf = (r) => r.coldRead
  const cached: SampleOf = (r) => r.cachedRead
  const bareLine = (label: string, pick: SampleOf, api: SampleOf) =>
    row([label, spread(rate(pick)), '', `API ${spread(ratio(api, pick))}`])
  const lines = [
    `image data: ${mibs} MiB, ${report.runs.length} run(s); MiB/s as median (min-max)`,
    row(['operation', 'API MiB/s', 'disk MiB/s', 'API/disk %']) + '  server RSS MiB, CPU',
    line('upload PUT .../file', (r) => r.upload, 'write+fsync', write) +
      `  ${rss((r) => r.upload)}`,
  ]
  const cold: SampleOf = (r) => r.coldDownload
  const warm: SampleOf = (r) => r.warmDownload
  if (report.runs.some((r) => r.coldDownload)) {
    const [label, disk] = report.runs.some((r) => r.coldRead)
      ? ['read, dropped', coldRead]
      : ['O_DIRECT', direct]
    lines.push(line('download GET, file not cached', cold, label, disk) + `  ${rss(cold)}`)
  }
  if (report.runs.some((r) => r.bareColdDownload)) {
    lines.push(bareLine('  bare node:http, not cached', (r) => r.bareColdDownload, cold))
  }
  lines.push(line('download GET, page cache', warm, 'cached', cached) + `  ${rss(warm)}`)
  if (report.runs.some((r) => r.bareWarmDownload)) {
    lines.push(bareLine('  bare node:http, page cache', (r) => r.bareWarmDownload, warm))
  }
  if (report.runs.some((r) => r.directRead)) {
    lines.push(row(['(disk read, O_DIRECT)', '', `O_DIRECT ${spread(rate(direct))}`, '']))
  }
  return [...lines, ...METHOD]
}

/** How the disk's figures were taken, printed under the table. */
const METHOD = [
  'disk figures: a probe file of the image size in the store folder, from the same 4 MiB block',
  '  the upload sends. write+fsync: 4 MiB writes, fsync before close (the store fsyncs each',
  '  image before renaming it into place); mean of one probe just before the upload and one',
  '  after the downloads. read, dropped: the probe pages evicted (fadvise DONTNEED via dd',
  '  iflag=nocache), then 4 MiB buffered reads as the store reads; the cold downloads drop the',
  "  image's pages the same way. cached: the probe read again once it is in the page cache.",
  '  API/disk % pairs the two figures of each run. The bare node:http rows serve the same file',
  '  with no framework, auth or database; which server reads first alternates by run.',
]
