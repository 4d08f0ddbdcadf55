// @tus/server with @tus/file-store, the way its README sets it up, for the benchmark.
// Usage: node tus-node-server.mjs --port N (0 = free port) --dir DIR [--host 127.0.0.1]
// Prints exactly one line on stdout once listening:
//   tus-node-server listening on http://HOST:PORT/files/
// Uploads are stored as DIR/<id> (the bytes) and DIR/<id>.json (FileKvStore).
// @tus/file-store never syncs to disk; compare it with `qtusd --fsync never`.
import { Server } from '@tus/server'
import { FileStore } from '@tus/file-store'

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback
}

const host = arg('host', '127.0.0.1')
const port = Number(arg('port', '0'))
const dir = arg('dir')
if (!dir) {
  console.error('tus-node-server: --dir is required')
  process.exit(2)
}

const server = new Server({
  path: '/files',
  datastore: new FileStore({ directory: dir }),
})

const http = server.listen({ host, port }, () => {
  const { port: actual } = http.address()
  process.stdout.write(`tus-node-server listening on http://${host}:${actual}/files/\n`)
})
http.on('error', (err) => {
  console.error(`tus-node-server: ${err.message}`)
  process.exit(1)
})
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    http.close()
    http.closeAllConnections?.()
    process.exit(0)
  })
}
