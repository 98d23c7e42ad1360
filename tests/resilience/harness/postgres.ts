import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Pool } from 'pg';

/**
 * PostgreSQL for the resilience scenarios: a fresh database on the server DATABASE_URL names
 * (dropped afterwards), or a private cluster of its own for the scenario that restarts the
 * database server — never the shared server, which other work may be using.
 */
export interface Database {
  url: string;
  pool: Pool;
  drop: () => Promise<void>;
}

const serverUrl = () => {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error('The resilience scenarios run on PostgreSQL: set DATABASE_URL=postgres://user@host:5432/any_database');
  }
  return url;
};

const withPath = (url: string, database: string) => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/** Creates a database named after the scenario beside the one `baseUrl` names. */
/** The harness's own connections, told apart from the app's. */
const HARNESS = 'resilience-harness';

/** Ends every connection the app holds to `pool`'s database (pg_terminate_backend), as a network cut would; returns how many. */
export const cutAppConnections = async (pool: Pool): Promise<number> => {
  const { rows } = await pool.query(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> $1`,
    [HARNESS],
  );
  return Number(rows[0].n);
};

export const createDatabase = async (label: string, baseUrl = serverUrl()): Promise<Database> => {
  const name = `resilience_${label}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new Client({ connectionString: withPath(baseUrl, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = withPath(baseUrl, name);
  const pool = new Pool({ connectionString: url, max: 4, application_name: HARNESS });
  // A restart of the server ends idle connections; the pool replaces them, nothing else to do.
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end().catch(() => undefined);
      const dropper = new Client({ connectionString: withPath(baseUrl, 'postgres') });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** Where initdb and pg_ctl live: the newest /usr/lib/postgresql/<version>/bin, or the PATH. */
const postgresBin = (tool: string) => {
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', tool)));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(root, versions[0], 'bin', tool);
  }
  return tool;
};

/**
 * A PostgreSQL cluster of its own, in a temporary directory, on a free port, with trust
 * authentication on 127.0.0.1 only. PostgreSQL refuses to run as root, so as root the cluster
 * belongs to the `postgres` user.
 */
export interface PrivateCluster {
  url: string;
  start: () => void;
  /** Fast mode: every connection is ended at once, as when the server is restarted for real. */
  stop: () => void;
  destroy: () => void;
}

export const startPrivateCluster = async (): Promise<PrivateCluster> => {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resilience-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (tool: string, args: string[]) => {
    const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', postgresBin(tool), ...args]] : [postgresBin(tool), args];
    const result = spawnSync(command, commandArgs, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=200`;
  const log = path.join(dir, 'postgres.log');
  // -w waits until the server accepts connections (or has stopped).
  const ctl = (action: string, extra: string[] = []) => run('pg_ctl', [action, '-D', data, '-w', '-t', '60', ...extra]);
  const start = () => ctl('start', ['-o', options, '-l', log]);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop: () => ctl('stop', ['-m', 'fast']),
    destroy: () => {
      try {
        ctl('stop', ['-m', 'immediate']);
      } catch {
        // Already stopped.
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};
