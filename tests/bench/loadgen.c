/* loadgen: a small closed-loop HTTP/1.1 load generator for the qtus benchmark.
 *
 * Keeps C keep-alive connections busy with one request in flight each (like wrk) for D
 * seconds and reports requests/s and latency percentiles. Unlike stock wrk it knows that
 * a response to HEAD has no body whatever its headers say, so HEAD responses without
 * Content-Length (which @tus/server sends) do not stall it. Bodies are framed by
 * Content-Length, by chunked transfer coding, or (204/304/HEAD) are empty.
 *
 *   cc -O2 -o loadgen loadgen.c -lssl -lcrypto
 *   loadgen -p PORT [-a 127.0.0.1] [-c 32] [-d 10] [-w 1] [-m HEAD] [-s 200]
 *           [-u /files/ID | -f pathsfile] [-H 'Name: value']... [-L locations.out] [-t ca.pem]
 *
 * -f: one request path per line; connection i starts at line i and walks the list.
 * -s: the status every response must have; others are counted as bad_status.
 * -L: writes the Location header of every counted response (one per line).
 * -w: warm-up seconds (requests run but are not counted).
 * -t: TLS (OpenSSL, non-blocking), trusting the certificates in this PEM file; handshakes
 *     happen at connect, in the warm-up, and again on every reconnect.
 * Output: one line of key=value pairs on stdout. Exit status 0 unless setup failed or no
 * request completed; bad statuses and errors are reported, the caller decides.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RBUF 65536

typedef struct {
    int fd;
    SSL *ssl;              /* NULL without -t */
    int handshaking;
    int path_idx;
    const char *req;       /* current request bytes */
    size_t req_len, sent;
    char buf[RBUF];
    size_t have;           /* bytes in buf */
    uint64_t t_start;      /* ns, when the request was started */
} conn_t;

static const char *g_addr = "127.0.0.1";
static int g_port = 0;
static int g_conns = 32;
static double g_secs = 10, g_warm = 1;
static const char *g_method = "HEAD";
static int g_expect = 0;
static char **g_paths;
static int g_npaths;
static char *g_headers;    /* "Name: v\r\n..." */
static char **g_reqs;      /* prebuilt request per path */
static size_t *g_req_lens;
static FILE *g_loc;
static int g_is_head;
static SSL_CTX *g_tls;

static uint32_t *g_lat;    /* microseconds */
static size_t g_nlat, g_caplat;
static uint64_t g_ok, g_bad_status, g_errors, g_reconnects;
static int g_counting;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *msg)
{
    fprintf(stderr, "loadgen: %s: %s\n", msg, strerror(errno));
    exit(2);
}

static int open_conn(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)g_port);
    if (inet_pton(AF_INET, g_addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "loadgen: bad address %s\n", g_addr);
        exit(2);
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)
        die("connect");
    return fd;
}

/* Wraps fd in TLS when -t was given; the handshake runs in tls_progress(). */
static void attach(conn_t *c, int fd)
{
    c->fd = fd;
    c->ssl = NULL;
    c->handshaking = 0;
    if (!g_tls)
        return;
    c->ssl = SSL_new(g_tls);
    if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1)
        die("SSL_new");
    SSL_set_connect_state(c->ssl);
    c->handshaking = 1;
}

static void detach(conn_t *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    c->ssl = NULL;
    close(c->fd);
}

/* TLS: -2 when the call must wait for the socket, -1 on failure. */
static ssize_t tls_result(conn_t *c, int r)
{
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return -2;
    if (e == SSL_ERROR_ZERO_RETURN)
        return 0;
    ERR_clear_error();
    return -1;
}

/* 1 when the connection is ready for requests, 0 while the handshake waits, -1 on failure. */
static int tls_progress(conn_t *c)
{
    if (!c->handshaking)
        return 1;
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        c->handshaking = 0;
        return 1;
    }
    return tls_result(c, r) == -2 ? 0 : -1;
}

/* send/recv or their TLS forms: bytes moved, 0 at the end of the stream (recv), -2 to wait, -1 on failure. */
static ssize_t io_send(conn_t *c, const char *b, size_t n)
{
    if (c->ssl) {
        int r = SSL_write(c->ssl, b, (int)n);
        return r > 0 ? r : tls_result(c, r);
    }
    ssize_t r = send(c->fd, b, n, MSG_NOSIGNAL);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN))
        return -2;
    return r;
}

static ssize_t io_recv(conn_t *c, char *b, size_t n)
{
    if (c->ssl) {
        int r = SSL_read(c->ssl, b, (int)n);
        return r > 0 ? r : tls_result(c, r);
    }
    ssize_t r = recv(c->fd, b, n, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return -2;
    return r;
}

static void start_request(conn_t *c)
{
    c->req = g_reqs[c->path_idx];
    c->req_len = g_req_lens[c->path_idx];
    c->sent = 0;
    c->have = 0;
    c->t_start = now_ns();
}

static int try_send(conn_t *c)
{
    if (c->handshaking)
        return 0;
    while (c->sent < c->req_len) {
        ssize_t n = io_send(c, c->req + c->sent, c->req_len - c->sent);
        if (n == -2)
            return 0;
        if (n <= 0)
            return -1;
        c->sent += (size_t)n;
    }
    return 0;
}

/* Case-insensitive search of a header in [hdr, hdr_end); returns value start or NULL. */
static const char *find_header(const char *hdr, const char *hdr_end, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    const char *p = hdr;
    while (p < hdr_end) {
        const char *eol = memmem(p, (size_t)(hdr_end - p), "\r\n", 2);
        if (!eol)
            eol = hdr_end;
        if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *e = eol;
            while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            *vlen = (size_t)(e - v);
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

/* Length of a complete chunked body starting at b (n bytes available), or -1 if incomplete,
 * or -2 if malformed. Trailers are not expected (but a trailer section is skipped). */
static long chunked_len(const char *b, size_t n)
{
    size_t pos = 0;
    for (;;) {
        const char *eol = memmem(b + pos, n - pos, "\r\n", 2);
        if (!eol)
            return -1;
        char *end;
        unsigned long sz = strtoul(b + pos, &end, 16);
        if (end == b + pos)
            return -2;
        pos = (size_t)(eol - b) + 2;
        if (sz == 0) {
            /* trailer section ends with an empty line */
            for (;;) {
                const char *e2 = memmem(b + pos, n - pos, "\r\n", 2);
                if (!e2)
                    return -1;
                size_t linelen = (size_t)(e2 - (b + pos));
                pos += linelen + 2;
                if (linelen == 0)
                    return (long)pos;
            }
        }
        if (pos + sz + 2 > n)
            return -1;
        pos += sz + 2;
    }
}

/* Returns the length of a complete response in c->buf, 0 if incomplete, -1 if malformed. */
static long parse_response(conn_t *c, int *status, const char **loc, size_t *loclen)
{
    const char *b = c->buf;
    const char *hend = memmem(b, c->have, "\r\n\r\n", 4);
    if (!hend)
        return c->have >= RBUF ? -1 : 0;
    size_t head_len = (size_t)(hend - b) + 4;
    if (c->have < 12 || strncmp(b, "HTTP/1.", 7) != 0)
        return -1;
    *status = atoi(b + 9);
    if (*status >= 100 && *status < 200) /* 100 Continue: skip the interim response */
        return -(long)head_len - 10;
    const char *hdr = memmem(b, head_len, "\r\n", 2) + 2;
    *loc = find_header(hdr, hend + 2, "Location", loclen);
    if (g_is_head || *status == 204 || *status == 304)
        return (long)head_len;
    size_t vlen;
    const char *te = find_header(hdr, hend + 2, "Transfer-Encoding", &vlen);
    if (te && vlen >= 7 && strncasecmp(te + vlen - 7, "chunked", 7) == 0) {
        long bl = chunked_len(b + head_len, c->have - head_len);
        if (bl == -2)
            return -1;
        if (bl < 0)
            return c->have >= RBUF ? -1 : 0;
        return (long)head_len + bl;
    }
    const char *cl = find_header(hdr, hend + 2, "Content-Length", &vlen);
    size_t body = cl ? strtoul(cl, NULL, 10) : 0;
    if (head_len + body > RBUF)
        return -1;
    if (c->have < head_len + body)
        return 0;
    return (long)(head_len + body);
}

static void record(uint64_t ns)
{
    if (g_nlat == g_caplat) {
        g_caplat = g_caplat ? g_caplat * 2 : 1 << 20;
        g_lat = realloc(g_lat, g_caplat * sizeof *g_lat);
        if (!g_lat)
            die("realloc");
    }
    uint64_t us = ns / 1000;
    g_lat[g_nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    if (!g_nlat)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)(g_nlat - 1) + 0.5);
    return g_lat[i] / 1000.0;
}

static char *build_request(const char *path)
{
    const char *body_hdr = (strcmp(g_method, "POST") == 0 || strcmp(g_method, "PATCH") == 0 ||
                            strcmp(g_method, "PUT") == 0) ? "Content-Length: 0\r\n" : "";
    char *r = NULL;
    if (asprintf(&r, "%s %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s\r\n", g_method, path, g_addr, g_port,
                 g_headers ? g_headers : "", body_hdr) < 0)
        die("asprintf");
    return r;
}

static void reconnect(int ep, conn_t *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    detach(c);
    attach(c, open_conn());
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        die("epoll_ctl");
    g_reconnects++;
    start_request(c);
}

int main(int argc, char **argv)
{
    const char *single = NULL, *pathsfile = NULL, *locfile = NULL;
    size_t hcap = 0, hlen = 0;
    int opt;
    while ((opt = getopt(argc, argv, "a:p:c:d:w:m:s:u:f:H:L:t:")) != -1) {
        switch (opt) {
        case 'a': g_addr = optarg; break;
        case 'p': g_port = atoi(optarg); break;
        case 'c': g_conns = atoi(optarg); break;
        case 'd': g_secs = atof(optarg); break;
        case 'w': g_warm = atof(optarg); break;
        case 'm': g_method = optarg; break;
        case 's': g_expect = atoi(optarg); break;
        case 'u': single = optarg; break;
        case 'f': pathsfile = optarg; break;
        case 'L': locfile = optarg; break;
        case 't':
            if (!(g_tls = SSL_CTX_new(TLS_client_method())) || SSL_CTX_load_verify_locations(g_tls, optarg, NULL) != 1)
                die("TLS setup (-t)");
            SSL_CTX_set_verify(g_tls, SSL_VERIFY_PEER, NULL);
            break;
        case 'H': {
            size_t l = strlen(optarg);
            if (hlen + l + 3 > hcap) {
                hcap = (hlen + l + 3) * 2;
                g_headers = realloc(g_headers, hcap);
            }
            memcpy(g_headers + hlen, optarg, l);
            memcpy(g_headers + hlen + l, "\r\n", 3);
            hlen += l + 2;
            break;
        }
        default:
            fprintf(stderr, "usage: loadgen -p PORT [-a ADDR] [-c CONNS] [-d SECS] [-w WARMUP] [-m METHOD] "
                            "[-s STATUS] [-u PATH | -f PATHSFILE] [-H 'Name: value']... [-L LOCFILE] [-t CAFILE]\n");
            return 2;
        }
    }
    if (g_port <= 0 || g_conns <= 0 || (!single && !pathsfile)) {
        fprintf(stderr, "loadgen: -p and -u or -f are required\n");
        return 2;
    }
    g_is_head = strcmp(g_method, "HEAD") == 0;
    if (single) {
        g_paths = malloc(sizeof *g_paths);
        g_paths[0] = strdup(single);
        g_npaths = 1;
    } else {
        FILE *f = fopen(pathsfile, "r");
        if (!f)
            die(pathsfile);
        char line[4096];
        int cap = 0;
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = 0;
            if (!*line)
                continue;
            if (g_npaths == cap) {
                cap = cap ? cap * 2 : 64;
                g_paths = realloc(g_paths, (size_t)cap * sizeof *g_paths);
            }
            g_paths[g_npaths++] = strdup(line);
        }
        fclose(f);
        if (!g_npaths) {
            fprintf(stderr, "loadgen: %s has no paths\n", pathsfile);
            return 2;
        }
    }
    g_reqs = malloc((size_t)g_npaths * sizeof *g_reqs);
    g_req_lens = malloc((size_t)g_npaths * sizeof *g_req_lens);
    for (int i = 0; i < g_npaths; i++) {
        g_reqs[i] = build_request(g_paths[i]);
        g_req_lens[i] = strlen(g_reqs[i]);
    }
    if (locfile && !(g_loc = fopen(locfile, "w")))
        die(locfile);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    conn_t *conns = calloc((size_t)g_conns, sizeof *conns);
    for (int i = 0; i < g_conns; i++) {
        conn_t *c = &conns[i];
        attach(c, open_conn());
        c->path_idx = i % g_npaths;
        start_request(c);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
            die("epoll_ctl");
    }

    const uint64_t t0 = now_ns();
    const uint64_t t_count = t0 + (uint64_t)(g_warm * 1e9);
    const uint64_t t_end = t_count + (uint64_t)(g_secs * 1e9);
    uint64_t t_now = t0;
    struct epoll_event evs[256];
    while ((t_now = now_ns()) < t_end) {
        g_counting = t_now >= t_count;
        int n = epoll_wait(ep, evs, 256, 100);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            const int ready = tls_progress(c);
            if (ready < 0) {
                g_errors++;
                reconnect(ep, c);
                continue;
            }
            if (!ready)
                continue;
            /* Edge-triggered: over TLS an event may be the handshake's, so try both ways. */
            if ((evs[i].events & EPOLLOUT) || c->ssl) {
                if (try_send(c) < 0) {
                    g_errors++;
                    reconnect(ep, c);
                    continue;
                }
            }
            if (!c->ssl && !(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            for (;;) {
                ssize_t r = io_recv(c, c->buf + c->have, RBUF - c->have);
                if (r == -2)
                    break;
                if (r < 0) {
                    g_errors++;
                    reconnect(ep, c);
                    break;
                }
                if (r == 0) { /* server closed: the request in flight failed */
                    g_errors++;
                    reconnect(ep, c);
                    break;
                }
                c->have += (size_t)r;
                int status = 0;
                const char *loc = NULL;
                size_t loclen = 0;
                long len = parse_response(c, &status, &loc, &loclen);
                if (len < -1) { /* interim 1xx: drop it and keep reading */
                    size_t skip = (size_t)(-len - 10);
                    memmove(c->buf, c->buf + skip, c->have - skip);
                    c->have -= skip;
                    continue;
                }
                if (len < 0) {
                    g_errors++;
                    reconnect(ep, c);
                    break;
                }
                if (len == 0)
                    continue;
                if ((size_t)len != c->have) { /* bytes beyond one response: protocol error */
                    g_errors++;
                    reconnect(ep, c);
                    break;
                }
                uint64_t t_done = now_ns();
                if (g_counting && t_done < t_end) {
                    record(t_done - c->t_start);
                    if (g_expect && status != g_expect)
                        g_bad_status++;
                    else
                        g_ok++;
                    if (g_loc && loc)
                        fprintf(g_loc, "%.*s\n", (int)loclen, loc);
                }
                const char *hend = memmem(c->buf, c->have, "\r\n\r\n", 4);
                size_t cvlen;
                const char *cv = find_header(c->buf, hend + 2, "Connection", &cvlen);
                int must_close = cv && cvlen == 5 && strncasecmp(cv, "close", 5) == 0;
                c->path_idx = (c->path_idx + 1) % g_npaths;
                if (must_close) {
                    reconnect(ep, c);
                    break;
                }
                start_request(c);
                if (try_send(c) < 0) {
                    g_errors++;
                    reconnect(ep, c);
                    break;
                }
            }
        }
    }
    double secs = (double)(t_end - t_count) / 1e9;
    uint64_t total = g_ok + g_bad_status;
    qsort(g_lat, g_nlat, sizeof *g_lat, cmp_u32);
    double mean = 0;
    for (size_t i = 0; i < g_nlat; i++)
        mean += g_lat[i];
    mean = g_nlat ? mean / (double)g_nlat / 1000.0 : 0;
    printf("requests=%llu ok=%llu bad_status=%llu errors=%llu reconnects=%llu seconds=%.3f rps=%.1f "
           "mean_ms=%.3f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
           (unsigned long long)total, (unsigned long long)g_ok, (unsigned long long)g_bad_status,
           (unsigned long long)g_errors, (unsigned long long)g_reconnects, secs, (double)total / secs, mean,
           pct(50), pct(90), pct(99), g_nlat ? g_lat[g_nlat - 1] / 1000.0 : 0.0);
    if (g_loc)
        fclose(g_loc);
    for (int i = 0; i < g_conns; i++)
        detach(&conns[i]);
    return total ? 0 : 1;
}
