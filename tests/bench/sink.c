/* sink: the loopback ceiling for the qtus benchmark. A tus-shaped HTTP/1.1 server that
 * stores nothing: POST /files/ answers 201 with a Location, PATCH /files/N reads its body
 * (Content-Length framed) into a scratch buffer and throws it away, then answers 204 with
 * the new Upload-Offset; HEAD /files/N answers 200 with the offset. Offsets are kept in
 * memory, so the benchmark client's check (HEAD offset == size) still proves every byte
 * arrived. One thread, epoll, keep-alive; anything else gets 400 and the connection closes.
 *
 *   cc -O2 -o sink sink.c && ./sink [-a 127.0.0.1] [-p 0]
 * Prints `sink listening on http://ADDR:PORT/files/` once listening.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX 16384
#define SCRATCH (256 * 1024)

typedef struct {
    int fd;
    char head[HEAD_MAX];
    size_t have;          /* bytes of the request head (and possibly body) in head[] */
    uint64_t body_left;   /* body bytes still to discard */
    long id;              /* upload being patched */
    uint64_t received;
} conn_t;

static uint64_t *g_offsets;
static long g_nuploads, g_cap;
static char g_scratch[SCRATCH];
static char g_hostport[128];

static void die(const char *msg)
{
    fprintf(stderr, "sink: %s: %s\n", msg, strerror(errno));
    exit(1);
}

static void send_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) { /* tiny responses; the buffer is never full here */
                usleep(100);
                continue;
            }
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

static void reply(conn_t *c, const char *status, const char *extra)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "HTTP/1.1 %s\r\nTus-Resumable: 1.0.0\r\n%s\r\n", status, extra);
    send_all(c->fd, buf, (size_t)n);
}

static const char *header(const char *head, const char *end, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p && p + 2 < end; p = strstr(p + 2, "\r\n")) {
        const char *l = p + 2;
        if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            l += nl + 1;
            while (*l == ' ' || *l == '\t')
                l++;
            return l;
        }
    }
    return NULL;
}

static long upload_id(const char *target)
{
    if (strncmp(target, "/files/", 7) != 0)
        return -1;
    char *end;
    long id = strtol(target + 7, &end, 10);
    return (end != target + 7 && *end == ' ' && id > 0 && id <= g_nuploads) ? id : -1;
}

/* Handles one complete head in c->head[0, head_len). Returns 0 to keep going, -1 to close. */
static int handle_head(conn_t *c, size_t head_len)
{
    char *h = c->head;
    h[head_len - 1] = 0; /* the final '\n' of the blank line; strstr stays inside the head */
    const char *end = h + head_len - 1;
    const char *sp = strchr(h, ' ');
    if (!sp)
        return -1;
    const char *target = sp + 1;
    const char *cl = header(h, end, "Content-Length");
    uint64_t len = cl ? strtoull(cl, NULL, 10) : 0;
    if (header(h, end, "Transfer-Encoding"))
        return reply(c, "400 Bad Request", "Content-Length: 0\r\nConnection: close\r\n"), -1;
    char extra[256];
    if (strncmp(h, "POST ", 5) == 0 && strncmp(target, "/files/ ", 8) == 0) {
        if (g_nuploads == g_cap) {
            g_cap = g_cap ? g_cap * 2 : 1024;
            g_offsets = realloc(g_offsets, (size_t)g_cap * sizeof *g_offsets);
            if (!g_offsets)
                die("realloc");
        }
        g_offsets[g_nuploads++] = 0;
        c->id = 0; /* a POST body (creation-with-upload) is not supported: discard it */
        c->body_left = len;
        snprintf(extra, sizeof extra, "Location: http://%s/files/%ld\r\nContent-Length: 0\r\n", g_hostport, g_nuploads);
        reply(c, "201 Created", extra);
        return 0;
    }
    long id = upload_id(target);
    if (id < 0)
        return reply(c, "404 Not Found", "Content-Length: 0\r\nConnection: close\r\n"), -1;
    if (strncmp(h, "HEAD ", 5) == 0) {
        snprintf(extra, sizeof extra, "Upload-Offset: %llu\r\nCache-Control: no-store\r\n",
                 (unsigned long long)g_offsets[id - 1]);
        reply(c, "200 OK", extra);
        return 0;
    }
    if (strncmp(h, "PATCH ", 6) == 0) {
        c->id = id;
        c->received = 0;
        c->body_left = len;
        return 0;
    }
    return reply(c, "405 Method Not Allowed", "Content-Length: 0\r\nConnection: close\r\n"), -1;
}

static void body_done(conn_t *c)
{
    if (!c->id)
        return;
    char extra[128];
    g_offsets[c->id - 1] += c->received;
    snprintf(extra, sizeof extra, "Upload-Offset: %llu\r\n", (unsigned long long)g_offsets[c->id - 1]);
    c->id = 0;
    reply(c, "204 No Content", extra);
}

/* Consumes what is in c->head after a head was handled (pipelined bytes or body). */
static int process_buffer(conn_t *c)
{
    for (;;) {
        if (c->body_left) {
            size_t n = c->have < c->body_left ? c->have : (size_t)c->body_left;
            c->body_left -= n;
            c->received += n;
            memmove(c->head, c->head + n, c->have - n);
            c->have -= n;
            if (c->body_left)
                return 0;
            body_done(c);
            continue;
        }
        char *e = memmem(c->head, c->have, "\r\n\r\n", 4);
        if (!e)
            return c->have >= HEAD_MAX ? -1 : 0;
        size_t head_len = (size_t)(e - c->head) + 4;
        c->id = 0;
        if (handle_head(c, head_len) < 0)
            return -1;
        memmove(c->head, c->head + head_len, c->have - head_len);
        c->have -= head_len;
        if (!c->body_left && c->id)
            body_done(c); /* PATCH with an empty body */
    }
}

static int on_readable(conn_t *c)
{
    for (;;) {
        ssize_t n;
        if (c->body_left && c->have == 0) {
            size_t want = c->body_left < SCRATCH ? (size_t)c->body_left : SCRATCH;
            n = recv(c->fd, g_scratch, want, 0);
            if (n > 0) {
                c->body_left -= (uint64_t)n;
                c->received += (uint64_t)n;
                if (!c->body_left) {
                    body_done(c);
                }
                continue;
            }
        } else {
            n = recv(c->fd, c->head + c->have, HEAD_MAX - c->have, 0);
            if (n > 0) {
                c->have += (size_t)n;
                if (process_buffer(c) < 0)
                    return -1;
                continue;
            }
        }
        if (n == 0)
            return -1;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (errno == EINTR)
            continue;
        return -1;
    }
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1";
    int port = 0, opt;
    while ((opt = getopt(argc, argv, "a:p:")) != -1) {
        if (opt == 'a')
            addr = optarg;
        else if (opt == 'p')
            port = atoi(optarg);
        else {
            fprintf(stderr, "usage: sink [-a ADDR] [-p PORT]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ls < 0)
        die("socket");
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "sink: bad address %s\n", addr);
        return 2;
    }
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1024) < 0)
        die("bind/listen");
    socklen_t sl = sizeof sa;
    getsockname(ls, (struct sockaddr *)&sa, &sl);
    snprintf(g_hostport, sizeof g_hostport, "%s:%d", addr, ntohs(sa.sin_port));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    printf("sink listening on http://%s/files/\n", g_hostport);
    fflush(stdout);

    struct epoll_event evs[128];
    for (;;) {
        int n = epoll_wait(ep, evs, 128, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_t *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            if (on_readable(c) < 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                free(c);
            }
        }
    }
}
