// Hooks with real processes (docs/hooks.md): qtusd started by this script with its hooks
// pointed at a hook service running here (--hooks-http) or at programs (--hooks-dir), and
// tus-js-client uploading. Checks that every event comes, in order, in tusd's shape with the
// forwarded headers; that answers act (a custom 401 reaches the client verbatim,
// ChangeFileInfo sets the id and metadata, StopUpload ends an upload, pre-finish and
// pre-terminate refuse); that failing, slow and malformed answers fail closed for the
// blocking events and are retried for the others; and that the authorisation recipes of
// docs/hooks.md work as written.
// Usage: node hooks.mjs <qtusd>
import { Upload } from 'tus-js-client'
import { check, errText, finish, finishWithin, note, prngBytes, sleep, startQtusd as startQtusdIn, waitFor } from './harness.mjs'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const [qtusdPath] = process.argv.slice(2)
if (!qtusdPath) { console.error('usage: node hooks.mjs <qtusd>'); process.exit(2) }
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
finishWithin(240_000, 'hooks run')
const KiB = 1024

// A hook service: records every event, answers with decide(event, attempt) -> {status, body, delayMs}.
function hookService(decide = () => ({})) {
  const events = []
  const attempts = new Map()
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', async () => {
      let event = null
      try { event = JSON.parse(body) } catch { /* recorded as null */ }
      events.push(event)
      const key = `${event?.Type} ${event?.Event?.Upload?.ID}`
      const attempt = (attempts.get(key) ?? 0) + 1
      attempts.set(key, attempt)
      const answer = decide(event, attempt) ?? {}
      if (answer.delayMs) await sleep(answer.delayMs)
      const text = answer.raw ?? JSON.stringify(answer.json ?? {})
      res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' })
      res.end(text)
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({ url: `http://127.0.0.1:${server.address().port}/hook`, events, close: () => server.close() })))
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtus-hooks-'))
const running = []
const startQtusd = (args) => startQtusdIn(qtusdPath, workDir, running, args)
function stopAll() { for (const p of running) { try { p.kill('SIGTERM') } catch {} } }

function upload(endpoint, data, options = {}) {
  return new Promise((resolve) => {
    const u = new Upload(data, {
      endpoint, chunkSize: options.chunkSize ?? 64 * KiB, retryDelays: [], metadata: options.metadata ?? { filename: 'file.bin' },
      headers: options.headers ?? {}, removeFingerprintOnSuccess: true,
      onError: (error) => resolve({ error, url: u.url }),
      onSuccess: () => resolve({ url: u.url }),
    })
    u.start()
  })
}
const statusOf = (error) => error?.originalResponse?.getStatus?.()
const bodyOf = (error) => error?.originalResponse?.getBody?.()
const idOf = (url) => url.split('/').pop()
async function head(url) {
  const res = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })
  return { status: res.status, offset: Number(res.headers.get('upload-offset')), metadata: res.headers.get('upload-metadata') ?? '' }
}
const decodeMeta = (header) => Object.fromEntries(header.split(',').filter(Boolean).map((p) => {
  const [k, v] = p.trim().split(' '); return [k, Buffer.from(v ?? '', 'base64').toString()]
}))

// ---- every event, in order, in tusd's shape ----------------------------------------------
async function eventsInOrder() {
  note('every event during a tus-js-client upload and a DELETE')
  const hooks = await hookService()
  const q = await startQtusd(['--hooks-http', hooks.url, '--hooks-progress-interval', '0s'])
  const data = prngBytes(200 * KiB, 7)
  const headers = { 'X-Request-Marker': 'm1', Cookie: 'session=secret' }
  const r = await upload(q.url, data, { headers, metadata: { filename: 'report.pdf', filetype: 'application/pdf' } })
  check(!r.error, 'the upload succeeds with every hook answering nothing', errText(r.error))
  const del = await fetch(r.url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', ...headers } })
  check(del.status === 204, 'the DELETE succeeds', del.status)
  const types = ['pre-create', 'post-create', 'post-receive', 'pre-finish', 'post-finish', 'pre-terminate', 'post-terminate']
  await waitFor(() => types.every((t) => hooks.events.some((e) => e?.Type === t)))
  const seen = hooks.events.map((e) => e?.Type)
  for (const t of types) check(seen.includes(t), `${t} came`, seen.join(','))
  const first = (t) => seen.indexOf(t)
  check(first('pre-create') === 0, 'pre-create came first', seen.join(','))
  check(first('pre-create') < first('post-create') && first('pre-finish') < first('post-finish')
    && first('pre-terminate') < first('post-terminate') && first('post-create') < first('pre-terminate'),
  'each pre-* came before its post-*, and the upload before its termination', seen.join(','))
  for (const t of types.filter((t) => t !== 'post-receive'))
    check(seen.filter((s) => s === t).length === 1, `${t} came once`, seen.join(','))
  check(seen.filter((s) => s === 'post-receive').length >= 2, 'post-receive came for the chunks', seen.join(','))
  const pre = hooks.events[0]
  const up = pre?.Event?.Upload, req = pre?.Event?.HTTPRequest
  check(/^[0-9a-f]{32}$/.test(up?.ID ?? '') && up.ID === idOf(r.url), 'pre-create names the id the upload got', up?.ID)
  check(up?.Size === data.length && up?.Offset === 0 && up?.SizeIsDeferred === false, 'Upload has Size, Offset, SizeIsDeferred', JSON.stringify(up))
  check(up?.MetaData?.filename === 'report.pdf' && up?.MetaData?.filetype === 'application/pdf', 'Upload.MetaData is decoded', JSON.stringify(up?.MetaData))
  check(up?.IsPartial === false && up?.IsFinal === false && up?.Storage?.Type === 'filestore' && up?.Storage?.Path?.endsWith(up.ID),
    'Upload has IsPartial, IsFinal and Storage', JSON.stringify(up))
  check(req?.Method === 'POST' && req?.URI === '/files/' && req?.RemoteAddr === '127.0.0.1', 'HTTPRequest has Method, URI, RemoteAddr', JSON.stringify(req))
  check(JSON.stringify(req?.Header?.['X-Request-Marker']) === '["m1"]', 'request headers are forwarded as lists', JSON.stringify(req?.Header))
  check(!Object.keys(req?.Header ?? {}).some((h) => h.toLowerCase() === 'cookie'), 'Cookie is not forwarded by default')
  const finishEvent = hooks.events.find((e) => e?.Type === 'pre-finish')
  check(finishEvent?.Event?.Upload?.Offset === data.length && finishEvent?.Event?.HTTPRequest?.Method === 'PATCH',
    'pre-finish carries the offset the last bytes bring', JSON.stringify(finishEvent?.Event?.Upload))
  const term = hooks.events.find((e) => e?.Type === 'pre-terminate')
  check(term?.Event?.HTTPRequest?.Method === 'DELETE' && term?.Event?.Upload?.ID === idOf(r.url), 'pre-terminate names the upload and the DELETE')
  hooks.close()
}

// ---- answers that act ---------------------------------------------------------------------
async function answersAct() {
  note('answers: a custom refusal, ChangeFileInfo, StopUpload, pre-finish and pre-terminate refusals')
  const fixedId = '5b1d0c2e9f8a47b6a1c3d5e7f9012345'
  const hooks = await hookService((e) => {
    const name = e?.Event?.Upload?.MetaData?.filename
    if (e?.Type === 'pre-create' && name === 'anonymous.bin')
      return { json: { RejectUpload: true, HTTPResponse: { StatusCode: 401, Body: '{"message":"please log in"}',
        Header: { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer' } } } }
    if (e?.Type === 'pre-create' && name === 'rename-me.txt')
      return { json: { ChangeFileInfo: { ID: fixedId, MetaData: { filename: 'renamed.txt', owner: 'alice' } } } }
    if (e?.Type === 'post-receive' && name === 'stop-me.bin') return { json: { StopUpload: true } }
    if (e?.Type === 'pre-finish' && name === 'infected.bin')
      return { json: { RejectUpload: true, HTTPResponse: { StatusCode: 422, Body: 'virus found' } } }
    if (e?.Type === 'pre-terminate' && name === 'keep-me.bin')
      return { json: { RejectTermination: true, HTTPResponse: { StatusCode: 403, Body: 'this one stays' } } }
    return {}
  })
  const q = await startQtusd(['--hooks-http', hooks.url, '--hooks-progress-interval', '0s'])

  const refused = await upload(q.url, prngBytes(10, 1), { metadata: { filename: 'anonymous.bin' } })
  check(statusOf(refused.error) === 401, 'a hook\'s 401 reaches the client', statusOf(refused.error))
  check(bodyOf(refused.error) === '{"message":"please log in"}', 'with its body verbatim', bodyOf(refused.error))
  check(refused.error?.originalResponse?.getHeader('WWW-Authenticate') === 'Bearer', 'and its headers')

  const renamed = await upload(q.url, prngBytes(10, 2), { metadata: { filename: 'rename-me.txt' } })
  check(!renamed.error && idOf(renamed.url ?? '') === fixedId, 'ChangeFileInfo.ID is the upload\'s id', renamed.url)
  const h = await head(renamed.url)
  const meta = decodeMeta(h.metadata)
  check(meta.filename === 'renamed.txt' && meta.owner === 'alice', 'ChangeFileInfo.MetaData is what HEAD answers', h.metadata)
  const info = fs.readFileSync(path.join(q.dir, `${fixedId}.info`), 'utf8')
  check(info.includes('renamed.txt') && info.includes('alice'), 'and what the .info holds')
  const clash = await upload(q.url, prngBytes(10, 3), { metadata: { filename: 'rename-me.txt' } })
  check(statusOf(clash.error) === 409, 'an id that exists is a conflict, not an overwrite', statusOf(clash.error))
  check(fs.readFileSync(path.join(q.dir, fixedId)).equals(prngBytes(10, 2)), 'the first upload is untouched')

  const stopped = await upload(q.url, prngBytes(256 * KiB, 4), { metadata: { filename: 'stop-me.bin' }, chunkSize: 32 * KiB })
  // The answer comes after a chunk's 204; the client may already be writing the next chunk,
  // which is then cut off (the connection closes unanswered), or start it later and get 404.
  const cutOff = /ECONNRESET|EPIPE|socket hang up/.test(errText(stopped.error) ?? '')
  check(statusOf(stopped.error) === 404 || cutOff, 'after StopUpload the client\'s next PATCH is cut off or gets 404',
    statusOf(stopped.error) ?? errText(stopped.error))
  if (stopped.url) {
    const again = await fetch(stopped.url, { method: 'PATCH', body: Buffer.alloc(16),
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' } })
    check(again.status === 404, 'a PATCH after StopUpload gets 404', again.status)
    check((await head(stopped.url)).status === 404, 'the stopped upload is gone')
    check(!fs.existsSync(path.join(q.dir, idOf(stopped.url))), 'its bytes are removed')
  }

  const infected = await upload(q.url, prngBytes(100 * KiB, 5), { metadata: { filename: 'infected.bin' }, chunkSize: 40 * KiB })
  check(statusOf(infected.error) === 422 && bodyOf(infected.error) === 'virus found', 'a pre-finish refusal answers the last PATCH', statusOf(infected.error))
  const incomplete = await head(infected.url)
  check(incomplete.status === 200 && incomplete.offset === 80 * KiB, 'the upload stays incomplete, without the refused bytes', JSON.stringify(incomplete))

  const kept = await upload(q.url, prngBytes(10, 6), { metadata: { filename: 'keep-me.bin' } })
  const del = await fetch(kept.url, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0' } })
  check(del.status === 403 && (await del.text()) === 'this one stays', 'a pre-terminate refusal answers the DELETE', del.status)
  check((await head(kept.url)).status === 200, 'and the upload stays')
  hooks.close()
}

// ---- failing, slow and malformed answers ----------------------------------------------------
async function failures() {
  note('failing, slow and malformed hook answers')
  const hooks = await hookService((e, attempt) => {
    const name = e?.Event?.Upload?.MetaData?.filename
    if (e?.Type === 'pre-create' && name === 'fails.bin') return { status: 500 }
    if (e?.Type === 'pre-create' && name === 'slow.bin') return { delayMs: 2500 }
    if (e?.Type === 'pre-create' && name === 'malformed.bin') return { raw: 'this is not JSON' }
    if (e?.Type === 'pre-create' && name === 'bad-status.bin') return { json: { RejectUpload: true, HTTPResponse: { StatusCode: 42 } } }
    if (e?.Type === 'post-create' && name === 'flaky.bin' && attempt < 3) return { status: 503 }
    return {}
  })
  const q = await startQtusd(['--hooks-http', hooks.url, '--hooks-http-timeout', '1s'])
  for (const [name, why] of [['fails.bin', 'a 500 from the hook'], ['slow.bin', 'no answer within --hooks-http-timeout'],
    ['malformed.bin', 'an answer that is not JSON'], ['bad-status.bin', 'an answer with a status out of range']]) {
    const r = await upload(q.url, prngBytes(10, 9), { metadata: { filename: name } })
    check(statusOf(r.error) === 503, `pre-create fails closed (503) on ${why}`, statusOf(r.error) ?? errText(r.error))
    check(!r.url, `and nothing is created for ${name}`)
  }
  const flaky = await upload(q.url, prngBytes(10, 10), { metadata: { filename: 'flaky.bin' } })
  check(!flaky.error, 'a failing post-create never fails the upload', errText(flaky.error))
  await waitFor(() => hooks.events.filter((e) => e?.Type === 'post-create' && e?.Event?.Upload?.MetaData?.filename === 'flaky.bin').length >= 3)
  check(hooks.events.filter((e) => e?.Type === 'post-create' && e?.Event?.Upload?.MetaData?.filename === 'flaky.bin').length === 3,
    'post-create was tried again until it succeeded (3 attempts)')
  hooks.close()
}

// ---- the recipes of docs/hooks.md, and a tusd-style program ---------------------------------
async function recipes() {
  note('the authorisation recipes of docs/hooks.md')
  const tokens = path.join(workDir, 'tokens')
  fs.writeFileSync(tokens, 'good-token-1\ngood-token-2\n')
  // A program in --hooks-dir: docs/examples/pre-create-token reads /etc/qtus/tokens; here a copy reads ours.
  const hooksDir = fs.mkdtempSync(path.join(workDir, 'hooks-'))
  const script = fs.readFileSync(path.join(repoRoot, 'docs/examples/pre-create-token'), 'utf8').replaceAll('/etc/qtus/tokens', tokens)
  fs.writeFileSync(path.join(hooksDir, 'pre-create'), script, { mode: 0o755 })
  // A tusd-style post-finish program, written against tusd's documented payload: it reads
  // .Event.Upload.ID and .Event.Upload.Storage.Path and records them.
  const finished = path.join(workDir, 'finished.txt')
  fs.writeFileSync(path.join(hooksDir, 'post-finish'),
    `#!/bin/sh\njq -r '"\\(.Type) \\(.Event.Upload.ID) \\(.Event.Upload.Storage.Path) \\(.Event.Upload.MetaData.filename)"' >> ${finished}\n`, { mode: 0o755 })
  const q = await startQtusd(['--hooks-dir', hooksDir])
  const denied = await upload(q.url, prngBytes(10, 11), { headers: { Authorization: 'Bearer wrong' } })
  check(statusOf(denied.error) === 401 && bodyOf(denied.error) === 'a valid token is needed\n', 'the token program refuses a wrong token with 401', statusOf(denied.error))
  const allowed = await upload(q.url, prngBytes(10, 12), { headers: { Authorization: 'Bearer good-token-2' }, metadata: { filename: 'ok.txt' } })
  check(!allowed.error, 'and lets a listed token through', errText(allowed.error))
  await waitFor(() => fs.existsSync(finished) && fs.readFileSync(finished, 'utf8').includes('post-finish'))
  const line = fs.existsSync(finished) ? fs.readFileSync(finished, 'utf8').trim() : ''
  check(line === `post-finish ${idOf(allowed.url ?? '')} ${path.join(q.dir, idOf(allowed.url ?? ''))} ok.txt`, 'a tusd-style post-finish program reads its fields unchanged', line)

  // The 30-line Python HTTP hook of docs/hooks.md.
  const port = 20000 + Math.floor(Math.random() * 20000)
  const python = spawn('/usr/bin/python3', [path.join(repoRoot, 'docs/examples/token-hook.py'), tokens, String(port)], { stdio: 'ignore' })
  running.push(python)
  await waitFor(() => spawnSync('/usr/bin/python3', ['-c', `import socket; socket.create_connection(("127.0.0.1", ${port}), 1)`]).status === 0)
  const q2 = await startQtusd(['--hooks-http', `http://127.0.0.1:${port}/hook`])
  const denied2 = await upload(q2.url, prngBytes(10, 13), {})
  check(statusOf(denied2.error) === 401, 'the Python HTTP hook refuses a request without a token', statusOf(denied2.error))
  const allowed2 = await upload(q2.url, prngBytes(10, 14), { headers: { Authorization: 'Bearer good-token-1' } })
  check(!allowed2.error, 'and lets a listed token through', errText(allowed2.error))
}

try {
  await eventsInOrder()
  await answersAct()
  await failures()
  await recipes()
} catch (e) {
  check(false, 'the hooks run completed', errText(e))
} finally {
  stopAll()
}
finish()
