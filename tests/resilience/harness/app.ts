import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './postgres';

/**
 * The application as it runs in production: `strapi start` on the built app, one operating-system
 * process per instance, configured only through its environment. The harness can stop it
 * politely (SIGTERM) or kill it outright (SIGKILL) and start it again on the same port.
 */
const appDir = path.resolve(__dirname, '..', '..', '..');
const strapiBin = path.join(appDir, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js');

const secret = () => crypto.randomBytes(16).toString('base64');

/** Secrets shared by every instance of one scenario (as instances behind one balancer share them). */
export const appSecrets = () => ({
  APP_KEYS: [secret(), secret()].join(','),
  API_TOKEN_SALT: secret(),
  ADMIN_JWT_SECRET: secret(),
  TRANSFER_TOKEN_SALT: secret(),
  JWT_SECRET: secret(),
  ENCRYPTION_KEY: secret(),
});

/** App processes that stopped without being told to, with their last lines: a scenario fails on the first. */
export const unexpectedExits: string[] = [];

export interface AppProcess {
  name: string;
  base: string;
  port: number;
  /** Every line the process wrote, across restarts. */
  output: string[];
  start: () => Promise<void>;
  kill: () => Promise<void>;
  stop: () => Promise<void>;
  running: () => boolean;
  /** Lines matching `pattern` (e.g. the jobs an instance reports having run). */
  lines: (pattern: RegExp) => string[];
  /** The secrets of its environment (keys, salts, webhook secrets) found anywhere in what it wrote. */
  leakedSecrets: () => string[];
}

const SECRET_NAME = /KEY|SECRET|SALT|TOKEN|PASSWORD/;

export const createApp = async (name: string, env: Record<string, string>): Promise<AppProcess> => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  let child: ChildProcess | null = null;
  // The whole output is also kept in a file, to read after a failed scenario.
  const logDir = path.join(appDir, '.tmp', 'resilience');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  fs.writeFileSync(logFile, '');

  const exited = (process: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (process.exitCode !== null || process.signalCode !== null) resolve();
      else process.once('exit', () => resolve());
    });

  const app: AppProcess = {
    name,
    base,
    port,
    output,
    running: () => child !== null,
    lines: (pattern) => output.filter((line) => pattern.test(line)),
    leakedSecrets: () =>
      Object.entries(env)
        .filter(([variable]) => SECRET_NAME.test(variable))
        .flatMap(([variable, value]) => value.split(',').map((part) => [variable, part.trim()]))
        .filter(([, part]) => part.length >= 8 && output.some((line) => line.includes(part)))
        .map(([variable]) => variable),

    async start() {
      if (child) throw new Error(`${name} is already running`);
      const started = Date.now();
      const process_ = spawn(process.execPath, [strapiBin, 'start'], {
        cwd: appDir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? appDir,
          NODE_ENV: 'production',
          STRAPI_TELEMETRY_DISABLED: 'true',
          HOST: '127.0.0.1',
          PORT: String(port),
          PUBLIC_URL: base,
          SEED_DEMO_DATA: 'false',
          LOG_LEVEL: 'info',
          // A scenario signs its staff in once and may outlast the 10-minute default.
          STAFF_ACCESS_TOKEN_MINUTES: '60',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = process_;
      let buffered = '';
      const take = (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        // Strapi colours its log lines; the harness reads them as text.
        const plain = lines.map((line) => line.replace(/\u001b\[[0-9;]*m/g, ''));
        output.push(...plain);
        fs.appendFileSync(logFile, plain.map((line) => `${line}\n`).join(''));
      };
      process_.stdout!.on('data', take);
      process_.stderr!.on('data', take);
      process_.once('exit', (code, signal) => {
        if (child !== process_) return;
        child = null;
        unexpectedExits.push(`${name} exited by itself (${signal ?? `code ${code}`}):\n${output.slice(-40).join('\n')}`);
      });
      while (Date.now() - started < 180_000) {
        if (child !== process_) throw new Error(`${name} exited while starting:\n${output.slice(-30).join('\n')}`);
        try {
          const response = await fetch(`${base}/_health`, { signal: AbortSignal.timeout(2000) });
          if (response.status === 204) return;
        } catch {
          // Not listening yet.
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`${name} did not answer on ${base} within 180 s:\n${output.slice(-30).join('\n')}`);
    },

    /** SIGKILL: no shutdown code runs, open transactions are abandoned mid-way. */
    async kill() {
      const current = child;
      if (!current) return;
      child = null;
      current.kill('SIGKILL');
      await exited(current);
    },

    async stop() {
      const current = child;
      if (!current) return;
      child = null;
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), 20_000);
      await exited(current);
      clearTimeout(timer);
    },
  };
  return app;
};
