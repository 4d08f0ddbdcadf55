// Interop test of the concatenation extension: tus-js-client with `parallelUploads: 4`
// against a running qtusd (rules CC1–CC3 with a real client).
// Usage: node parallel.mjs <endpoint-url> <data-dir-of-server|GET>
// Prints one "ok - ..." / "not ok - ..." line per check, then "N passed, M failed".
import { Upload } from 'tus-js-client'
import { check, errText, finish, finishWithin, note, prngBytes, sha256, storedBytes } from './harness.mjs'
import path from 'node:path'

const [endpointArg, dataDir] = process.argv.slice(2)
if (!endpointArg || !dataDir) {
  console.error('usage: node parallel.mjs <endpoint-url> <data-dir-of-server|GET>'); process.exit(2)
}
const endpoint = endpointArg.endsWith('/') ? endpointArg : `${endpointArg}/`

const KiB = 1024, MiB = 1024 * KiB
const UPLOAD_TIMEOUT_MS = 60_000
const REQUEST_TIMEOUT_MS = 10_000
const OVERALL_TIMEOUT_MS = 180_000

finishWithin(OVERALL_TIMEOUT_MS, 'parallel interop run')

async function request(method, url, headers = {}, body = undefined) {
  const res = await fetch(url, { method, body, headers: { 'Tus-Resumable': '1.0.0', ...headers },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  const h = (name) => res.headers.get(name)
  return { status: res.status, offset: h('upload-offset'), length: h('upload-length'), concat: h('upload-concat'),
    metadata: h('upload-metadata') }
}

// Runs one parallel upload; resolves { upload, posts } where posts lists each POST's Upload-Concat.
function runParallel(data, options) {
  const posts = []
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      upload.abort().catch(() => {}); reject(new Error(`timed out after ${UPLOAD_TIMEOUT_MS / 1000} s`))
    }, UPLOAD_TIMEOUT_MS)
    const upload = new Upload(data, {
      endpoint,
      parallelUploads: 4,
      storeFingerprintForResuming: false,
      retryDelays: [0, 500, 1500],
      ...options,
      onBeforeRequest(req) {  // inherited by the partial uploads
        if (req.getMethod() === 'POST') posts.push(req.getHeader('Upload-Concat') ?? '')
      },
      onShouldRetry(err) {
        note(`retrying after: ${errText(err)}`)
        const status = err.originalResponse ? err.originalResponse.getStatus() : 0
        return !(status >= 400 && status < 500) || status === 409 || status === 423
      },
      onSuccess: () => { clearTimeout(timer); resolve({ upload, posts }) },
      onError: (err) => { clearTimeout(timer); reject(err) },
    })
    upload.start()
  })
}

async function parallelUpload(label, size, seed, options = {}) {
  const data = prngBytes(size, seed)
  const metadata = { filename: `${label.replace(/\W+/g, '-')}.bin`, filetype: 'application/octet-stream' }
  let run
  try {
    run = await runParallel(data, { metadata, ...options })
    check(true, `${label}: upload succeeded`)
  } catch (err) {
    check(false, `${label}: upload succeeded`, errText(err))
    return
  }
  const { upload, posts } = run
  const partialPosts = posts.filter((c) => c === 'partial')
  const finalPosts = posts.filter((c) => c.startsWith('final;'))
  check(partialPosts.length === 4 && finalPosts.length === 1,
    `${label}: tus-js-client created 4 partial uploads and 1 final upload`, `POST Upload-Concat: ${JSON.stringify(posts)}`)

  const url = upload.url
  const underEndpoint = typeof url === 'string' && url.startsWith(endpoint)
  const id = underEndpoint ? url.slice(endpoint.length) : ''
  check(/^[0-9a-f]{32}$/.test(id), `${label}: final upload URL is under the endpoint with a 32-hex id`, `url=${url}`)

  let parts = []
  try {
    const h = await request('HEAD', url)
    check(h.status === 200 && h.offset === String(size) && h.length === String(size),
      `${label}: HEAD on the final upload reports Upload-Offset == Upload-Length == ${size}`,
      `status=${h.status} Upload-Offset=${h.offset} Upload-Length=${h.length}`)
    const concat = h.concat ?? ''
    parts = concat.startsWith('final;') ? concat.slice(6).trim().split(/\s+/) : []
    check(parts.length === 4 && parts.every((p) => /^(https?:\/\/[^/]+)?\/[^\s]*[0-9a-f]{32}$/.test(p)),
      `${label}: HEAD on the final upload carries Upload-Concat: final; with 4 partial URLs`, `Upload-Concat=${h.concat}`)
    const sent = finalPosts[0]?.slice(6).trim().split(/\s+/).map((u) => new URL(u, endpoint).pathname)
    check(JSON.stringify(parts.map((u) => new URL(u, endpoint).pathname)) === JSON.stringify(sent),
      `${label}: HEAD names the partial uploads in the order the client sent them`,
      `sent ${JSON.stringify(sent)}, HEAD ${JSON.stringify(parts)}`)
    const filename = Buffer.from((h.metadata ?? '').match(/(?:^|,)\s*filename ([^,]*)/)?.[1] ?? '', 'base64').toString()
    check(filename === metadata.filename, `${label}: HEAD on the final upload echoes its metadata`,
      `Upload-Metadata=${h.metadata}`)
  } catch (err) {
    check(false, `${label}: HEAD on the final upload answered`, errText(err))
  }

  try {
    let total = 0
    const heads = await Promise.all(parts.map((p) => request('HEAD', new URL(p, endpoint).href)))
    for (const h of heads) total += Number(h.length)
    check(heads.length === 4 && heads.every((h) => h.status === 200 && h.concat === 'partial' && h.offset === h.length)
      && total === size, `${label}: each partial upload is complete, says Upload-Concat: partial, lengths sum to ${size}`,
      heads.map((h) => `${h.status}/${h.concat}/${h.offset}/${h.length}`).join(' '))
  } catch (err) {
    check(false, `${label}: HEAD on the partial uploads answered`, errText(err))
  }

  const stored = dataDir === 'GET' ? `GET ${url}` : path.join(dataDir, id || '(no-id)')
  let bytes
  try { bytes = await storedBytes(dataDir, url, id || '(no-id)') } catch (err) { bytes = errText(err) }
  check(Buffer.isBuffer(bytes) && bytes.length === size && sha256(bytes) === sha256(data),
    `${label}: final upload's bytes on disk are the file (sha256)`,
    Buffer.isBuffer(bytes) ? `size=${bytes.length} expected=${size}` : `unreadable ${stored}: ${bytes}`)

  try {
    const r = await request('PATCH', url, { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(size) }, 'x')
    check(r.status === 403, `${label}: PATCH on the final upload is refused with 403`, `status=${r.status}`)
  } catch (err) {
    check(false, `${label}: PATCH on the final upload answered`, errText(err))
  }
}

async function main() {
  note(`endpoint ${endpoint}, server data dir ${dataDir}`)
  // Uneven parts, each sent in several 1 MiB PATCHes.
  await parallelUpload('10 MiB parallel upload', 10 * MiB + 7, 5, { chunkSize: 1 * MiB })
  // Each part in one PATCH.
  await parallelUpload('3 MiB parallel upload, one PATCH per part', 3 * MiB + 1, 6)
  // Three of the four parts are empty: 0-byte partial uploads in a final one.
  await parallelUpload('3-byte parallel upload with empty parts', 3, 7)
}

try {
  await main()
} catch (err) {
  check(false, 'parallel interop script ran without an unexpected exception', errText(err))
}
finish()
