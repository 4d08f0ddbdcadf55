#!/usr/bin/env python3
"""Writes the seed corpus tests/fuzz/corpus/<harness>/ (the files are committed; rerun this
after changing a seed here). Each seed is one meaningful case: a valid value, a boundary, or a
malformed one the parser must refuse. Harnesses that take parameters with FuzzedDataProvider
(limits, cut points) read them from the END of the input, so those seeds are the bytes to
parse followed by a suffix encoding the parameters (see suffix())."""
import base64
import hashlib
import os

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')

def put(name, fname, data):
    d = os.path.join(root, name); os.makedirs(d, exist_ok=True)
    if isinstance(data, str): data = data.encode('latin-1')
    open(os.path.join(d, fname), 'wb').write(data)

def suffix(values):
    """Bytes FuzzedDataProvider::ConsumeIntegralInRange reads back as the given values.
    values: [(value - min, bytes it reads)] in the order the harness consumes them; it reads
    as many bytes as the range (max - min) needs, the last byte of the input first."""
    out = b''
    for v, n in values:
        bs = bytes(((v >> (8 * (n - 1 - i))) & 0xff) for i in range(n))  # most significant consumed first
        out = bs[::-1] + out  # first consumed byte is the last one in the data
    return out

for f, v in {'zero': '0', 'small': '5', 'digits': '1234567890', 'max': '9223372036854775807',
             'max-plus-one': '9223372036854775808', 'negative': '-1', 'plus': '+5', 'leading-space': ' 5',
             'inner-space': '1 2', 'zero-padded': '00000000000000000000042', 'twenty-digits': '18446744073709551616'}.items():
    put('headervalues', f, v)

for f, v in {'zero': '0', 'kibi': '4K', 'mega': '500M', 'gibi': '2GiB', 'tera': '1T', 'bytes-b': '16KB', 'seconds': '90s',
             'bare-seconds': '90', 'minutes': '10m', 'hours': '24h', 'days': '7d', 'millis': '250ms', 'spaced': ' 5m ',
             'fraction': '1.5G', 'overflow': '9999999999T', 'big-days': '106751991167d', 'unknown-unit': '5X',
             'combined': '1h30m', 'every-unit': '1d2h3m4s5ms', 'spaced-units': '2d 12h', 'out-of-order': '30m1h'}.items():
    put('units', f, v)  # 'bare-seconds': refused since durations need a unit
put('units', 'kelvin-sign', '5\u212a'.encode('utf-8'))  # not "5K": units are ASCII

for f, v in {'max-size': '--max-size\n500M', 'port-path-dir': '--port=0\n--base-path\n/api/files\n--dir\n/tmp/x',
             'durations': '--expire-after=90s\n--cleanup-interval=0\n--keep-completed=7d\n--orphan-grace=1h\n--shutdown-timeout=10s',
             'cors': '--cors-origins\nhttps://a.example,http://b.example:8080', 'cors-none': '--cors-origins=none',
             'base-url': '--base-url\nhttps://example.com/files', 'hooks': '--hook-pre-create\n/usr/bin/check --strict "a b"\n--hook-post-finish=/bin/true\n--hook-timeout=5s',
             'help': '--help', 'version': '--version', 'limits': '--max-header-size=1K\n--max-connections=5\n--fsync=never\n--idle-timeout=60s\n--read-timeout=0',
             'host': '--host\n::1\n--behind-proxy\n--disable-download', 'bad-zero': '--hook-timeout\n0', 'positional': 'extra',
             'repeated': '--port=1\n--port=2', 'lists': '--cors-origins=https://a.example\n--cors-origins\nhttps://b.example',
             'combined-duration': '--expire-after=1h30m\n--hook-timeout\n5', 'tls': '--tls-cert=c.pem\n--tls-key=k.pem',
             'tls-half': '--tls-key=k.pem', 'config-missing': '--config=/nonexistent/qtusd.conf', 'config-dir': '--config=/'}.items():
    put('serverconfig', f, v)

for f, v in {'prepared': 'filename d29ybGQudHh0,is_confidential', 'one-pair': 'greeting aGVsbG8=',
             'spaces': 'a YQ== , b YQ==', 'key-only': 'k', 'empty': '', 'space-in-key': 'bad key YQ==',
             'duplicate': 'dup YQ==,dup YQ==', 'unpadded': 'k YQ', 'binary': 'bin AP8A/w==', 'utf8-key': 'n\xc3\xa4me YQ=='}.items():
    put('uploadmetadata', f, v)

ids = ['0123456789abcdef0123456789abcdef', 'fedcba9876543210fedcba9876543210']
for f, v in {'partial': 'partial', 'final-paths': 'final;/files/%s /files/%s' % tuple(ids),
             'final-absolute': 'final;http://qtus.test/files/%s' % ids[0],
             'final-base-url': 'final;https://example.com/api/uploads/%s' % ids[1], 'final-empty': 'final;',
             'foreign': 'final;/other/%s' % ids[0], 'spaced': 'final; /files/%s  /files/%s ' % (ids[0], ids[0]),
             'traversal': 'final;/files/../%s' % ids[0], 'uppercase-id': 'final;/files/%s' % ids[0].upper()}.items():
    put('uploadconcat', f, v)

body = b'hello, checksum'
for algo, fn in [('md5', hashlib.md5), ('sha1', hashlib.sha1), ('sha256', hashlib.sha256), ('sha512', hashlib.sha512)]:
    put('uploadchecksum', algo, algo.encode() + b' ' + base64.b64encode(fn(body).digest()))
put('uploadchecksum', 'upper-case-name', b'SHA1 ' + base64.b64encode(hashlib.sha1(body).digest()))
put('uploadchecksum', 'wrong-digest', b'sha1 ' + base64.b64encode(hashlib.sha1(b'other').digest()))
put('uploadchecksum', 'no-digest', 'sha1')
put('uploadchecksum', 'unsupported', 'crc32 AAAAAA==')
put('uploadchecksum', 'short-digest', 'sha256 YQ==')

# requesthead: head + (maxHeaderSize 600, maxRequestLine 408, cut) read from the end.
def head_seed(text, header=584, line=400, cut=7):
    return text.encode('latin-1') + suffix([(header, 2), (line, 2), (cut, 2)])
heads = {
    'patch': 'PATCH /files/abc HTTP/1.1\r\nHost: qtus.test\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 5\r\n\r\nhello',
    'chunked-post': 'POST /files/ HTTP/1.1\r\nHost: qtus.test\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nUpload-Defer-Length: 1\r\n\r\n',
    'http10': 'HEAD /files/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    'absolute-form': 'GET http://qtus.test/files/a?x=1 HTTP/1.1\r\nHost: qtus.test\r\nConnection: close\r\n\r\n',
    'options-star': 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
    'folded': 'HEAD / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n',
    'duplicate-length': 'PATCH /f HTTP/1.1\r\nHost: x\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n',
    'length-and-chunked': 'PATCH /f HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    'http2': 'HEAD / HTTP/2.0\r\nHost: x\r\n\r\n',
    'incomplete': 'HEAD /files/abc HTTP/1.1\r\nHost: x\r\n',
}
for f, v in heads.items():
    put('requesthead', f, head_seed(v))
# maxHeaderSize 40 (range 584: 2 bytes), maxRequestLine 25 = the line's length (range 32: 1 byte)
put('requesthead', 'tight-limits',
    b'HEAD /aaaaaaaaaa HTTP/1.1\r\nHost: x\r\n\r\n' + suffix([(40 - 16, 2), (25 - 8, 1), (25, 2)]))

# chunkeddecoder: body + (number of cuts, cuts, sink capacity) read from the end.
def chunk_seed(text, cuts=(3, 11), capacity=200):
    vals = [(len(cuts), 1)] + [(c, 2) for c in cuts] + [(capacity, 2)]
    return text.encode('latin-1') + suffix(vals)
chunks = {
    'sample': '5\r\nhello\r\n6;name=value;flag\r\n world\r\nA\r\n0123456789\r\n1f\r\n' + 'x' * 31 + '\r\n0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n',
    'empty-body': '0\r\n\r\n',
    'next-request': '3\r\nabc\r\n0\r\n\r\nHEAD /files/x HTTP/1.1\r\nHost: y\r\n\r\n',
    'bad-size': 'zz\r\nabc\r\n0\r\n\r\n',
    'missing-crlf': '3\r\nabcX\r\n0\r\n\r\n',
    'bare-lf': '3\nabc\n0\n\n',
    'huge-size': 'fffffffffffffff\r\nabc',
    'unfinished': '10\r\nonly part',
}
for f, v in chunks.items():
    put('chunkeddecoder', f, chunk_seed(v))

# requestframing: stream + (maxHeaderSize 964, maxRequestLine 516, number of cuts, cuts) from the end.
def frame_seed(text, cuts=(5, 40, 41), header=900, line=500):
    vals = [(header, 2), (line, 2), (len(cuts), 1)] + [(c, 2) for c in cuts]
    return text.encode('latin-1') + suffix(vals)
frames = {
    'patch-then-head': 'PATCH /files/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloHEAD /files/a HTTP/1.1\r\nHost: x\r\n\r\n',
    'chunked-then-head': 'POST /files/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHEAD /files/a HTTP/1.1\r\nHost: x\r\n\r\n',
    'smuggle-attempt': 'POST /files/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n',
    'three-heads': 'HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nDELETE /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'bad-chunk-mid-stream': 'PATCH /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nq\r\nHEAD /a HTTP/1.1\r\nHost: x\r\n\r\n',
    'body-unfinished': 'PATCH /a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly some',
}
for f, v in frames.items():
    put('requestframing', f, frame_seed(v))

# hookresponse: answers a hook might give, good and bad.
answers = {
    'empty': '',
    'accept': '{}',
    'reject-401': '{"RejectUpload":true,"HTTPResponse":{"StatusCode":401,"Body":"{\\"message\\":\\"log in\\"}","Header":{"Content-Type":"application/json","WWW-Authenticate":"Bearer"}}}',
    'reject-termination': '{"RejectTermination":true,"HTTPResponse":{"StatusCode":403,"Body":"stays"}}',
    'change-file-info': '{"ChangeFileInfo":{"ID":"5b1d0c2e9f8a47b6a1c3d5e7f9012345","MetaData":{"filename":"a.txt","owner":"alice"}}}',
    'stop-upload': '{"StopUpload":true}',
    'header-split': '{"HTTPResponse":{"Header":{"X-A":"1\\r\\nSet-Cookie: x"}}}',
    'bad-id': '{"ChangeFileInfo":{"ID":"../etc"}}',
    'nested-junk': '{"HTTPResponse":[1,2,{"StatusCode":null}],"ChangeFileInfo":{"MetaData":{"":""}}}',
}
for f, v in answers.items():
    put('hookresponse', f, v.encode('utf-8'))
