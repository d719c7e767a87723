/** @module compute/api/ip-address: IPv6 addresses in the compressed form Nova stores */

/** `0000:...:babe:220.12.22.2` becomes `::babe:dc0c:1602` (RFC 5952); other text is kept. */
export function canonicalIpv6(text: string): string {
  let head = text.toLowerCase()
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(head)
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number]
    const tail = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
    head = head.slice(0, v4.index) + tail
  }
  const halves = head.split('::')
  if (halves.length > 2) return text
  const left = halves[0] ? halves[0].split(':') : []
  const right = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const missing = 8 - left.length - right.length
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return text
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right].map((g) =>
    parseInt(g, 16).toString(16),
  )
  if (groups.some((g) => g === 'NaN')) return text
  let best = { at: -1, len: 0 }
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i }
    i = j
  }
  if (best.at < 0) return groups.join(':')
  const before = groups.slice(0, best.at).join(':')
  const after = groups.slice(best.at + best.len).join(':')
  return `${before}::${after}`
}
