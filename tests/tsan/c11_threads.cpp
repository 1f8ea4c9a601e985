// ThreadSanitizer builds only: C11 <threads.h> as plain pthread calls.
//
// glibc implements thrd_create, mtx_lock, cnd_wait and friends by calling its internal
// pthread functions directly, past the pthread_* symbols TSan intercepts (GCC 12 and
// clang 14 runtimes have no C11 thread interceptors). librdkafka uses C11 threads, so under
// TSan its threads were never registered and crashed in TSan's allocator on their first
// malloc, and its locks were invisible. Defined in the executable, these win over glibc's
// for librdkafka.so and go through the intercepted pthread calls. glibc's thrd_t, mtx_t and
// cnd_t are pthread_t, pthread_mutex_t and pthread_cond_t underneath.
#include <errno.h>
#include <pthread.h>
#include <threads.h>

#include <cstdint>
#include <new>

namespace {

struct ThreadStart {
  thrd_start_t fn;
  void* arg;
};

void* run_thread(void* p) {
  const ThreadStart start = *static_cast<ThreadStart*>(p);
  delete static_cast<ThreadStart*>(p);
  return reinterpret_cast<void*>(static_cast<intptr_t>(start.fn(start.arg)));
}

int result(int rc) {
  if (rc == 0) return thrd_success;
  if (rc == ETIMEDOUT) return thrd_timedout;
  if (rc == EBUSY) return thrd_busy;
  if (rc == ENOMEM || rc == EAGAIN) return thrd_nomem;
  return thrd_error;
}

pthread_mutex_t* native(mtx_t* m) {
  return reinterpret_cast<pthread_mutex_t*>(m);
}
pthread_cond_t* native(cnd_t* c) {
  return reinterpret_cast<pthread_cond_t*>(c);
}

}  // namespace

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t fn, void* arg) {
  auto* start = new (std::nothrow) ThreadStart{fn, arg};
  if (!start) return thrd_nomem;
  const int rc = pthread_create(thread, nullptr, run_thread, start);
  if (rc != 0) delete start;
  return result(rc);
}

int thrd_join(thrd_t thread, int* res) {
  void* value = nullptr;
  const int rc = pthread_join(thread, &value);
  if (rc == 0 && res) *res = static_cast<int>(reinterpret_cast<intptr_t>(value));
  return result(rc);
}

int thrd_detach(thrd_t thread) {
  return result(pthread_detach(thread));
}

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (type & mtx_recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  const int rc = pthread_mutex_init(native(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return result(rc);
}
int mtx_lock(mtx_t* m) {
  return result(pthread_mutex_lock(native(m)));
}
int mtx_trylock(mtx_t* m) {
  return result(pthread_mutex_trylock(native(m)));
}
int mtx_timedlock(mtx_t* m, const struct timespec* deadline) {
  return result(pthread_mutex_timedlock(native(m), deadline));
}
int mtx_unlock(mtx_t* m) {
  return result(pthread_mutex_unlock(native(m)));
}
void mtx_destroy(mtx_t* m) {
  pthread_mutex_destroy(native(m));
}

int cnd_init(cnd_t* c) {
  return result(pthread_cond_init(native(c), nullptr));
}
int cnd_signal(cnd_t* c) {
  return result(pthread_cond_signal(native(c)));
}
int cnd_broadcast(cnd_t* c) {
  return result(pthread_cond_broadcast(native(c)));
}
int cnd_wait(cnd_t* c, mtx_t* m) {
  return result(pthread_cond_wait(native(c), native(m)));
}
int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* deadline) {
  return result(pthread_cond_timedwait(native(c), native(m), deadline));
}
void cnd_destroy(cnd_t* c) {
  pthread_cond_destroy(native(c));
}

}  // extern "C"
