// Prints the benchmark table from scripts/bench.sh's raw results.
// Usage: node report.mjs results.tsv key=value...   (results: run, server, metric, value)
// Medians over the runs for rates and latencies; the maximum for peak RSS.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const [resultsFile, ...kv] = process.argv.slice(2)
const info = Object.fromEntries(kv.map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)]))
const here = path.dirname(fileURLToPath(import.meta.url))

const values = new Map() // "server metric" -> [numbers]
for (const line of fs.readFileSync(resultsFile, 'utf8').split('\n')) {
  if (!line) continue
  const [, server, metric, value] = line.split('\t')
  const key = `${server} ${metric}`
  if (!values.has(key)) values.set(key, [])
  values.get(key).push(Number(value))
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
function get(server, metric) {
  const xs = values.get(`${server} ${metric}`)
  if (!xs?.length) return NaN
  return metric.startsWith('rss_') ? Math.max(...xs) / 1024 : median(xs) // RSS: KiB -> MiB
}

const MiB = 1024 * 1024
const size = (b) => (b >= 1024 * MiB && b % (1024 * MiB) === 0 ? `${b / 1024 / MiB} GiB` : `${+(b / MiB).toFixed(1)} MiB`)
const fmt = (v, unit) => {
  if (!Number.isFinite(v)) return '-'
  if (unit === 'ms') return v.toFixed(2)
  if (unit === 'MiB') return v.toFixed(1)
  return v >= 100 ? v.toFixed(0) : v.toFixed(1)
}
const pkgVersion = (name) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version
  } catch {
    return '?'
  }
}
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return '?'
  }
}

const tusName = `@tus/server ${pkgVersion('@tus/server')}`
const rows = []
let met = 0
let missed = 0
// kind: 'ratio' (qtusd/ref >= target), 'max' (qtusd <= target), 'pct' (qtusd/ref >= target %), 'info'
function row(label, unit, q, refName, ref, kind, target) {
  let ratio = '-'
  if (Number.isFinite(q) && Number.isFinite(ref) && ref > 0)
    ratio = kind === 'pct' || kind === 'info' ? `${((q / ref) * 100).toFixed(0)}%` : `${(q / ref).toFixed(2)}x`
  let targetText = '-'
  let result = 'info'
  if (kind !== 'info' && !Number.isFinite(q)) {
    result = 'not run'  // BENCH_ONLY left this workload out
  } else if (kind !== 'info') {
    let ok
    if (kind === 'ratio') {
      targetText = `>= ${target}x`
      ok = q / ref >= target
    } else if (kind === 'max') {
      targetText = `<= ${target} ${unit}`
      ok = q <= target
    } else {
      targetText = `>= ${target}% of dd`
      ok = (q / ref) * 100 >= target
    }
    result = ok ? 'met' : 'MISSED'
    ok ? met++ : missed++
  }
  rows.push([label, unit, fmt(q, unit), refName, fmt(ref, unit), ratio, targetText, result])
}

const big = size(Number(info.big))
const chunk = size(Number(info.chunk))
const conc = `${info.conc_count} x ${size(Number(info.conc_size))}`
const labels = {
  a: `(a) ${big}, one PATCH`,
  b: `(b) ${big} in ${chunk} PATCHes`,
  c: `(c) ${conc} at once`,
  d: `(d) HEAD, ${info.head_conns} keep-alive conns`,
  e: `(e) POST (create), ${info.post_conns} conns`,
}

for (const w of ['a', 'b', 'c']) row(labels[w], 'MiB/s', get('qtusd-never', `${w}_mibps`), tusName, get('tus', `${w}_mibps`), 'ratio', 2)
row(labels.d, 'req/s', get('qtusd-never', 'd_rps'), tusName, get('tus', 'd_rps'), 'ratio', 20)
row('(d) HEAD p99 latency', 'ms', get('qtusd-never', 'd_p99'), tusName, get('tus', 'd_p99'), 'max', 5)
row(labels.e, 'req/s', get('qtusd-never', 'e_rps'), tusName, get('tus', 'e_rps'), 'ratio', 5)
for (const w of ['a', 'b', 'c', 'd', 'e'])
  row(`(f) peak RSS during (${w})`, 'MiB', get('qtusd-never', `rss_${w}`), tusName, get('tus', `rss_${w}`), 'max', 48)
const dd = get('dd', 'dd_mibps')
for (const w of ['a', 'b', 'c'])
  row(`(${w}) qtusd --fsync always`, 'MiB/s', get('qtusd-always', `${w}_mibps`), 'dd fdatasync', dd, 'pct', 90)
for (const w of ['a', 'b', 'c'])
  row(`(f) peak RSS, --fsync always (${w})`, 'MiB', get('qtusd-always', `rss_${w}`), '-', NaN, 'max', 48)
for (const w of ['a', 'b', 'c'])
  row(`(${w}) loopback ceiling`, 'MiB/s', get('qtusd-never', `${w}_mibps`), 'sink.c', get('sink', `${w}_mibps`), 'info')

const header = ['workload', 'unit', 'qtusd', 'compared with', 'value', 'ratio', 'target', 'result']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
const numeric = new Set([2, 4, 5])
const line = (cells) => `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`

const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) || [])[1] ?? '?'
const qt = sh('dpkg-query', ['-W', '-f=${Version}', 'libqt6core6'])
const busy = Number(info.busy_pct) > 20
const out = []
out.push(`qtus benchmark: ${info.qtusd || 'qtusd'} (Release, Qt ${qt}) vs ${tusName} + @tus/file-store ${pkgVersion('@tus/file-store')} on node ${process.version}`)
const rev = sh('git', ['-C', path.join(here, '..', '..'), 'describe', '--always', '--dirty'])
out.push(`source: qtus ${rev} (built from the work tree as it was)`)
out.push(`machine: ${os.cpus().length} cores, ${cpu}, Linux ${os.release()}; upload dirs on ${info.tmp_base} (${info.fs})`)
out.push(`scale ${info.scale}, ${info.runs} run(s): medians, peak RSS = max over runs; took ${info.elapsed} s; priority: ${info.priority}`)
out.push(`before the run the CPUs were ${info.busy_pct}% busy with other work; load average (1/5/15 min) ${info.load_start} at start, ${info.load_end} at end${busy ? ` -- WARNING: other work was running on this ${os.cpus().length}-core machine; rates are lower and noisier than on an idle one` : ''}`)
out.push(`qtusd runs --fsync never unless the row says always; @tus/server never syncs. dd: ${size(Number(info.dd_bytes))} bs=8M conv=fdatasync.`)
out.push(`(d) HEAD for ${info.head_secs} s, (e) POST for ${info.post_secs} s, after 1 s of warm-up, by tests/bench/loadgen.c; every upload verified (HEAD offset, stored size, sampled bytes).`)
out.push('')
out.push(line(header))
out.push(`|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`)
for (const r of rows) out.push(line(r))
out.push('')
out.push(`targets: ${met} met, ${missed} missed`)
if (Number(info.runs) > 1) {
  // Every run's value, so the spread behind each median is visible.
  out.push('')
  out.push('per run (in run order):')
  const servers = [['qtusd-never', 'qtusd'], ['tus', '@tus/server'], ['qtusd-always', 'qtusd --fsync always'], ['sink', 'sink'], ['dd', 'dd']]
  const metrics = [['a_mibps', '(a) MiB/s'], ['b_mibps', '(b) MiB/s'], ['c_mibps', '(c) MiB/s'], ['d_rps', '(d) HEAD/s'], ['d_p99', '(d) p99 ms'], ['e_rps', '(e) POST/s'], ['dd_mibps', 'dd MiB/s']]
  for (const [metric, label] of metrics) {
    const parts = []
    for (const [server, name] of servers) {
      const xs = values.get(`${server} ${metric}`)
      if (xs?.length) parts.push(`${name} ${xs.map((v) => fmt(v, metric.endsWith('p99') ? 'ms' : '')).join(' ')}`)
    }
    if (parts.length) out.push(`  ${label.padEnd(11)} ${parts.join(' | ')}`)
  }
}
console.log(out.join('\n'))
