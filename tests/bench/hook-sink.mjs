// The hooks bench variant's hook service (scripts/bench.sh, BENCH_VARIANT=hooks): answers
// every POST with 200 and an empty JSON object, as a hook service that only takes note would.
// Prints "hook sink on http://127.0.0.1:PORT/hook" once listening; counts what it got on exit.
import http from 'node:http'

let events = 0
const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    events++
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '2' })
    res.end('{}')
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => console.log(`hook sink on http://127.0.0.1:${server.address().port}/hook`))
const stop = () => { console.error(`hook sink: ${events} events`); process.exit(0) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
