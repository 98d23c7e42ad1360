/**
 * The message an operation was refused with. Jest's `rejects.toThrow` only recognizes errors of
 * its own realm, and errors raised by a native driver loaded once per process (better-sqlite3)
 * come from the realm of the first test file, so assertions compare messages instead.
 */
export const rejection = async (operation: Promise<unknown>): Promise<string> => {
  try {
    await operation;
  } catch (error) {
    return String((error as { message?: unknown })?.message ?? error);
  }
  throw new Error('Expected the operation to be refused, but it succeeded');
};
