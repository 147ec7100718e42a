/**
 * The result of a file operation, or undefined when the file (or folder) is not there — e.g. a
 * cache entry another process removed meanwhile. Every other failure still rejects.
 */
export async function ifPresent<T>(operation: Promise<T>): Promise<T | undefined> {
  try {
    return await operation;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
