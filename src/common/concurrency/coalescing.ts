/**
 * Serializes writes and merges the changes that arrive while a write is in flight into the next
 * write: a burst of changes costs two writes, applied in order. Each caller's promise settles with
 * the write that carries its change.
 */
export function coalescing<T>(
  merge: (queued: T, next: T) => T,
  write: (merged: T) => Promise<void>,
): (change: T) => Promise<void> {
  let previous: Promise<unknown> = Promise.resolve();
  let queued: { change: T; done: Promise<void> } | undefined;
  return (change) => {
    if (queued) {
      queued.change = merge(queued.change, change);
      return queued.done;
    }
    const entry = { change } as { change: T; done: Promise<void> };
    entry.done = previous.then(() => {
      queued = undefined;
      return write(entry.change);
    });
    queued = entry;
    // The next write waits for this one however it ends; its callers hear a failure through `done`.
    previous = Promise.allSettled([entry.done]);
    return entry.done;
  };
}
