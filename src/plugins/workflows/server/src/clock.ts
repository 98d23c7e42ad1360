import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The engine's clock: the real time, unless work runs `at` a given instant. Demo data is
 * made through the processes themselves, each run at its own date; this is how the steps, the
 * payments and the tasks of a run learn that date. Nothing else sets it.
 */
const pinned = new AsyncLocalStorage<Date>();

export const at = <T>(instant: Date, work: () => Promise<T>): Promise<T> => pinned.run(instant, work);

export const now = (): Date => new Date(pinned.getStore()?.getTime() ?? Date.now());

export const today = (): string => now().toISOString().slice(0, 10);
