// Cookies from a browser (--cors-allow-credentials, docs/hooks.md): Uppy's Tus plugin with
// withCredentials, in a real headless Chromium, on a page of another origin than qtusd's. The
// page sets a session cookie; the pre-create hook (an HTTP hook served here) lets the upload
// in only when that cookie reaches it (--hooks-forward-headers lists Cookie). Without
// --cors-allow-credentials Chromium refuses to hand the answers to the page, and the upload
// fails: that is the control.
// Usage: node browser.mjs <qtusd>        (needs Debian's chromium; tests/interop's npm packages)
import { check, errText, finish, finishWithin, note, startQtusd as startQtusdIn, waitFor } from './harness.mjs'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'

const [qtusdPath] = process.argv.slice(2)
if (!qtusdPath) { console.error('usage: node browser.mjs <qtusd>'); process.exit(2) }
finishWithin(180_000, 'browser run')
const require = createRequire(import.meta.url)
const uppyBundle = path.join(path.dirname(require.resolve('uppy/package.json')), 'dist/uppy.min.js')
const chromium = ['chromium', '/usr/bin/chromium'].find((c) => spawnSync(c, ['--version']).status === 0)
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qtus-browser-'))
const running = []
const SIZE = 300 * 1024
const COOKIE = 'session=browser-secret'

// The page's origin: serves the page, Uppy's bundle, the results the page reports, and the
// pre-create hook qtusd asks.
function pageServer() {
  const state = { report: null, hookEvents: [] }
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      const url = new URL(req.url, 'http://x')
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html' })
        res.end(page(url.searchParams.get('endpoint')))
      } else if (req.method === 'GET' && url.pathname === '/uppy.min.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' })
        fs.createReadStream(uppyBundle).pipe(res)
      } else if (req.method === 'POST' && url.pathname === '/report') {
        try { state.report = JSON.parse(body) } catch { state.report = { error: `unreadable report: ${body.slice(0, 200)}` } }
        res.writeHead(204).end()
      } else if (req.method === 'POST' && url.pathname === '/hook') {
        let event = null
        try { event = JSON.parse(body) } catch {}
        state.hookEvents.push(event)
        const cookies = event?.Event?.HTTPRequest?.Header?.Cookie ?? []
        const allowed = cookies.some((c) => c.split(';').map((s) => s.trim()).includes(COOKIE))
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify(allowed ? {} : { RejectUpload: true, HTTPResponse: { StatusCode: 401, Body: 'no session' } }))
      } else {
        res.writeHead(404).end()
      }
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({ origin: `http://127.0.0.1:${server.address().port}`, state, close: () => server.close() })))
}

function page(endpoint) {
  return `<!doctype html><meta charset="utf-8"><title>qtus browser test</title>
<script src="/uppy.min.js"></script>
<script>
document.cookie = '${COOKIE}; path=/; SameSite=Lax'
const report = (r) => fetch('/report', { method: 'POST', body: JSON.stringify(r) })
try {
  const bytes = new Uint8Array(${SIZE}).map((_, i) => (i * 31 + 7) % 251)
  const uppy = new Uppy.Uppy({ autoProceed: false })
  uppy.use(Uppy.Tus, { endpoint: ${JSON.stringify(endpoint)}, withCredentials: true, retryDelays: [], chunkSize: 64 * 1024 })
  uppy.addFile({ name: 'from-browser.bin', type: 'application/octet-stream', data: new Blob([bytes]) })
  uppy.upload().then((result) => report({
    successful: result.successful.length,
    url: result.successful[0]?.uploadURL ?? null,
    failed: result.failed.map((f) => String(f.error)),
  }), (e) => report({ error: String(e) }))
} catch (e) { report({ error: String(e) }) }
</script>`
}

const startQtusd = (args) => startQtusdIn(qtusdPath, workDir, running, args)

// Opens the page in a fresh headless Chromium and waits for the page's report.
async function inChromium(site, endpoint) {
  site.state.report = null
  const profile = fs.mkdtempSync(path.join(workDir, 'profile-'))
  const browser = spawn(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-dev-shm-usage', `--user-data-dir=${profile}`, `${site.origin}/?endpoint=${encodeURIComponent(endpoint)}`],
  { stdio: ['ignore', 'ignore', 'pipe'], detached: true })  // a group of its own: its helpers go with it
  running.push(browser)
  let log = ''
  browser.stderr.on('data', (c) => { log = (log + c).slice(-2000) })
  await waitFor(() => site.state.report !== null || browser.exitCode !== null, 60_000)
  killGroup(browser)
  await waitFor(() => browser.exitCode !== null || browser.signalCode !== null, 5_000)
  return site.state.report ?? { error: `no report from the page (chromium: ${log.slice(-300)})` }
}

function killGroup(proc) {
  try { process.kill(-proc.pid, 'SIGKILL') } catch {}
  try { proc.kill('SIGKILL') } catch {}
}

const expected = Buffer.from(new Uint8Array(SIZE).map((_, i) => (i * 31 + 7) % 251))

async function run() {
  check(Boolean(chromium), 'chromium is installed (apt-get install chromium)')
  if (!chromium) return
  const site = await pageServer()
  const hookArgs = ['--hooks-http', `${site.origin}/hook`, '--hooks-enabled-events', 'pre-create',
    '--hooks-forward-headers', 'Cookie,Origin', '--cors-origins', site.origin]

  note('Uppy with withCredentials from another origin, --cors-allow-credentials on')
  const q = await startQtusd([...hookArgs, '--cors-allow-credentials'])
  const r = await inChromium(site, q.url)
  check(r.successful === 1 && !r.error, 'the upload succeeds in Chromium', JSON.stringify(r))
  const event = site.state.hookEvents.at(-1)
  const header = event?.Event?.HTTPRequest?.Header ?? {}
  check((header.Cookie ?? []).some((c) => c.includes(COOKIE)), 'the pre-create hook got the page\'s cookie', JSON.stringify(header))
  check(JSON.stringify(header.Origin) === JSON.stringify([site.origin]), 'and the page\'s origin', JSON.stringify(header.Origin))
  const id = (r.url ?? '').split('/').pop()
  const stored = id && fs.existsSync(path.join(q.dir, id)) ? fs.readFileSync(path.join(q.dir, id)) : Buffer.alloc(0)
  check(stored.equals(expected), 'qtusd stored exactly the bytes the page sent', `${stored.length} bytes`)

  note('the same without --cors-allow-credentials (the control)')
  const events = site.state.hookEvents.length
  const q2 = await startQtusd(hookArgs)
  const r2 = await inChromium(site, q2.url)
  check(r2.successful === 0 && (r2.failed?.length ?? 0) === 1, 'Chromium keeps the answers from the page: the upload fails', JSON.stringify(r2))
  // A credentialed request needs Access-Control-Allow-Credentials on the preflight too: the
  // browser stops there, and the POST never reaches qtusd.
  check(site.state.hookEvents.length === events, 'the browser stopped at the preflight: the hook was never asked')
  check(fs.readdirSync(q2.dir).filter((f) => f.endsWith('.info')).length === 0, 'and nothing was created')
  site.close()
}

try {
  await run()
} catch (e) {
  check(false, 'the browser run completed', errText(e))
} finally {
  for (const p of running) killGroup(p)
  try { fs.rmSync(workDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }) } catch {}
}
finish()
