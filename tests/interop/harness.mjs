// What every interop client shares: TAP-like "ok"/"not ok" lines, the closing
// "N passed, M failed" line, a watchdog so a run can never hang, and deterministic data.
import { createHash } from 'node:crypto'

let passed = 0, failed = 0

export function check(ok, desc, detail = '') {
  ok ? passed++ : failed++
  console.log(`${ok ? 'ok' : 'not ok'} - ${desc}${!ok && detail ? ` (${detail})` : ''}`)
  return ok
}
export const note = (msg) => console.log(`# ${msg}`)
export const errText = (err) => String(err?.message ?? err).replace(/\s+/g, ' ').slice(0, 400)
export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex')

export function finish() {
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(failed === 0 ? 0 : 1)
}

// Fails the run and finishes it if it is still going after ms.
export function finishWithin(ms, what) {
  setTimeout(() => {
    check(false, `${what} finished within ${ms / 1000} s`)
    finish()
  }, ms).unref()
}

// Deterministic data: xorshift32 with a fixed seed per file.
export function prngBytes(size, seed) {
  const words = new Uint32Array(Math.ceil(size / 4))
  let x = seed >>> 0 || 0x9e3779b9
  for (let i = 0; i < words.length; i++) {
    x = (x ^ (x << 13)) >>> 0
    x = (x ^ (x >>> 17)) >>> 0
    x = (x ^ (x << 5)) >>> 0
    words[i] = x
  }
  return Buffer.from(words.buffer, 0, size)
}
