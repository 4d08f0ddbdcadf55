// Prints a bench variant's rows side by side (scripts/bench.sh, BENCH_VARIANT): the median of
// each row for plain qtusd and for qtusd with the feature, and their ratio.
//   node compare.mjs results.tsv <base kind> <variant kind> <variant name>
import fs from 'node:fs'

const [file, base, other, name] = process.argv.slice(2)
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split('\t'))
const values = (kind, metric) => rows.filter((r) => r[1] === kind && r[2] === metric).map((r) => Number(r[3]))
const median = (v) => {
  if (!v.length) return NaN
  const s = [...v].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const metrics = [
  ['(a) 1 GiB, one PATCH', 'a_mibps', 'MiB/s'],
  ['(c) 32 concurrent uploads', 'c_mibps', 'MiB/s'],
  ['(d) HEAD, 32 keep-alive', 'd_rps', 'req/s'],
  ['(d) HEAD p99', 'd_p99', 'ms'],
  ['peak RSS, (d)', 'rss_d', 'KiB'],
]
const fmt = (v) => (Number.isNaN(v) ? '-' : v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(2))
const runs = new Set(rows.filter((r) => r[1] === base).map((r) => r[0])).size
console.log(`\nqtusd alone next to qtusd with ${name} (medians of ${runs} run${runs === 1 ? '' : 's'})\n`)
console.log('| row | unit | qtusd | qtusd + ' + name + ' | ratio |')
console.log('|---|---|---:|---:|---:|')
for (const [label, metric, unit] of metrics) {
  const a = median(values(base, metric))
  const b = median(values(other, metric))
  if (Number.isNaN(a) && Number.isNaN(b)) continue
  const ratio = Number.isNaN(a) || Number.isNaN(b) || a === 0 ? '-' : (b / a).toFixed(3)
  console.log(`| ${label} | ${unit} | ${fmt(a)} | ${fmt(b)} | ${ratio} |`)
}
