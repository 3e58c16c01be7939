import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './app';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl on a free port), for faults that
 * cannot be done to the shared server: stopping and restarting it under a running worker.
 * initdb refuses root, so as root the cluster belongs to the postgres OS user.
 */
export class PgCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly asUser: string | null,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** The reason, as a string, when this machine cannot run one. */
  static async create(): Promise<PgCluster | string> {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    const dir = mkdtempSync(join(tmpdir(), 'nd-pg-'));
    const cluster = new PgCluster(dir, await freePort(), root ? 'postgres' : null);
    try {
      if (root) {
        const { stdout } = await run('id', ['-u', 'postgres']);
        const { stdout: gid } = await run('id', ['-g', 'postgres']);
        chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
        chmodSync(dir, 0o700);
      }
      await cluster.exec('initdb', [
        '-D',
        join(dir, 'data'),
        '-U',
        'postgres',
        '-A',
        'trust',
        '--no-sync',
        '-E',
        'UTF8',
      ]);
      await cluster.start();
      return cluster;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      return `cannot run a private PostgreSQL cluster: ${(err as Error).message}`;
    }
  }

  private exec(bin: string, args: string[]) {
    const cmd = join(BIN, bin);
    return this.asUser ? run('runuser', ['-u', this.asUser, '--', cmd, ...args]) : run(cmd, args);
  }

  async start(): Promise<void> {
    await this.exec('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-w',
      'start',
    ]);
  }

  /** A fast shutdown: open connections are cut, as in a restart or failover. */
  async stop(): Promise<void> {
    await this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
