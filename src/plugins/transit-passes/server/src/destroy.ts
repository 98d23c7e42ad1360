import { scheduled } from './bootstrap';

/** Stops the expired-passes clean-up job with the application. */
export default async () => {
  for (const task of scheduled.splice(0)) await task.stop();
};
