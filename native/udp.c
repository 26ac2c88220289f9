// vpcdns_udp: UDP sockets for the DNS data plane, read with recvmmsg and written with sendto, without
// Node's per-datagram machinery (a Buffer with its own backing store, an rinfo object with a printed
// address and a MakeCallback per datagram received; a SendWrap, a request object and an address parse
// per datagram sent). docs/adr/0002-native-udp.md says why and what it measured.
//
// The JavaScript side (src/dataplane/datagram.ts) gives this module, once per process, a receive slab
// (BATCH slots of SLOT bytes) and a metadata array (META_INTS int32 per slot). When a socket is
// readable, one recvmmsg fills up to BATCH slots, and the socket's JavaScript callback is called once,
// with the number of datagrams; it copies each out before it returns (the slab is reused by the next
// read of any socket).
//
// Sends are synchronous (the socket is non-blocking): the result is known at once, so a send error is
// reported to the caller without a callback. A send the kernel refuses with EAGAIN (the socket's send
// buffer is full) is copied into the socket's own queue, which is written when the socket becomes
// writable, in order, before any later send; beyond MAX_QUEUED datagrams a send is dropped (UDP loses
// datagrams under overload anyway) and counted.
//
// Lifetime: a socket's memory is freed when both its libuv handle has closed and its JavaScript
// handle (an external) has been garbage collected. close() stops polling and closes the descriptor at
// once; no callback runs after it.
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define BATCH 32
#define SLOT 65536
#define META_INTS 8
#define MAX_QUEUED 4096

typedef struct {
  uint8_t *slab;
  int32_t *meta;
  napi_ref slab_ref;
  napi_ref meta_ref;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
} Addon;

typedef struct Queued {
  struct Queued *next;
  struct sockaddr_storage to;
  socklen_t tolen;
  size_t len;
  uint8_t data[];
} Queued;

typedef struct {
  uv_poll_t poll; // first: the handle's address is the socket's
  int fd;
  int family;
  int closed;
  int refs; // the libuv handle and the JavaScript external; freed at zero
  int polling_writable;
  int defer_next; // tests: the next sends are queued as if the kernel had said EAGAIN
  napi_env env;
  Addon *addon;
  napi_ref callback;
  napi_async_context async;
  Queued *head;
  Queued *tail;
  uint32_t queued;
  double queued_total;  // sends that waited for the socket to become writable
  double dropped_total; // sends dropped: the queue was full, or a queued send failed
} Sock;

#define CHECK(call)                                                                                        \
  do {                                                                                                     \
    if ((call) != napi_ok) return NULL;                                                                    \
  } while (0)

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *address, int port) {
  char msg[160];
  const char *name = uv_err_name(-err);
  if (address != NULL)
    snprintf(msg, sizeof msg, "%s %s %s:%d", syscall, name, address, port);
  else
    snprintf(msg, sizeof msg, "%s %s", syscall, name);
  napi_value code, message, error;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message) != napi_ok) return NULL;
  if (napi_create_error(env, code, message, &error) != napi_ok) return NULL;
  napi_value errno_value;
  if (napi_create_int32(env, -err, &errno_value) == napi_ok) napi_set_named_property(env, error, "errno", errno_value);
  napi_value syscall_value;
  if (napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value) == napi_ok)
    napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
  return NULL;
}

static void sock_release(Sock *s) {
  if (--s->refs == 0) free(s);
}

static void on_closed(uv_handle_t *handle) { sock_release((Sock *)handle); }

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Sock *s = (Sock *)data;
  // Collected without close(): the socket cannot be used any more, so close it now. (The callback's
  // reference is strong, so this happens only after close() in practice.)
  if (!s->closed) {
    s->closed = 1;
    uv_poll_stop(&s->poll);
    close(s->fd);
    uv_close((uv_handle_t *)&s->poll, on_closed);
    if (s->callback != NULL) napi_delete_reference(env, s->callback);
    s->callback = NULL;
  }
  sock_release(s);
}

static void free_queue(Sock *s) {
  Queued *q = s->head;
  while (q != NULL) {
    Queued *next = q->next;
    free(q);
    q = next;
  }
  s->head = s->tail = NULL;
  s->queued = 0;
}

/** Writes what waited for the socket to become writable; returns 1 if some still waits. */
static int flush_queue(Sock *s) {
  while (s->head != NULL) {
    Queued *q = s->head;
    ssize_t n = sendto(s->fd, q->data, q->len, 0, (struct sockaddr *)&q->to, q->tolen);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 1;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) s->dropped_total++; // no caller to tell any more
    s->head = q->next;
    if (s->head == NULL) s->tail = NULL;
    s->queued--;
    free(q);
  }
  return 0;
}

static void set_polling(Sock *s, int writable);

static void on_poll(uv_poll_t *handle, int status, int events) {
  Sock *s = (Sock *)handle;
  if (s->closed) return;
  if (status < 0) events = UV_READABLE; // a pending socket error: the read returns (and clears) it
  if ((events & UV_WRITABLE) && !flush_queue(s)) set_polling(s, 0);
  if (!(events & UV_READABLE) || s->closed) return;

  Addon *a = s->addon;
  int n;
  do {
    n = recvmmsg(s->fd, a->msgs, BATCH, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return; // EAGAIN (another reader took it), or an error the read has now cleared

  int32_t *m = a->meta;
  for (int i = 0; i < n; i++, m += META_INTS) {
    struct msghdr *h = &a->msgs[i].msg_hdr;
    h->msg_namelen = sizeof a->from[i]; // the kernel wrote the sender's length there: ready for the next read
    m[0] = i * SLOT;
    // A datagram longer than a slot cannot happen (a slot holds the largest UDP payload); if the kernel
    // says it was cut anyway, the reader drops it (length -1).
    m[1] = (h->msg_flags & MSG_TRUNC) ? -1 : (int32_t)a->msgs[i].msg_len;
    if (a->from[i].ss_family == AF_INET6) {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->from[i];
      m[2] = ntohs(sin6->sin6_port);
      m[3] = 6;
      memcpy(&m[4], &sin6->sin6_addr, 16);
    } else {
      struct sockaddr_in *sin = (struct sockaddr_in *)&a->from[i];
      m[2] = ntohs(sin->sin_port);
      m[3] = 4;
      m[4] = (int32_t)ntohl(sin->sin_addr.s_addr);
      m[5] = m[6] = m[7] = 0;
    }
  }

  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[1], result;
  if (napi_get_reference_value(env, s->callback, &fn) == napi_ok && fn != NULL &&
      napi_get_global(env, &recv) == napi_ok && napi_create_int32(env, n, &argv[0]) == napi_ok) {
    // make_callback, not call_function: it runs the tick and microtask queues afterwards, as Node does
    // after an I/O callback.
    napi_status st = napi_make_callback(env, s->async, recv, fn, 1, argv, &result);
    if (st == napi_pending_exception) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void set_polling(Sock *s, int writable) {
  if (s->closed || s->polling_writable == writable) return;
  s->polling_writable = writable;
  uv_poll_start(&s->poll, writable ? (UV_READABLE | UV_WRITABLE) : UV_READABLE, on_poll);
}

static Addon *get_addon(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok) return NULL;
  return (Addon *)data;
}

static void addon_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  Addon *a = (Addon *)data;
  if (a->slab_ref != NULL) napi_delete_reference(env, a->slab_ref);
  if (a->meta_ref != NULL) napi_delete_reference(env, a->meta_ref);
  free(a);
}

/** init(slab: Buffer of BATCH*SLOT bytes, meta: Int32Array of BATCH*META_INTS): once per process. */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Addon *a = get_addon(env);
  if (a == NULL) {
    napi_throw_error(env, NULL, "vpcdns_udp: no instance data");
    return NULL;
  }
  void *slab;
  size_t slab_len;
  if (argc < 2 || napi_get_buffer_info(env, argv[0], &slab, &slab_len) != napi_ok || slab_len < (size_t)BATCH * SLOT) {
    napi_throw_type_error(env, NULL, "init: slab must be a Buffer of BATCH*SLOT bytes");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *meta;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &meta, NULL, NULL) != napi_ok || type != napi_int32_array ||
      length < (size_t)BATCH * META_INTS) {
    napi_throw_type_error(env, NULL, "init: meta must be an Int32Array of BATCH*META_INTS");
    return NULL;
  }
  if (a->slab_ref != NULL) napi_delete_reference(env, a->slab_ref);
  if (a->meta_ref != NULL) napi_delete_reference(env, a->meta_ref);
  CHECK(napi_create_reference(env, argv[0], 1, &a->slab_ref));
  CHECK(napi_create_reference(env, argv[1], 1, &a->meta_ref));
  a->slab = (uint8_t *)slab;
  a->meta = (int32_t *)meta;
  // The read vectors point into the slab once and for all; each read only resets the sender lengths it used.
  for (int i = 0; i < BATCH; i++) {
    a->iov[i].iov_base = a->slab + (size_t)i * SLOT;
    a->iov[i].iov_len = SLOT;
    memset(&a->msgs[i].msg_hdr, 0, sizeof a->msgs[i].msg_hdr);
    a->msgs[i].msg_hdr.msg_iov = &a->iov[i];
    a->msgs[i].msg_hdr.msg_iovlen = 1;
    a->msgs[i].msg_hdr.msg_name = &a->from[i];
    a->msgs[i].msg_hdr.msg_namelen = sizeof a->from[i];
  }
  return NULL;
}

static int parse_address(napi_env env, napi_value value, int family, int port, struct sockaddr_storage *ss, socklen_t *len,
                         char *text, size_t text_size) {
  size_t n;
  if (napi_get_value_string_latin1(env, value, text, text_size, &n) != napi_ok || n + 1 >= text_size) return 0;
  memset(ss, 0, sizeof *ss);
  if (family == 6) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    *len = sizeof *sin6;
    // A link-local address may name its interface: fe80::1%eth0 (or %2).
    char *percent = strchr(text, '%');
    if (percent != NULL) {
      *percent = 0;
      const char *zone = percent + 1;
      char *end;
      unsigned long index = strtoul(zone, &end, 10);
      sin6->sin6_scope_id = (*zone != 0 && *end == 0) ? (uint32_t)index : if_nametoindex(zone);
      int ok = sin6->sin6_scope_id != 0 && inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1;
      *percent = '%';
      return ok;
    }
    return inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1;
  }
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;
  sin->sin_family = AF_INET;
  sin->sin_port = htons((uint16_t)port);
  *len = sizeof *sin;
  return inet_pton(AF_INET, text, &sin->sin_addr) == 1;
}

/**
 * open(family 4|6, address, port, recvBufferBytes, onDatagrams(count), reusePort) -> handle; throws with
 * .code on failure. reusePort: join the address's SO_REUSEPORT group (the kernel spreads datagrams over
 * the group's sockets by flow), as each cluster worker's listener does.
 */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Addon *a = get_addon(env);
  if (a == NULL || a->slab == NULL) {
    napi_throw_error(env, NULL, "open: init() has not been called");
    return NULL;
  }
  int32_t family, port, rcvbuf;
  napi_valuetype fn_type;
  if (argc < 5 || napi_get_value_int32(env, argv[0], &family) != napi_ok || (family != 4 && family != 6) ||
      napi_get_value_int32(env, argv[2], &port) != napi_ok || port < 0 || port > 65535 ||
      napi_get_value_int32(env, argv[3], &rcvbuf) != napi_ok || napi_typeof(env, argv[4], &fn_type) != napi_ok ||
      fn_type != napi_function) {
    napi_throw_type_error(env, NULL, "open(family, address, port, recvBufferBytes, callback): bad arguments");
    return NULL;
  }
  char text[64];
  struct sockaddr_storage ss;
  socklen_t sslen;
  if (!parse_address(env, argv[1], family, port, &ss, &sslen, text, sizeof text)) {
    return throw_errno(env, EINVAL, "bind", text, port);
  }
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket", NULL, 0);
  int one = 1;
  if (family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "setsockopt", NULL, 0);
  }
  bool reuse_port = false;
  if (argc >= 6) napi_get_value_bool(env, argv[5], &reuse_port); // not a boolean: false
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "setsockopt", NULL, 0);
  }
  if (bind(fd, (struct sockaddr *)&ss, sslen) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "bind", text, port);
  }
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf); // capped by rmem_max; best effort

  Sock *s = (Sock *)calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  s->fd = fd;
  s->family = family;
  s->env = env;
  s->addon = a;
  s->refs = 1; // the libuv handle's; the external's is added below
  uv_loop_t *loop;
  napi_value resource, name, external;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init_socket(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    napi_throw_error(env, NULL, "cannot poll the socket");
    return NULL;
  }
  // From here on the handle exists: failures close it through uv_close, which frees s.
  if (napi_create_reference(env, argv[4], 1, &s->callback) != napi_ok || napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "vpcdns:udp", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, resource, name, &s->async) != napi_ok ||
      napi_create_external(env, s, on_finalize, NULL, &external) != napi_ok) {
    s->closed = 1;
    close(fd);
    if (s->callback != NULL) napi_delete_reference(env, s->callback);
    uv_close((uv_handle_t *)&s->poll, on_closed);
    napi_throw_error(env, NULL, "cannot create the socket handle");
    return NULL;
  }
  s->refs = 2;
  if (uv_poll_start(&s->poll, UV_READABLE, on_poll) != 0) {
    // The external exists; close now, the finalizer will free it.
    s->closed = 1;
    close(fd);
    napi_delete_reference(env, s->callback);
    s->callback = NULL;
    napi_async_destroy(env, s->async);
    uv_close((uv_handle_t *)&s->poll, on_closed);
    napi_throw_error(env, NULL, "cannot poll the socket");
    return NULL;
  }
  return external;
}

static Sock *get_sock(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a vpcdns_udp socket");
    return NULL;
  }
  return (Sock *)data;
}

/**
 * send(handle, buffer, port, address) -> 0 sent, 1 queued until writable, or a negative errno (not thrown:
 * the caller reports it as dgram would, to the sender's callback).
 */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Sock *s = get_sock(env, argv[0]);
  if (s == NULL) return NULL;
  int rc = 0;
  void *data;
  size_t len;
  int32_t port;
  char text[64];
  struct sockaddr_storage to;
  socklen_t tolen;
  if (s->closed) {
    rc = -EBADF;
  } else if (argc < 4 || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok ||
             napi_get_value_int32(env, argv[2], &port) != napi_ok || port <= 0 || port > 65535 ||
             !parse_address(env, argv[3], s->family, port, &to, &tolen, text, sizeof text)) {
    rc = -EINVAL;
  } else if (s->defer_next > 0) {
    s->defer_next--;
    rc = 2;
  } else if (s->head != NULL) {
    rc = 2; // keep the order: behind what already waits
  } else {
    ssize_t n;
    do {
      n = sendto(s->fd, data, len, 0, (struct sockaddr *)&to, tolen);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) rc = 0;
    else if (errno == EAGAIN || errno == EWOULDBLOCK) rc = 2;
    else rc = -errno;
  }
  if (rc == 2) {
    if (s->queued >= MAX_QUEUED) {
      s->dropped_total++;
      rc = -ENOBUFS;
    } else {
      Queued *q = (Queued *)malloc(sizeof *q + len);
      if (q == NULL) {
        s->dropped_total++;
        rc = -ENOMEM;
      } else {
        q->next = NULL;
        q->to = to;
        q->tolen = tolen;
        q->len = len;
        memcpy(q->data, data, len);
        if (s->tail == NULL) s->head = q;
        else s->tail->next = q;
        s->tail = q;
        s->queued++;
        s->queued_total++;
        set_polling(s, 1);
        rc = 1;
      }
    }
  }
  CHECK(napi_create_int32(env, rc, &result));
  return result;
}

/** close(handle): stops reading, drops what waits to be written, closes the descriptor. Idempotent. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Sock *s = get_sock(env, argv[0]);
  if (s == NULL || s->closed) return NULL;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  s->dropped_total += s->queued;
  free_queue(s);
  napi_delete_reference(env, s->callback);
  s->callback = NULL;
  napi_async_destroy(env, s->async);
  uv_close((uv_handle_t *)&s->poll, on_closed);
  return NULL;
}

/** localPort(handle) -> the bound port. */
static napi_value js_local_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Sock *s = get_sock(env, argv[0]);
  if (s == NULL) return NULL;
  if (s->closed) return throw_errno(env, EBADF, "getsockname", NULL, 0);
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(s->fd, (struct sockaddr *)&ss, &len) != 0) return throw_errno(env, errno, "getsockname", NULL, 0);
  int port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  CHECK(napi_create_int32(env, port, &result));
  return result;
}

/** counters(handle) -> [waited for writable, dropped, waiting now]. */
static napi_value js_counters(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Sock *s = get_sock(env, argv[0]);
  if (s == NULL) return NULL;
  CHECK(napi_create_array_with_length(env, 3, &result));
  CHECK(napi_create_double(env, s->queued_total, &v));
  CHECK(napi_set_element(env, result, 0, v));
  CHECK(napi_create_double(env, s->dropped_total, &v));
  CHECK(napi_set_element(env, result, 1, v));
  CHECK(napi_create_double(env, s->queued, &v));
  CHECK(napi_set_element(env, result, 2, v));
  return result;
}

/** deferSends(handle, n): for tests, the next n sends wait in the queue as if the kernel had said EAGAIN. */
static napi_value js_defer_sends(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Sock *s = get_sock(env, argv[0]);
  int32_t n;
  if (s == NULL) return NULL;
  if (argc < 2 || napi_get_value_int32(env, argv[1], &n) != napi_ok || n < 0) {
    napi_throw_type_error(env, NULL, "deferSends(handle, n)");
    return NULL;
  }
  s->defer_next = n;
  return NULL;
}

/** peerText(slot) -> the printed source address of the datagram in that slot of the last read (IPv6 readers). */
static napi_value js_peer_text(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Addon *a = get_addon(env);
  int32_t slot;
  if (a == NULL || napi_get_value_int32(env, argv[0], &slot) != napi_ok || slot < 0 || slot >= BATCH) {
    napi_throw_range_error(env, NULL, "peerText: bad slot");
    return NULL;
  }
  char text[INET6_ADDRSTRLEN];
  const void *addr = a->from[slot].ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&a->from[slot])->sin6_addr
                                                          : (const void *)&((struct sockaddr_in *)&a->from[slot])->sin_addr;
  if (inet_ntop(a->from[slot].ss_family, addr, text, sizeof text) == NULL) text[0] = 0;
  CHECK(napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &result));
  return result;
}

/** errorName(negative errno) -> "EINVAL" etc. */
static napi_value js_error_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t code;
  if (napi_get_value_int32(env, argv[0], &code) != napi_ok) code = -EINVAL;
  CHECK(napi_create_string_utf8(env, uv_err_name(code), NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  Addon *a = (Addon *)calloc(1, sizeof *a);
  if (a == NULL) return NULL;
  if (napi_set_instance_data(env, a, addon_finalize, NULL) != napi_ok) {
    free(a);
    return NULL;
  }
  napi_property_descriptor props[] = {
      {"init", NULL, js_init, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"localPort", NULL, js_local_port, NULL, NULL, NULL, napi_default, NULL},
      {"counters", NULL, js_counters, NULL, NULL, NULL, napi_default, NULL},
      {"deferSends", NULL, js_defer_sends, NULL, NULL, NULL, napi_default, NULL},
      {"peerText", NULL, js_peer_text, NULL, NULL, NULL, napi_default, NULL},
      {"errorName", NULL, js_error_name, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  napi_value batch, slot, meta;
  if (napi_create_int32(env, BATCH, &batch) == napi_ok) napi_set_named_property(env, exports, "BATCH", batch);
  if (napi_create_int32(env, SLOT, &slot) == napi_ok) napi_set_named_property(env, exports, "SLOT", slot);
  if (napi_create_int32(env, META_INTS, &meta) == napi_ok) napi_set_named_property(env, exports, "META_INTS", meta);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
