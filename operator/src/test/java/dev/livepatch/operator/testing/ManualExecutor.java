package dev.livepatch.operator.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An executor whose tasks run only when a test says so, on the test's thread: {@link #runAll}, or
 * one chosen task at a time ({@link #run}), so a test decides when (and in which order) writes
 * that no reconcile waits for complete.
 */
public final class ManualExecutor extends AbstractExecutorService {
    private final List<Runnable> queued = new ArrayList<>();
    private boolean shutdown;

    @Override
    public synchronized void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        queued.add(task);
    }

    public synchronized int pending() {
        return queued.size();
    }

    /** Runs the queued task at {@code index}. */
    public void run(int index) {
        Runnable task;
        synchronized (this) {
            task = queued.remove(index);
        }
        task.run();
    }

    /** Runs queued tasks, and those they queue, until none is left. */
    public void runAll() {
        while (pending() > 0) {
            run(0);
        }
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        synchronized (this) {
            List<Runnable> left = new ArrayList<>(queued);
            queued.clear();
            return left;
        }
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && queued.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        runAll();
        return true;
    }
}
