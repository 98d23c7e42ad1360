import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The process's clock: the real time, unless work runs `at` a given instant. The demo data is
 * made by the process itself, purchase by purchase and renewal by renewal, each at its own date;
 * this is how the engine's steps, payments and tasks learn that date. Nothing else sets it.
 */
const pinned = new AsyncLocalStorage<Date>();

export const at = <T>(instant: Date, work: () => Promise<T>): Promise<T> => pinned.run(instant, work);

export const now = (): Date => new Date(pinned.getStore()?.getTime() ?? Date.now());

export const today = (): string => now().toISOString().slice(0, 10);
