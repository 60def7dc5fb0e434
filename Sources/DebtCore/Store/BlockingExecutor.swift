import Dispatch

/// A task executor with a thread of its own, for tasks that block it: a libpq call waits for the server
/// inside a synchronous function.
///
/// Swift's cooperative pool has one thread per core. A rebuild runs its replay beside two tasks that
/// block in libpq (the next page's FETCH, the last batch's COPY); on the pool, on a machine with two
/// cores, whenever both waited for PostgreSQL at once the replay had no thread left to run on. A task
/// started with this executor as its preference (`Task(executorPreference:)`) runs its nonisolated work
/// here instead, one job at a time, in order.
final class BlockingExecutor: TaskExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
