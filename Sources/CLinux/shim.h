// Linux system calls that the toolchain's Glibc module leaves out (epoll, eventfd, accept4).
// Only NetCore imports this module. No library to link: these live in libc.
#ifndef MPS_CLINUX_SHIM_H
#define MPS_CLINUX_SHIM_H
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

// glibc declares accept4 only under _GNU_SOURCE, which would clash with the Glibc module's
// view of shared headers; so declare it here (Linux >= 2.6.28, glibc >= 2.10).
extern int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

/// accept4 with non-blocking, close-on-exec flags.
static inline int mps_accept4_nonblocking(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/// Serve allocations of at least `bytes` with mmap (fixed threshold, no dynamic adjustment).
static inline int mps_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }

/// Return free heap pages to the kernel.
static inline int mps_malloc_trim(void) { return malloc_trim(0); }

/// A non-blocking, close-on-exec eventfd used to wake an event loop.
static inline int mps_eventfd_nonblocking(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/// epoll_event is packed on x86_64; these accessors keep Swift away from its layout.
static inline void mps_epoll_event_set(struct epoll_event *ev, uint32_t events, uint64_t data) {
    ev->events = events;
    ev->data.u64 = data;
}
static inline uint32_t mps_epoll_event_events(const struct epoll_event *ev) { return ev->events; }
static inline uint64_t mps_epoll_event_data(const struct epoll_event *ev) { return ev->data.u64; }

/// The calling thread's errno (a macro in glibc).
static inline int mps_errno(void) { return errno; }
#endif
