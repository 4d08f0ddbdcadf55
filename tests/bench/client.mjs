// The benchmark client: the same code drives qtusd, @tus/server and the sink.
// Raw node:http with keep-alive agents; PATCH bodies stream from one preallocated Buffer of
// random bytes (never from disk). Prints one JSON line on stdout; exits 1 when a request or a
// verification fails (the message is on stderr), 2 on bad usage.
//
//   node client.mjs upload  --url URL --size BYTES [--chunk BYTES] [--count N] [--dir DIR]
//       Creates N uploads of BYTES each, all N at once, each in PATCHes of --chunk bytes
//       (default: the whole upload in one PATCH), then verifies every upload: HEAD
//       Upload-Offset == size, and with --dir the stored file DIR/<id> has that size and
//       holds the bytes sent (three 64 KiB windows compared). Reports MiB/s over the time
//       from the first POST to the last PATCH answer (verification not included).
//   node client.mjs prepare --url URL --count N --size BYTES --sent BYTES --out FILE [--dir DIR]
//       Creates N uploads with BYTES declared and SENT bytes uploaded, verifies them, and
//       writes their URL paths to FILE, one per line (the targets of the HEAD load).
//   node client.mjs verify  --locations FILE --size BYTES --offset BYTES [--dir DIR] [--sample N]
//       Checks N (default all) of the upload URLs in FILE: HEAD answers 200 with
//       Upload-Offset and Upload-Length as given; with --dir the file DIR/<id> exists and its
//       size is the offset (with offset 0, DIR/<id>.info alone will do: qtusd makes the data
//       file with the first byte).
import http from 'node:http'
import https from 'node:https'
import fs from 'node:fs'
import path from 'node:path'
import { randomFillSync } from 'node:crypto'

const MiB = 1024 * 1024
const DATA_LEN = 8 * MiB + 4093 // pattern length, deliberately not a power of two
const WINDOW = 64 * 1024
const WRITE_SLICE = 1 * MiB // bytes handed to the socket per write()

const [mode, ...rest] = process.argv.slice(2)
const opts = {}
for (let i = 0; i < rest.length; i += 2) {
  if (!rest[i].startsWith('--') || i + 1 >= rest.length) usage()
  opts[rest[i].slice(2)] = rest[i + 1]
}
function usage() {
  console.error('usage: node client.mjs upload|prepare|verify --url URL ... (see the header of client.mjs)')
  process.exit(2)
}
const num = (name, fallback) => {
  if (opts[name] === undefined) {
    if (fallback === undefined) usage()
    return fallback
  }
  const v = Number(opts[name])
  if (!Number.isSafeInteger(v) || v < 0) usage()
  return v
}
function fail(msg) {
  console.error(`client: ${msg}`)
  process.exit(1)
}

// Two agents so that verification never queues behind uploads.
// One pair of keep-alive pools per scheme; https trusts NODE_EXTRA_CA_CERTS (the bench's own CA).
const pools = (maxSockets) => ({ 'http:': new http.Agent({ keepAlive: true, maxSockets }), 'https:': new https.Agent({ keepAlive: true, maxSockets }) })
const agent = pools(1024)
const verifyAgent = pools(16)

const data = Buffer.allocUnsafe(DATA_LEN)
randomFillSync(data)
// The byte at position p of upload i is data[(start(i) + p) % DATA_LEN].
const start = (i) => (i * 1048583) % DATA_LEN

function request(method, url, headers, { agentToUse = agent, bodyLen = 0, bodyStart = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const protocol = new URL(url).protocol
    const req = (protocol === 'https:' ? https : http).request(url, { method, headers, agent: agentToUse[protocol] }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    if (!bodyLen) {
      req.end()
      return
    }
    // Stream bodyLen bytes of the pattern starting at pattern position bodyStart.
    let sent = 0
    let pos = bodyStart % DATA_LEN
    const pump = () => {
      while (sent < bodyLen) {
        const n = Math.min(WRITE_SLICE, bodyLen - sent, DATA_LEN - pos)
        const ok = req.write(data.subarray(pos, pos + n))
        sent += n
        pos = (pos + n) % DATA_LEN
        if (!ok) {
          req.once('drain', pump)
          return
        }
      }
      req.end()
    }
    pump()
  })
}

const tusHeaders = { 'Tus-Resumable': '1.0.0' }

async function create(base, size) {
  const r = await request('POST', base, { ...tusHeaders, 'Upload-Length': String(size) })
  if (r.status !== 201 || !r.headers.location) fail(`POST ${base}: status ${r.status} ${r.body.trim()}`)
  return new URL(r.headers.location, base).toString()
}

async function patch(url, offset, len, patternStart) {
  const r = await request(
    'PATCH',
    url,
    {
      ...tusHeaders,
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      'Content-Length': String(len),
    },
    { bodyLen: len, bodyStart: patternStart + offset },
  )
  const got = Number(r.headers['upload-offset'])
  if (r.status !== 204 || got !== offset + len)
    fail(`PATCH ${url} at ${offset} (+${len}): status ${r.status}, Upload-Offset ${r.headers['upload-offset']} ${r.body.trim()}`)
}

async function head(url) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request('HEAD', url, tusHeaders, { agentToUse: verifyAgent })
    } catch (err) {
      // A keep-alive socket the server closed while idle; HEAD is safe to repeat.
      if (attempt >= 2) throw err
    }
  }
}

function idOf(url) {
  return decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop())
}

// HEAD offset (and length) plus, with a directory, the stored file's size and sampled bytes.
async function verifyOne(url, { offset, size, dir, patternStart = null }) {
  const r = await head(url)
  if (r.status !== 200) fail(`verify ${url}: HEAD status ${r.status}`)
  if (Number(r.headers['upload-offset']) !== offset)
    fail(`verify ${url}: HEAD Upload-Offset ${r.headers['upload-offset']}, expected ${offset}`)
  if (r.headers['upload-length'] !== undefined && Number(r.headers['upload-length']) !== size)
    fail(`verify ${url}: HEAD Upload-Length ${r.headers['upload-length']}, expected ${size}`)
  if (!dir) return
  const file = path.join(dir, idOf(url))
  let st
  try {
    st = fs.statSync(file)
  } catch (err) {
    // qtusd makes the data file with the first byte: an upload nothing was sent to has only
    // its .info. @tus/file-store always has its data file (its metadata is <id>.json).
    if (err.code === 'ENOENT' && offset === 0 && fs.existsSync(`${file}.info`)) return
    fail(`verify ${url}: stored file ${file}: ${err.code}`)
  }
  if (st.size !== offset) fail(`verify ${url}: stored file ${file} has ${st.size} bytes, expected ${offset}`)
  if (patternStart === null || offset === 0) return
  const fd = fs.openSync(file, 'r')
  try {
    const w = Math.min(WINDOW, offset)
    const mid = Math.floor(Math.random() * (offset - w + 1))
    for (const at of [0, mid, offset - w]) {
      const got = Buffer.allocUnsafe(w)
      fs.readSync(fd, got, 0, w, at)
      for (let k = 0; k < w; k++) {
        if (got[k] !== data[(patternStart + at + k) % DATA_LEN])
          fail(`verify ${url}: stored byte ${at + k} differs from the byte sent`)
      }
    }
  } finally {
    fs.closeSync(fd)
  }
}

async function uploadAll(base, count, size, chunk, sent = size) {
  const one = async (i) => {
    const url = await create(base, size)
    for (let off = 0; off < sent; off += chunk) await patch(url, off, Math.min(chunk, sent - off), start(i))
    return url
  }
  return Promise.all(Array.from({ length: count }, (_, i) => one(i)))
}

async function main() {
  if (mode === 'upload') {
    const base = opts.url ?? usage()
    const size = num('size')
    const count = num('count', 1)
    const chunk = num('chunk', size) || size
    const t0 = process.hrtime.bigint()
    const urls = await uploadAll(base, count, size, chunk)
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    for (let i = 0; i < urls.length; i++)
      await verifyOne(urls[i], { offset: size, size, dir: opts.dir, patternStart: start(i) })
    const bytes = size * count
    console.log(JSON.stringify({ mode, count, size, chunk, bytes, seconds, mibps: bytes / MiB / seconds, verified: urls.length }))
  } else if (mode === 'prepare') {
    const base = opts.url ?? usage()
    const count = num('count')
    const size = num('size')
    const sent = num('sent', 0)
    const out = opts.out ?? usage()
    const urls = await uploadAll(base, count, size, sent || 1, sent)
    for (let i = 0; i < urls.length; i++)
      await verifyOne(urls[i], { offset: sent, size, dir: opts.dir, patternStart: start(i) })
    fs.writeFileSync(out, urls.map((u) => new URL(u).pathname).join('\n') + '\n')
    console.log(JSON.stringify({ mode, count, size, sent, verified: urls.length }))
  } else if (mode === 'verify') {
    const file = opts.locations ?? usage()
    const size = num('size')
    const offset = num('offset', 0)
    const all = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
    const sample = Math.min(num('sample', all.length) || all.length, all.length)
    // An evenly spread sample, first and last included.
    const picked = []
    for (let k = 0; k < sample; k++) picked.push(all[Math.floor((k * (all.length - 1)) / Math.max(1, sample - 1))])
    if (new Set(all).size !== all.length) fail(`verify: ${file} has duplicate locations`)
    for (const url of picked) await verifyOne(url, { offset, size, dir: opts.dir })
    console.log(JSON.stringify({ mode, locations: all.length, verified: picked.length }))
  } else {
    usage()
  }
  for (const pool of [agent, verifyAgent]) Object.values(pool).forEach((a) => a.destroy())
}

main().catch((err) => fail(err?.stack ?? String(err)))
