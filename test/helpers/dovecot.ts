import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './app';

export interface Dovecot {
  url: string;
  user: string;
  pass: string;
  port: number;
  stop(): Promise<void>;
}

const DOVECOT = process.env.DOVECOT_PATH ?? '/usr/sbin/dovecot';

/**
 * Starts Debian's dovecot-imapd (apt-get install -y dovecot-imapd) on a free loopback port with
 * the configuration in test/dovecot/, one throw-away user, Maildir in a temporary folder.
 */
export async function startDovecot(): Promise<Dovecot> {
  const base = mkdtempSync(join(tmpdir(), 'nd-dovecot-'));
  // dovecot's auth process (its own user when run as root) reads the passwd-file below.
  chmodSync(base, 0o755);
  for (const d of ['run', 'state', 'mail', 'home']) mkdirSync(join(base, d), { recursive: true });
  const port = await freePort();
  const me = userInfo();
  // As root, dovecot's own unprivileged users run the login processes; otherwise the current user.
  const user = me.uid === 0 ? 'dovecot' : me.username;
  const group = me.uid === 0 ? 'dovecot' : spawnSync('id', ['-gn']).stdout.toString().trim() || me.username;
  // Dovecot refuses to run mail processes as root: as root they run as its own dovecot user.
  const uid = me.uid === 0 ? Number(spawnSync('id', ['-u', 'dovecot']).stdout.toString().trim()) : me.uid;
  const gid = me.uid === 0 ? Number(spawnSync('id', ['-g', 'dovecot']).stdout.toString().trim()) : me.gid;
  for (const d of ['mail', 'home']) chownSync(join(base, d), uid, gid);
  const template = readFileSync(join(__dirname, '..', 'dovecot', 'dovecot.conf.template'), 'utf8');
  const conf = template
    .replaceAll('@BASE@', base)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@UID@', String(uid))
    .replaceAll('@GID@', String(gid))
    .replaceAll('@USER@', user)
    .replaceAll('@GROUP@', group);
  const confPath = join(base, 'dovecot.conf');
  writeFileSync(confPath, conf);
  const mailUser = 'contact';
  const pass = 'test-password';
  writeFileSync(join(base, 'users'), `${mailUser}:{PLAIN}${pass}\n`, { mode: 0o644 });
  const proc = spawn(DOVECOT, ['-F', '-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 10000;
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`dovecot exited (${proc.exitCode}): ${output}${log(base)}`);
      if (await listening(port)) break;
      if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port}: ${output}${log(base)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    // Never leave a server behind when the set-up fails.
    proc.kill('SIGTERM');
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `imap://${mailUser}:${pass}@127.0.0.1:${port}/INBOX`,
    user: mailUser,
    pass,
    port,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function log(base: string): string {
  try {
    return '\n' + readFileSync(join(base, 'dovecot.log'), 'utf8');
  } catch {
    return '';
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
