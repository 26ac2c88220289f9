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
// writable, in order, before any later send; beyond MAX_QUEUED datagrams or MAX_QUEUED_BYTES a send is
// refused (ENOBUFS: UDP loses datagrams under overload anyway) and counted.
//
// Lifetime: a socket's memory is freed when both its libuv handle has closed and its JavaScript
// handle (an external) has been garbage collected. close() stops polling and closes the descriptor at
// once; no callback runs after it. When the environment ends (the process exits, a worker thread is
// terminated), a cleanup hook closes the sockets still open and holds the teardown until libuv has
// closed their handles: the addon's code may be unloaded right after.
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
#define MAX_QUEUED_BYTES (4 * 1024 * 1024)

struct Sock;

typedef struct {
  uint8_t *slab;
  int32_t *meta;
  napi_ref slab_ref;
  napi_ref meta_ref;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  struct Sock *socks;                     // sockets whose libuv handle has not closed yet
  int live_handles;                       // how many
  napi_async_cleanup_hook_handle cleanup; // the environment's teardown waits while set
} Addon;

typedef struct Queued {
  struct Queued *next;
  struct sockaddr_storage to;
  socklen_t tolen;
  size_t len;
  uint8_t data[];
} Queued;

typedef struct Sock {
  uv_poll_t poll; // first: the handle's address is the socket's
  struct Sock *next_open;
  int fd;
  int family;
  int closed;
  int refs; // the libuv handle and the JavaScript external; freed at zero
  int polling_writable; // -1: unknown (libuv stopped the handle after a poll error)
  int in_callback;      // JavaScript is running for this socket (its async context is in use)
  int async_live;       // the async context has not been destroyed
  int defer_next; // tests: the next sends are queued as if the kernel had said EAGAIN
  napi_env env;
  Addon *addon;
  napi_ref callback;
  napi_async_context async;
  Queued *head;
  Queued *tail;
  uint32_t queued;
  size_t queued_bytes;
  double queued_total;  // sends that waited for the socket to become writable
  double dropped_total; // sends dropped: the queue was full, or a queued send failed
} Sock;

// Marks the externals this module makes, so that another module's external is not taken for a socket.
static const napi_type_tag SOCK_TAG = {0x767063646e735f75ULL, 0x6470736f636b6574ULL};

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

static void on_closed(uv_handle_t *handle) {
  Sock *s = (Sock *)handle;
  Addon *a = s->addon;
  for (Sock **p = &a->socks; *p != NULL; p = &(*p)->next_open) {
    if (*p == s) {
      *p = s->next_open;
      break;
    }
  }
  if (--a->live_handles == 0 && a->cleanup != NULL) {
    napi_async_cleanup_hook_handle h = a->cleanup;
    a->cleanup = NULL;
    napi_remove_async_cleanup_hook(h); // the teardown may go on (and free a)
  }
  sock_release(s);
}

static void free_queue(Sock *s);

/** Stops polling, closes the descriptor, drops what waits to be sent, and starts closing the handle. */
static void shut(Sock *s) {
  s->closed = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  s->dropped_total += s->queued;
  free_queue(s);
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

/** Lets go of the JavaScript callback and the async context (which waits while its callback runs). */
static void release_js(napi_env env, Sock *s) {
  if (s->callback != NULL) napi_delete_reference(env, s->callback);
  s->callback = NULL;
  if (s->async_live && !s->in_callback) {
    s->async_live = 0;
    napi_async_destroy(env, s->async);
  }
}

/** The environment is ending: close what is still open, and hold the teardown until libuv has closed it. */
static void on_env_cleanup(napi_async_cleanup_hook_handle h, void *arg) {
  Addon *a = (Addon *)arg;
  for (Sock *s = a->socks; s != NULL; s = s->next_open) {
    if (!s->closed) shut(s);
  }
  if (a->live_handles == 0) napi_remove_async_cleanup_hook(h);
  else a->cleanup = h;
}

static void on_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  Sock *s = (Sock *)data;
  // Collected without close() (the JavaScript side keeps open sockets reachable, so only at the
  // environment's end, or by a bug there): close it now.
  if (!s->closed) shut(s);
  release_js(env, s);
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
  s->queued_bytes = 0;
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
    s->queued_bytes -= q->len;
    free(q);
  }
  return 0;
}

static void set_polling(Sock *s, int writable);

static void on_poll(uv_poll_t *handle, int status, int events) {
  Sock *s = (Sock *)handle;
  if (s->closed) return;
  if (status < 0) {
    // libuv has stopped the handle (POLLERR): clear the socket's error, poll again, and try both ways.
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    s->polling_writable = -1;
    set_polling(s, s->head != NULL);
    events = UV_READABLE | (s->head != NULL ? UV_WRITABLE : 0);
  }
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
    s->in_callback = 1;
    napi_status st = napi_make_callback(env, s->async, recv, fn, 1, argv, &result);
    s->in_callback = 0;
    bool pending = false;
    if (st != napi_ok && napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
    // Closed by its own handler: its async context could not be destroyed while in use.
    if (s->closed) release_js(env, s);
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
  size_t n = 0;
  text[0] = 0;
  if (napi_get_value_string_latin1(env, value, text, text_size, &n) != napi_ok || n + 1 >= text_size || strlen(text) != n) return 0;
  memset(ss, 0, sizeof *ss);
  if (family == 6) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    *len = sizeof *sin6;
    // A link-local address may name its interface: fe80::1%eth0, or by index, fe80::1%2.
    char *percent = strchr(text, '%');
    if (percent != NULL) {
      *percent = 0;
      const char *zone = percent + 1;
      uint32_t index = 0;
      if (*zone >= '0' && *zone <= '9') {
        char *end;
        unsigned long long v = strtoull(zone, &end, 10);
        index = (*end == 0 && v <= UINT32_MAX) ? (uint32_t)v : 0;
      } else if (*zone != 0) {
        index = if_nametoindex(zone);
      }
      sin6->sin6_scope_id = index;
      int ok = index != 0 && inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1;
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
  s->polling_writable = 0;
  uv_loop_t *loop;
  napi_value resource, name, external;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init_socket(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    napi_throw_error(env, NULL, "cannot poll the socket");
    return NULL;
  }
  // From here on the handle exists: failures close it through uv_close, which frees s.
  a->live_handles++;
  s->next_open = a->socks;
  a->socks = s;
  if (napi_create_reference(env, argv[4], 1, &s->callback) != napi_ok || napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "vpcdns:udp", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, resource, name, &s->async) != napi_ok) {
    shut(s);
    release_js(env, s);
    napi_throw_error(env, NULL, "cannot create the socket handle");
    return NULL;
  }
  s->async_live = 1;
  if (napi_create_external(env, s, on_finalize, NULL, &external) != napi_ok) {
    shut(s);
    release_js(env, s);
    napi_throw_error(env, NULL, "cannot create the socket handle");
    return NULL;
  }
  s->refs = 2;
  if (napi_type_tag_object(env, external, &SOCK_TAG) != napi_ok || uv_poll_start(&s->poll, UV_READABLE, on_poll) != 0) {
    shut(s); // the external exists: the finalizer frees s
    release_js(env, s);
    napi_throw_error(env, NULL, "cannot poll the socket");
    return NULL;
  }
  return external;
}

static Sock *get_sock(napi_env env, napi_value value) {
  void *data = NULL;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &SOCK_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a vpcdns_udp socket");
    return NULL;
  }
  return (Sock *)data;
}

/** Reads up to max arguments into argv (argc: how many came); the first must be a socket, else NULL (thrown). */
static Sock *sock_args(napi_env env, napi_callback_info info, size_t max, napi_value *argv, size_t *argc) {
  *argc = max;
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (*argc < 1) {
    napi_throw_type_error(env, NULL, "a vpcdns_udp socket is required");
    return NULL;
  }
  return get_sock(env, argv[0]);
}

/**
 * send(handle, buffer, port, address) -> 0 sent, 1 queued until writable, or a negative errno (not thrown:
 * the caller reports it as dgram would, to the sender's callback).
 */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[4], result;
  Sock *s = sock_args(env, info, 4, argv, &argc);
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
    if (s->queued >= MAX_QUEUED || s->queued_bytes + len > MAX_QUEUED_BYTES) {
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
        s->queued_bytes += len;
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
  size_t argc;
  napi_value argv[1];
  Sock *s = sock_args(env, info, 1, argv, &argc);
  if (s == NULL || s->closed) return NULL;
  shut(s);
  release_js(env, s); // inside its own callback, the async context goes once the callback returns
  return NULL;
}

/** localPort(handle) -> the bound port. */
static napi_value js_local_port(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[1], result;
  Sock *s = sock_args(env, info, 1, argv, &argc);
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
  size_t argc;
  napi_value argv[1], result, v;
  Sock *s = sock_args(env, info, 1, argv, &argc);
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
  size_t argc;
  napi_value argv[2];
  int32_t n;
  Sock *s = sock_args(env, info, 2, argv, &argc);
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
  // A link-local sender carries its interface, as dgram prints it (fe80::1%eth0): a reply needs it.
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->from[slot];
  if (a->from[slot].ss_family == AF_INET6 && sin6->sin6_scope_id != 0 && IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) {
    char scoped[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    char ifname[IF_NAMESIZE];
    if (if_indextoname(sin6->sin6_scope_id, ifname) != NULL) snprintf(scoped, sizeof scoped, "%s%%%s", text, ifname);
    else snprintf(scoped, sizeof scoped, "%s%%%u", text, (unsigned)sin6->sin6_scope_id);
    CHECK(napi_create_string_latin1(env, scoped, NAPI_AUTO_LENGTH, &result));
    return result;
  }
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
  if (napi_add_async_cleanup_hook(env, on_env_cleanup, a, NULL) != napi_ok) return NULL;
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
