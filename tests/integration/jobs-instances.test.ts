import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { startStrapi, stopStrapi } from '../harness/strapi';

/**
 * Two more instances of the application on the test's database, each scheduling a job every
 * second: every fire must be executed by exactly one of them. Executions are counted from what
 * each instance reports having run, and checked against the fires the database recorded.
 */
let strapi: Core.Strapi;
const children: ChildProcess[] = [];

beforeAll(async () => {
  strapi = await startStrapi(); // creates the database (and its schema) the instances share
});
afterAll(async () => {
  // An instance left running (a failed start of the other one, a failed expectation) would keep
  // Jest from exiting.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stopStrapi(strapi);
});

const startInstance = (output: string[]): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.resolve(__dirname, '..', 'harness', 'instance.js')], {
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        JOB_SCHEDULES: JSON.stringify({ 'daily-mrr': '* * * * * *' }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    // Lines are cut per stream: a chunk of stderr arriving in the middle of a stdout line would
    // otherwise be spliced into it, and that line (a fire's "ran" line) would no longer be read.
    const reader = () => {
      let buffered = '';
      return (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        output.push(...lines);
        if (lines.some((line) => line.includes('INSTANCE READY'))) resolve(child);
      };
    };
    child.stdout!.on('data', reader());
    child.stderr!.on('data', reader());
    child.on('exit', (code) => reject(new Error(`instance exited with ${code}:\n${output.slice(-20).join('\n')}`)));
  });

const stopInstance = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });

test('two instances on one database execute each per-second fire exactly once', async () => {
  const outputs: string[][] = [[], []];
  // On PostgreSQL both boot at once, as a rolling deploy would. SQLite allows one writer per file,
  // and two boots writing Strapi's own tables at once wait on each other's lock past its timeout;
  // there the second starts once the first is up (several instances are a PostgreSQL set-up).
  const instances =
    strapi.db.dialect.client === 'sqlite'
      ? [await startInstance(outputs[0]), await startInstance(outputs[1])]
      : await Promise.all(outputs.map((output) => startInstance(output)));
  const fires = () => strapi.db.query('plugin::plan-renewals.job-fire').count({ where: { job: 'daily-mrr', trigger: 'schedule' } });
  const deadline = Date.now() + 90_000;
  while ((await fires()) < 24 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
  await Promise.all(instances.map(stopInstance));

  const executed = outputs.map((lines) => lines.map((line) => line.match(/Job daily-mrr ran \[(daily-mrr:[^\]]+)\]/)?.[1]).filter(Boolean) as string[]);
  const all = executed.flat();
  const scheduled = all.filter((key) => !key.includes(':catch-up:'));
  process.stdout.write(`two instances: ${scheduled.length} scheduled fires executed (${executed[0].length} + ${executed[1].length}), ${all.length - new Set(all).size} twice\n`);
  expect(scheduled.length).toBeGreaterThanOrEqual(20);
  expect(new Set(all).size).toBe(all.length); // no fire executed twice
  const recorded = await strapi.db.query('plugin::plan-renewals.job-fire').findMany({ where: { job: 'daily-mrr' } });
  const finished = recorded.filter((fire: any) => fire.finishedAt);
  // A fire whose job failed (on SQLite, one waiting past the lock timeout while the other instance
  // boots) was executed once too: it is recorded failed and its instance says "failed", not "ran".
  const failedLines = outputs.flat().filter((line) => /Job daily-mrr failed/.test(line));
  const failed = finished.filter((fire: any) => fire.failed);
  if (failed.length) process.stdout.write(`failed fires: ${failed.map((fire: any) => `${fire.fireKey} (${fire.outcome})`).join('; ')}\n`);
  expect(failedLines).toHaveLength(failed.length);
  expect(new Set(all)).toEqual(new Set(finished.filter((fire: any) => !fire.failed).map((fire: any) => fire.fireKey)));
  expect(recorded.filter((fire: any) => fire.trigger === 'catch-up')).toHaveLength(1); // both booted, one caught up
});
