// Interop test: drives a running qtusd with the official tus-js-client (Node API).
// Usage: node jsclient.mjs <endpoint-url> <data-dir-of-server|GET>
// Prints one "ok - ..." / "not ok - ..." line per check, then "N passed, M failed".
import { Upload } from 'tus-js-client'
import { check, errText, finish, finishWithin, note, prngBytes, sha256, storedBytes } from './harness.mjs'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const [endpointArg, dataDir] = process.argv.slice(2)
if (!endpointArg || !dataDir) {
  console.error('usage: node jsclient.mjs <endpoint-url> <data-dir-of-server|GET>'); process.exit(2)
}
const endpoint = endpointArg.endsWith('/') ? endpointArg : `${endpointArg}/`

const KiB = 1024, MiB = 1024 * KiB
const UPLOAD_TIMEOUT_MS = 60_000 // per upload (one tus-js-client Upload run)
const HEAD_TIMEOUT_MS = 10_000
const OVERALL_TIMEOUT_MS = 240_000 // hard stop for the whole script

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
finishWithin(OVERALL_TIMEOUT_MS, 'whole interop run')

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtus-interop-'))
function makeFile(name, size, seed) {
  const data = prngBytes(size, seed)
  const file = path.join(tmpDir, name)
  fs.writeFileSync(file, data)
  return { file, size, data, sha: sha256(data) }
}

// ---- helpers ----
async function head(url) {
  const res = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' },
    signal: AbortSignal.timeout(HEAD_TIMEOUT_MS) })
  const h = (name) => res.headers.get(name)
  return { status: res.status, offset: h('upload-offset'), length: h('upload-length'),
    cacheControl: h('cache-control') ?? '', tusResumable: h('tus-resumable'), metadata: h('upload-metadata') }
}

function parseMetadata(header) {
  const out = {}
  for (const pair of (header ?? '').split(',')) {
    const [key, value] = pair.trim().split(' ')
    if (key) out[key] = value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8')
  }
  return out
}

// Runs one tus-js-client Upload; resolves { status: 'success' | 'aborted', upload, log }.
// log: every request (method, Upload-Offset), the raw POST Location, bytes acknowledged.
// abortAtBytes: abort once onProgress reports that many bytes sent of an unacknowledged PATCH.
function runUpload(input, options, { abortAtBytes = null, timeoutMs = UPLOAD_TIMEOUT_MS } = {}) {
  const log = { requests: [], location: null, ackedBytes: 0, lastAccepted: 0, retries: 0 }
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (fn, value) => {
      if (!settled) { settled = true; clearTimeout(timer); fn(value) }
    }
    const timer = setTimeout(() => {
      upload.abort().catch(() => {}); settle(reject, new Error(`timed out after ${timeoutMs / 1000} s`))
    }, timeoutMs)
    const upload = new Upload(input, {
      storeFingerprintForResuming: false,
      retryDelays: [0, 500, 1500],
      ...options,
      onBeforeRequest(req) {
        const offset = req.getHeader('Upload-Offset')
        log.requests.push({ method: req.getMethod(), offset: offset == null ? null : Number(offset) })
      },
      onAfterResponse(req, res) {
        if (req.getMethod() === 'POST') log.location = res.getHeader('Location') ?? null
      },
      onShouldRetry(err) { // same rule as tus-js-client's default, but visible in the output
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0
        const retry = !(status >= 400 && status < 500) || status === 409 || status === 423
        if (retry) log.retries++
        note(`${retry ? 'retrying' : 'not retrying'} after: ${errText(err)}`)
        return retry
      },
      onChunkComplete(chunkSize, bytesAccepted) {
        log.ackedBytes += chunkSize
        log.lastAccepted = bytesAccepted
      },
      onProgress(bytesSent) {
        if (abortAtBytes != null && bytesSent >= abortAtBytes && bytesSent > log.lastAccepted && !settled) {
          upload.abort() // drops the connection while the PATCH body is in flight
          settle(resolve, { status: 'aborted', upload, log, abortedAt: bytesSent })
        }
      },
      onSuccess: () => settle(resolve, { status: 'success', upload, log }),
      onError: (err) => settle(reject, err),
    })
    upload.start()
  })
}

// Checks URL shape, HEAD state, echoed metadata and the stored bytes of a finished upload.
async function verifyComplete(label, url, src, location, metadata) {
  check(/^https?:\/\//.test(location ?? ''), `${label}: POST Location header is an absolute URL`,
    `Location: ${location}`)
  const underEndpoint = typeof url === 'string' && url.startsWith(endpoint) && url.length > endpoint.length
  check(underEndpoint, `${label}: upload URL is absolute and under the endpoint`, `url=${url}`)
  const id = underEndpoint ? url.slice(endpoint.length) : ''
  check(/^[0-9a-f]{32}$/.test(id), `${label}: upload id is 32 lowercase hex chars`, `id=${id}`)
  try {
    const h = await head(url)
    check(h.status === 200 && h.offset === String(src.size) && h.length === String(src.size),
      `${label}: HEAD reports Upload-Offset == Upload-Length == ${src.size}`,
      `status=${h.status} Upload-Offset=${h.offset} Upload-Length=${h.length}`)
    check(/no-store/i.test(h.cacheControl) && h.tusResumable === '1.0.0',
      `${label}: HEAD has Cache-Control: no-store and Tus-Resumable: 1.0.0`,
      `Cache-Control=${h.cacheControl} Tus-Resumable=${h.tusResumable}`)
    const got = parseMetadata(h.metadata)
    check(Object.entries(metadata).every(([k, v]) => got[k] === v),
      `${label}: HEAD echoes Upload-Metadata (filename, filetype)`,
      `Upload-Metadata=${h.metadata} decoded=${JSON.stringify(got)}`)
  } catch (err) {
    check(false, `${label}: HEAD request answered`, errText(err))
  }
  const stored = dataDir === 'GET' ? `GET ${url}` : path.join(dataDir, id || '(no-id)')
  let data = null
  try { data = await storedBytes(dataDir, url, id || '(no-id)') } catch (err) { data = errText(err) }
  check(Buffer.isBuffer(data) && sha256(data) === src.sha, `${label}: stored file byte-identical (sha256)`,
    `file=${stored} ${Buffer.isBuffer(data) ? `size=${data.length} expected=${src.size}` : `unreadable: ${data}`}`)
}

async function simpleUpload(label, src, input, metadata) {
  try {
    const r = await runUpload(input, { endpoint, metadata })
    check(r.status === 'success', `${label}: upload succeeded`)
    await verifyComplete(label, r.upload.url, src, r.log.location, metadata)
    return r
  } catch (err) {
    check(false, `${label}: upload succeeded`, errText(err))
    return null
  }
}

// ---- the test plan ----
async function main() {
  note(`endpoint ${endpoint}, server data dir ${dataDir}, temp dir ${tmpDir}`)
  const empty = makeFile('empty.bin', 0, 1)
  const small = makeFile('small.bin', 1 * KiB, 2)
  const mid = makeFile('mid.bin', 3 * MiB, 3)
  const big = makeFile('big.bin', 20 * MiB, 4)
  const binMeta = (filename) => ({ filename, filetype: 'application/octet-stream' })

  // 1. 0 bytes (POST only) and 1 KiB (non-ASCII filename exercises the base64 metadata)
  await simpleUpload('0-byte upload', empty, empty.data, binMeta('empty.bin'))
  await simpleUpload('1 KiB upload', small, small.data, { filename: 'klein ü.txt', filetype: 'text/plain' })

  // 2. 3 MiB in a single PATCH (default chunkSize = Infinity), read from a fs.ReadStream
  const r3 = await simpleUpload('3 MiB upload', mid, fs.createReadStream(mid.file), binMeta('mid.bin'))
  if (r3) {
    const patches = r3.log.requests.filter((q) => q.method === 'PATCH')
    check(patches.length === 1 && patches[0].offset === 0, '3 MiB upload: sent as exactly one PATCH at offset 0',
      `PATCH offsets ${JSON.stringify(patches.map((p) => p.offset))}`)
  }

  // 3. 20 MiB in 1 MiB chunks: abort mid-PATCH after 5 MiB, then resume via uploadUrl
  const label = '20 MiB upload'
  const meta = binMeta('big.bin')
  let first
  try {
    first = await runUpload(fs.createReadStream(big.file), { endpoint, metadata: meta, chunkSize: 1 * MiB },
      { abortAtBytes: 5 * MiB + 1 })
  } catch (err) { first = { status: errText(err) } }
  if (!check(first.status === 'aborted', `${label}: aborted by the client after more than 5 MiB`,
    `status=${first.status}`)) return
  const url = first.upload.url
  note(`aborted at ${first.abortedAt} bytes sent, ${first.log.lastAccepted} acknowledged; URL ${url}`)
  await sleep(300) // give the server a moment to notice the dropped PATCH connection

  let offsetAfterAbort = NaN
  try {
    const h = await head(url)
    offsetAfterAbort = Number(h.offset)
    note(`HEAD after abort: status ${h.status}, Upload-Offset ${h.offset}, Upload-Length ${h.length}`)
    check(h.status === 200 && offsetAfterAbort > 0 && offsetAfterAbort < big.size,
      `${label}: HEAD after abort reports 0 < Upload-Offset < ${big.size}`,
      `status=${h.status} Upload-Offset=${h.offset} Upload-Length=${h.length}`)
    check(offsetAfterAbort >= first.log.lastAccepted, `${label}: offset after abort keeps every acknowledged byte`,
      `Upload-Offset=${h.offset} < acknowledged ${first.log.lastAccepted}`)
  } catch (err) {
    check(false, `${label}: HEAD after abort answered`, errText(err))
  }

  // No endpoint here: should HEAD fail, tus-js-client errors instead of silently starting over.
  let second
  try {
    second = await runUpload(fs.createReadStream(big.file), { uploadUrl: url, metadata: meta, chunkSize: 1 * MiB })
    check(second.status === 'success', `${label}: resumed upload succeeded`)
  } catch (err) {
    check(false, `${label}: resumed upload succeeded`, errText(err))
    return
  }
  const reqs = second.log.requests
  const firstOffset = reqs.find((q) => q.method === 'PATCH')?.offset
  check(reqs[0]?.method === 'HEAD' && !reqs.some((q) => q.method === 'POST'),
    `${label}: resume started with HEAD and created no new upload`, `requests: ${reqs.map((q) => q.method)}`)
  check(firstOffset > 0 && firstOffset === offsetAfterAbort,
    `${label}: first resumed PATCH carries Upload-Offset > 0 (the offset from HEAD)`,
    `first PATCH Upload-Offset=${firstOffset}, HEAD offset=${offsetAfterAbort}`)
  check(second.log.ackedBytes === big.size - firstOffset, `${label}: resumed session sent only the remaining bytes`,
    `sent ${second.log.ackedBytes}, expected ${big.size - firstOffset}`)
  await verifyComplete(label, url, big, first.log.location, meta)
  const retries = first.log.retries + second.log.retries
  if (retries > 0) note(`${label}: tus-js-client retried ${retries} time(s)`)
}

try {
  await main()
} catch (err) {
  check(false, 'interop script ran without an unexpected exception', errText(err))
} finally {
  fs.rmSync(tmpDir, { recursive: true, force: true })
}
finish()
