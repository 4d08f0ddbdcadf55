// What every interop client shares: TAP-like "ok"/"not ok" lines, the closing
// "N passed, M failed" line, a watchdog so a run can never hang, deterministic data, and
// starting a qtusd of its own.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

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

// The bytes the server stores for an upload. dataDir is the server's upload directory (the
// file store's data file dataDir/id is read), or the literal string GET for a store whose
// bytes are not files here (the S3 store): then they are what a GET of the upload URL answers,
// which must be 200.
export async function storedBytes(dataDir, url, id) {
  if (dataDir !== 'GET') return fs.readFileSync(path.join(dataDir, id))
  const res = await fetch(url, { headers: { 'Tus-Resumable': '1.0.0' }, signal: AbortSignal.timeout(60_000) })
  if (res.status !== 200) {
    await res.body?.cancel()
    throw new Error(`GET ${url} answered ${res.status}, not 200`)
  }
  return Buffer.from(await res.arrayBuffer())
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
// Polls pred() until it holds or ms have passed; its last value.
export async function waitFor(pred, ms = 10_000) {
  const end = Date.now() + ms
  while (Date.now() < end) { if (pred()) return true; await sleep(20) }
  return pred()
}

// Starts qtusd (--port 0, --fsync never, args) on a new upload directory under workDir and
// waits for its "listening on URL" line; the process joins running, for the caller to stop.
export async function startQtusd(qtusdPath, workDir, running, args) {
  const dir = fs.mkdtempSync(path.join(workDir, 'uploads-'))
  const proc = spawn(qtusdPath, ['--port', '0', '--dir', dir, '--fsync', 'never', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.push(proc)
  let out = '', err = ''
  proc.stdout.on('data', (c) => { out += c })
  proc.stderr.on('data', (c) => { err += c })
  await waitFor(() => /listening on (\S+)/.test(out) || proc.exitCode !== null)
  const m = /listening on (\S+)/.exec(out)
  if (!m) throw new Error(`qtusd did not start: ${err.slice(-500)}`)
  return { url: m[1], dir, proc, log: () => err }
}
