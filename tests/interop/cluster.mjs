// tus-js-client against two qtusd on one S3 bucket behind nginx (scripts/two-nodes.sh,
// docs/scale-out.md): a 12 MiB upload in 5 MiB chunks (parts and a tail in S3), and one
// aborted mid-PATCH and resumed by a new Upload on the same URL. nginx spreads the requests
// over both nodes. The bytes are read back from S3 with curl --aws-sigv4.
// Usage: node cluster.mjs <nginx-url> <env-file of two-nodes.sh>
import { Upload } from 'tus-js-client'
import { check, errText, finish, finishWithin, note, prngBytes, sha256 } from './harness.mjs'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'

const [endpoint, envFile] = process.argv.slice(2)
if (!endpoint || !envFile) {
  console.error('usage: node cluster.mjs <nginx-url> <env-file>'); process.exit(2)
}
const env = Object.fromEntries(fs.readFileSync(envFile, 'utf8').split('\n')
  .filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
const MiB = 1024 * 1024
finishWithin(180_000, 'cluster interop run')

function objectSha(url) {
  const id = url.slice(url.lastIndexOf('/') + 1)
  const bytes = execFileSync('curl', ['-sS', '--aws-sigv4', `aws:amz:${env.QTUS_S3_REGION}:s3`,
    '--user', `${env.AWS_ACCESS_KEY_ID}:${env.AWS_SECRET_ACCESS_KEY}`, '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD',
    `${env.QTUS_S3_ENDPOINT}/${env.QTUS_S3_BUCKET}/uploads/${id}`], { maxBuffer: 64 * MiB })
  return { sha: sha256(bytes), size: bytes.length }
}

function run(data, options, abortAt = null) {
  return new Promise((resolve, reject) => {
    let accepted = 0
    const upload = new Upload(data, {
      endpoint, storeFingerprintForResuming: false, retryDelays: [0, 300, 1000, 2000, 3000],
      ...options,
      onChunkComplete(_size, bytesAccepted) { accepted = bytesAccepted },
      onProgress(sent) {
        if (abortAt != null && sent >= abortAt && sent > accepted) {
          upload.abort()
          resolve({ status: 'aborted', upload, accepted })
        }
      },
      onSuccess: () => resolve({ status: 'success', upload }),
      onError: reject,
    })
    upload.start()
  })
}

const big = prngBytes(12 * MiB + 777, 11)
try {
  const r = await run(big, { chunkSize: 5 * MiB, metadata: { filename: 'big.bin' } })
  check(r.status === 'success', 'a 12 MiB upload in 5 MiB chunks through nginx succeeds')
  const got = objectSha(r.upload.url)
  check(got.sha === sha256(big), 'the object in S3 is byte-identical', `size ${got.size}`)
} catch (err) {
  check(false, 'a 12 MiB upload in 5 MiB chunks through nginx succeeds', errText(err))
}

const resumed = prngBytes(9 * MiB + 5, 12)
try {
  const first = await run(resumed, { chunkSize: 3 * MiB }, 4 * MiB)
  check(first.status === 'aborted' && first.accepted === 3 * MiB, 'an upload aborted mid-PATCH after one 3 MiB chunk',
    `accepted ${first.accepted}`)
  const again = await run(resumed, { chunkSize: 3 * MiB, uploadUrl: first.upload.url })
  check(again.status === 'success' && again.upload.url === first.upload.url, 'a new Upload on the same URL finishes it')
  const got = objectSha(again.upload.url)
  check(got.sha === sha256(resumed), 'the resumed object in S3 is byte-identical', `size ${got.size}`)
} catch (err) {
  check(false, 'an aborted upload resumes through nginx', errText(err))
}
note(`nginx: ${endpoint}`)
finish()
