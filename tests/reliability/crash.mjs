// Crash consistency: runs qtusd, drives many concurrent uploads with tus-js-client, kills the
// server with SIGKILL at seeded random moments, restarts it on the same directory and port,
// and checks after every restart that
//   - every .info in the directory parses as JSON,
//   - every upload whose POST was answered 201 still exists (HEAD 200),
//   - HEAD's Upload-Offset >= the highest offset a 204 acknowledged (no acknowledged byte lost),
//   - HEAD's Upload-Offset <= the length of the data file on disk (no offset beyond the bytes),
// then resumes every upload from HEAD's offset to completion and compares each data file
// byte for byte (sha256) with the generated data.
//
// Usage: node crash.mjs <qtusd> <work-dir> [--fsync always|never] [--seeds 1,2,3] [--kills 5]
//                       [--uploads 16] [--pid-file FILE]
// The work dir must exist and be empty; each seed gets its own upload directory in it.
// Prints "ok - ..." / "not ok - ..." lines and "N passed, M failed"; exit 1 on any failure.
// QTUS_CRASH_SABOTAGE=hash|acked|size|info deliberately breaks one thing, to show the test can
// fail: hash compares against the wrong data, acked claims one more byte was acknowledged than
// the server said, size pretends the data files are one byte shorter than they are, info cuts
// one .info file in half after each kill.
import { check, errText, finish, finishWithin, note, prngBytes, sha256 } from '../interop/harness.mjs'
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

// tus-js-client is installed under tests/interop; it is loaded through its package entry
// point (as the interop clients do), never by a path inside it: Node 18, Debian 12's, reads
// the package's ESM files as CommonJS and has no named export there.
const { Upload } = createRequire(new URL('../interop/package.json', import.meta.url))('tus-js-client')

const KiB = 1024, MiB = 1024 * KiB
const args = process.argv.slice(2)
const [qtusd, workDir] = args
if (!qtusd || !workDir) {
  console.error('usage: node crash.mjs <qtusd> <work-dir> [--fsync always|never] [--seeds 1,2,3] [--kills 5] [--uploads 16] [--pid-file FILE]')
  process.exit(2)
}
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback
}
const fsyncPolicy = option('fsync', 'always')
const seeds = option('seeds', '1,2,3').split(',').map(Number)
const killsPerSeed = Number(option('kills', '5'))
const uploadCount = Number(option('uploads', '16'))
const pidFile = option('pid-file', null)
const sabotage = process.env.QTUS_CRASH_SABOTAGE ?? ''

const CHUNK_SIZE = 256 * KiB        // many PATCHes per upload
const MIN_SIZE = 1 * MiB, MAX_SIZE = 8 * MiB
const KILL_DELAY_MS = [20, 900]     // seeded, after the uploads (re)started
const START_TIMEOUT_MS = 10_000     // qtusd prints its URL
const EXIT_TIMEOUT_MS = 5_000       // qtusd is gone after SIGKILL
const REQUEST_TIMEOUT_MS = 10_000   // one HEAD
const FINISH_TIMEOUT_MS = 60_000    // resuming every upload to completion, per seed
const OVERALL_TIMEOUT_MS = 150_000  // hard stop for the whole script

finishWithin(OVERALL_TIMEOUT_MS, `crash test (fsync ${fsyncPolicy})`)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// mulberry32: the seeded PRNG that picks sizes and kill moments.
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const between = (rand, lo, hi) => lo + Math.floor(rand() * (hi - lo + 1))

// ---- the server process ----
let server = null // { proc, exited: Promise<{code, signal}>, url }
let totalKills = 0

function startServer(dir, port) {
  return new Promise((resolve, reject) => {
    const proc = spawn(qtusd, ['--host', '127.0.0.1', '--port', String(port), '--dir', dir, '--fsync', fsyncPolicy],
      { stdio: ['ignore', 'pipe', 'pipe'] })
    if (pidFile) fs.writeFileSync(pidFile, `${proc.pid}\n`)
    let out = '', err = ''
    const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })))
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`qtusd printed no URL within ${START_TIMEOUT_MS} ms; stderr: ${err.slice(-400)}`)) }, START_TIMEOUT_MS)
    proc.stderr.on('data', (d) => { err = (err + d).slice(-1_000_000) })
    proc.stdout.on('data', (d) => {
      out += d
      const m = /^qtusd listening on (http:\/\/\S+\/files\/)\n/.exec(out)
      if (m) { clearTimeout(timer); server = { proc, exited, url: m[1], stderr: () => err }; resolve(server) }
    })
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`qtusd exited (${code ?? signal}) before printing its URL; stderr: ${err.slice(-400)}`)) })
  })
}

async function killServer() {
  const { proc, exited } = server
  proc.kill('SIGKILL')
  const result = await Promise.race([exited, sleep(EXIT_TIMEOUT_MS).then(() => null)])
  if (!result) throw new Error(`qtusd (pid ${proc.pid}) still running ${EXIT_TIMEOUT_MS} ms after SIGKILL`)
  server = null
  totalKills++
  return result
}

async function stopServer() { // graceful, bounded; used at the end of a seed
  if (!server) return
  const { proc, exited } = server
  proc.kill('SIGTERM')
  const result = await Promise.race([exited, sleep(EXIT_TIMEOUT_MS).then(() => null)])
  if (!result) { proc.kill('SIGKILL'); await Promise.race([exited, sleep(EXIT_TIMEOUT_MS)]) }
  server = null
}

process.on('exit', () => { if (server) try { server.proc.kill('SIGKILL') } catch {} })
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { console.log(`# stopped by ${sig}`); process.exit(1) })

// ---- uploads ----
// Each upload: { index, size, data, sha, url, acked, done, upload, settled }
function makeUploads(seed) {
  const rand = rng(seed)
  const uploads = []
  for (let i = 0; i < uploadCount; i++) {
    const size = between(rand, MIN_SIZE, MAX_SIZE)
    const data = prngBytes(size, seed * 1000 + i + 1)
    uploads.push({ index: i, size, data, sha: sha256(data), url: null, acked: 0, done: false, upload: null, settled: null })
  }
  return uploads
}

// Starts (or resumes, from HEAD's offset) one upload with tus-js-client. Records the URL once
// a POST is answered 201 and the highest Upload-Offset any PATCH was answered 204 with.
function runUpload(u, endpoint) {
  u.settled = new Promise((resolve) => {
    const upload = new Upload(u.data, {
      endpoint,
      uploadUrl: u.url ?? undefined,
      chunkSize: CHUNK_SIZE,
      retryDelays: null, // a failed request ends this run; the test resumes after the restart
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      metadata: { filename: `crash-${u.index}.bin` },
      onAfterResponse(req, res) {
        const method = req.getMethod(), status = res.getStatus()
        if (method === 'POST' && status === 201 && !u.url) {
          u.url = new URL(res.getHeader('Location'), endpoint).href
        } else if (method === 'PATCH' && status === 204) {
          const offset = Number(res.getHeader('Upload-Offset'))
          if (Number.isFinite(offset) && offset > u.acked) u.acked = offset
        }
      },
      onSuccess() { u.done = true; resolve('success') },
      onError(err) { resolve(`error: ${errText(err)}`) },
    })
    u.upload = upload
    upload.start()
  })
  return u.settled
}

async function abortAll(uploads) {
  await Promise.all(uploads.map(async (u) => {
    if (u.upload) await u.upload.abort().catch(() => {})
    u.upload = null
  }))
}

async function head(url) {
  const res = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  return { status: res.status, offset: Number(res.headers.get('upload-offset')), length: Number(res.headers.get('upload-length')) }
}

const idOf = (url) => new URL(url).pathname.split('/').filter(Boolean).pop()
// Bytes stored for an upload: qtusd makes the data file with the first byte, so an upload
// with a .info and no data file holds 0 bytes; neither file is -1 (always less than HEAD).
const fileSize = (file) => {
  try { return fs.statSync(file).size } catch { return fs.existsSync(`${file}.info`) ? 0 : -1 }
}

// After a kill, before the restart: every .info must parse as JSON.
function checkInfos(dir, label) {
  const bad = []
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.info'))
  for (const name of names) {
    try {
      const info = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'))
      if (typeof info.ID !== 'string' || typeof info.Size !== 'number') bad.push(`${name}: no ID/Size`)
    } catch (err) { bad.push(`${name}: ${errText(err)}`) }
  }
  check(bad.length === 0, `${label}: all ${names.length} .info files parse as JSON`, bad.slice(0, 3).join('; '))
  return names.length
}

// After a restart: every acknowledged upload exists; acked <= HEAD offset <= bytes on disk.
async function checkOffsets(uploads, dir, label) {
  const missing = [], lost = [], beyond = []
  let ackedBytes = 0
  for (const u of uploads) {
    if (!u.url) continue
    const h = await head(u.url)
    if (h.status !== 200) { missing.push(`#${u.index} HEAD ${h.status}`); continue }
    const acked = u.acked + (sabotage === 'acked' ? 1 : 0)
    const onDisk = fileSize(path.join(dir, idOf(u.url))) - (sabotage === 'size' ? 1 : 0)
    ackedBytes += u.acked
    if (!(h.offset >= acked)) lost.push(`#${u.index} HEAD ${h.offset} < acked ${acked}`)
    if (!(h.offset <= onDisk)) beyond.push(`#${u.index} HEAD ${h.offset} > on disk ${onDisk}`)
  }
  const known = uploads.filter((u) => u.url).length
  const skipped = server.stderr().split('\n').filter((l) => /skipping upload|\(\d+ skipped\)/.test(l))
  check(skipped.length === 0, `${label}: the restarted server loaded every upload (no "skipping upload" in its log)`, skipped.slice(0, 2).join('; '))
  check(missing.length === 0, `${label}: all ${known} created uploads answer HEAD 200`, missing.slice(0, 3).join('; '))
  check(lost.length === 0, `${label}: no acknowledged byte lost (HEAD offset >= acknowledged offset, ${ackedBytes} bytes acknowledged)`, lost.slice(0, 3).join('; '))
  check(beyond.length === 0, `${label}: no offset beyond the stored bytes (HEAD offset <= data file length)`, beyond.slice(0, 3).join('; '))
}

// ---- one seed: kills, then completion ----
let port = 0
let verifiedBytes = 0, verifiedUploads = 0
async function runSeed(seed) {
  const rand = rng(seed ^ 0x5eed)
  const dir = path.join(workDir, `seed-${seed}-${fsyncPolicy}`)
  fs.mkdirSync(dir)
  const uploads = makeUploads(seed)
  const total = uploads.reduce((s, u) => s + u.size, 0)
  note(`seed ${seed}: ${uploads.length} uploads, ${(total / MiB).toFixed(1)} MiB, ${killsPerSeed} kills, fsync ${fsyncPolicy}`)

  await startServer(dir, port)
  port = Number(new URL(server.url).port) // restarts reuse the port the first start picked
  const endpoint = server.url

  for (let k = 1; k <= killsPerSeed; k++) {
    const label = `seed ${seed} kill ${k}`
    const running = uploads.filter((u) => !u.done).map((u) => runUpload(u, endpoint))
    const delay = between(rand, KILL_DELAY_MS[0], KILL_DELAY_MS[1])
    await sleep(delay)
    const before = uploads.reduce((s, u) => s + u.acked, 0)
    const inFlight = running.length
    const { signal } = await killServer()
    // Every run ends with an error now (connection reset) or already succeeded; bounded.
    await Promise.race([Promise.all(running), sleep(EXIT_TIMEOUT_MS)])
    await abortAll(uploads)
    const done = uploads.filter((u) => u.done).length
    if (sabotage === 'info') { // cut one .info in half, as a torn write would
      const name = fs.readdirSync(dir).find((n) => n.endsWith('.info'))
      if (name) { const p = path.join(dir, name); fs.writeFileSync(p, fs.readFileSync(p).subarray(0, 40)) }
    }
    note(`${label}: ${signal} ${delay} ms after (re)starting ${inFlight} uploads; ${before} bytes acknowledged so far, ${done}/${uploads.length} complete`)
    checkInfos(dir, label)
    await startServer(dir, port)
    await checkOffsets(uploads, dir, label)
  }

  // Resume everything to completion, no more kills.
  const results = await Promise.race([
    Promise.all(uploads.map((u) => (u.done ? 'success' : runUpload(u, endpoint)))),
    sleep(FINISH_TIMEOUT_MS).then(() => null),
  ])
  if (!results) await abortAll(uploads)
  const failures = uploads.filter((u) => !u.done).map((u) => `#${u.index}`)
  check(results !== null && failures.length === 0, `seed ${seed}: every upload resumed from HEAD's offset to completion within ${FINISH_TIMEOUT_MS / 1000} s`,
    results ? `${failures.join(' ')}: ${results.filter((r) => r !== 'success').slice(0, 2).join('; ')}` : 'timed out')

  const mismatched = []
  for (const u of uploads) {
    if (!u.url) { mismatched.push(`#${u.index} never created`); continue }
    const h = await head(u.url)
    if (h.status !== 200 || h.offset !== u.size || h.length !== u.size) mismatched.push(`#${u.index} HEAD ${h.status} offset ${h.offset}/${u.size}`)
    const stored = fs.readFileSync(path.join(dir, idOf(u.url)))
    const expected = sabotage === 'hash' ? sha256(Buffer.concat([u.data, Buffer.from([0])])) : u.sha
    if (sha256(stored) !== expected) mismatched.push(`#${u.index} sha256 differs (${stored.length} bytes stored, ${u.size} sent)`)
    else { verifiedBytes += stored.length; verifiedUploads++ }
  }
  check(mismatched.length === 0, `seed ${seed}: all ${uploads.length} uploads byte for byte identical (sha256 of the data files, HEAD offset == length)`, mismatched.slice(0, 3).join('; '))
  checkInfos(dir, `seed ${seed} end`)
  await stopServer()
}

const started = Date.now()
try {
  for (const seed of seeds) await runSeed(seed)
} catch (err) {
  check(false, 'crash test ran to the end', errText(err))
  if (server) note(`qtusd stderr: ${server.stderr().slice(-400)}`)
}
note(`fsync ${fsyncPolicy}: ${totalKills} SIGKILLs, ${verifiedUploads} uploads / ${(verifiedBytes / MiB).toFixed(1)} MiB verified in ${((Date.now() - started) / 1000).toFixed(1)} s`)
if (server) await stopServer()
finish()
