// A persistent worker pool. Workers spin briefly after each job (jobs come in quick succession during a forward
// step), then sleep on a condition variable so an idle engine costs no CPU.
//
// Tasks are claimed with a compare-and-swap on one 64-bit word holding (job generation, next task index), so a
// worker that wakes late can never run a task of a job that has moved on. The caller claims tasks too and waits only
// for tasks that were actually claimed: when the other threads are descheduled (a busy machine), the caller simply
// runs every task itself instead of waiting for them to wake up.
#include "MoEKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/// Spin iterations (each a pause, ~10-40 ns) before a worker goes to sleep.
#define SPIN_LIMIT 4000

struct mk_pool {
    int32_t n_threads;
    pthread_t *threads;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    pthread_mutex_t run_mutex;
    /// Job generation, bumped for every job (workers watch it to wake up).
    _Atomic uint64_t generation;
    /// (generation << 32) | next task index.
    _Atomic uint64_t claim;
    _Atomic int64_t completed;
    _Atomic int64_t n_tasks;
    _Atomic(mk_task_fn) fn;
    _Atomic(void *) ctx;
    _Atomic int32_t stop;
};

typedef struct {
    mk_pool *pool;
    int32_t index;
} worker_arg;

/// One round of waiting on another thread's task: a pause for the first SPIN_LIMIT rounds, then a yield of the CPU
/// (the other thread may be descheduled on a busy machine).
static inline void wait_round(int *spins) {
    if (++*spins < SPIN_LIMIT) {
        CPU_RELAX();
    } else {
        sched_yield();
    }
}

/// Claims and runs tasks of job `gen` until none remain or the job has changed.
static void run_tasks(mk_pool *pool, uint64_t gen, int64_t n, mk_task_fn fn, void *ctx, int32_t thread) {
    for (;;) {
        uint64_t c = atomic_load(&pool->claim);
        if ((c >> 32) != (gen & 0xffffffffu)) return;
        int64_t index = (int64_t)(c & 0xffffffffu);
        if (index >= n) return;
        if (!atomic_compare_exchange_weak(&pool->claim, &c, c + 1)) continue;
        fn(ctx, index, thread);
        atomic_fetch_add(&pool->completed, 1);
    }
}

static void *worker_main(void *p) {
    worker_arg arg = *(worker_arg *)p;
    free(p);
    mk_pool *pool = arg.pool;
    uint64_t seen = 0;
    for (;;) {
        int spins = 0;
        uint64_t gen;
        while ((gen = atomic_load(&pool->generation)) == seen) {
            if (atomic_load(&pool->stop)) return NULL;
            if (++spins < SPIN_LIMIT) {
                CPU_RELAX();
                continue;
            }
            pthread_mutex_lock(&pool->mutex);
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop)) {
                pthread_cond_wait(&pool->cond, &pool->mutex);
            }
            pthread_mutex_unlock(&pool->mutex);
            spins = 0;
        }
        if (atomic_load(&pool->stop)) return NULL;
        seen = gen;
        // The job's fields were published before `claim` moved to this generation; run_tasks re-checks it.
        uint64_t c = atomic_load(&pool->claim);
        if ((c >> 32) != (gen & 0xffffffffu)) continue;
        int64_t n = atomic_load(&pool->n_tasks);
        mk_task_fn fn = atomic_load(&pool->fn);
        void *ctx = atomic_load(&pool->ctx);
        run_tasks(pool, gen, n, fn, ctx, arg.index);
    }
}

mk_pool *mk_pool_create(int32_t n_threads) {
    if (n_threads < 1) n_threads = 1;
    mk_pool *pool = calloc(1, sizeof(mk_pool));
    if (!pool) return NULL;
    pool->n_threads = n_threads;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->cond, NULL);
    pthread_mutex_init(&pool->run_mutex, NULL);
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->claim, 0);
    atomic_init(&pool->completed, 0);
    atomic_init(&pool->n_tasks, 0);
    atomic_init(&pool->fn, NULL);
    atomic_init(&pool->ctx, NULL);
    atomic_init(&pool->stop, 0);
    pool->threads = calloc((size_t)n_threads, sizeof(pthread_t));
    if (!pool->threads) {
        free(pool);
        return NULL;
    }
    for (int32_t i = 1; i < n_threads; i++) {
        worker_arg *arg = malloc(sizeof(worker_arg));
        if (!arg) {
            pool->n_threads = i;
            mk_pool_destroy(pool);
            return NULL;
        }
        arg->pool = pool;
        arg->index = i;
        if (pthread_create(&pool->threads[i], NULL, worker_main, arg) != 0) {
            free(arg);
            pool->n_threads = i;
            mk_pool_destroy(pool);
            return NULL;
        }
    }
    return pool;
}

void mk_pool_destroy(mk_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->stop, 1);
    pthread_cond_broadcast(&pool->cond);
    pthread_mutex_unlock(&pool->mutex);
    for (int32_t i = 1; i < pool->n_threads; i++) pthread_join(pool->threads[i], NULL);
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->cond);
    pthread_mutex_destroy(&pool->run_mutex);
    free(pool->threads);
    free(pool);
}

int32_t mk_pool_threads(const mk_pool *pool) { return pool ? pool->n_threads : 1; }

void mk_pool_run(mk_pool *pool, int64_t n_tasks, mk_task_fn fn, void *ctx) {
    if (n_tasks <= 0) return;
    pthread_mutex_lock(&pool->run_mutex);
    if (pool->n_threads == 1 || n_tasks == 1 || n_tasks >= 0xffffffffLL) {
        for (int64_t t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        pthread_mutex_unlock(&pool->run_mutex);
        return;
    }
    const uint64_t gen = atomic_load(&pool->generation) + 1;
    atomic_store(&pool->n_tasks, n_tasks);
    atomic_store(&pool->fn, fn);
    atomic_store(&pool->ctx, ctx);
    atomic_store(&pool->completed, 0);
    atomic_store(&pool->claim, (gen & 0xffffffffu) << 32);
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->generation, gen);
    pthread_cond_broadcast(&pool->cond);
    pthread_mutex_unlock(&pool->mutex);
    run_tasks(pool, gen, n_tasks, fn, ctx, 0);
    // Every task is claimed; wait for those another thread is still running.
    int spins = 0;
    while (atomic_load(&pool->completed) < n_tasks) wait_round(&spins);
    // Close the job: a worker that read this generation late must never see a claimable index, even after the
    // next job's fields (a larger task count) are written.
    atomic_store(&pool->claim, ((gen & 0xffffffffu) << 32) | 0xffffffffu);
    pthread_mutex_unlock(&pool->run_mutex);
}

void mk_signal_add(int32_t *counter) {
    atomic_fetch_add_explicit((_Atomic int32_t *)counter, 1, memory_order_release);
}

void mk_signal_wait(const int32_t *counter, int32_t target) {
    int spins = 0;
    while (atomic_load_explicit((_Atomic int32_t *)counter, memory_order_acquire) < target) wait_round(&spins);
}
