import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Every process group the bench started. Each target is spawned as the leader of its own group, so that a
 * crash, an exception or Ctrl-C in the bench can still take down the proxy and the upstream it spawned.
 */
const groups = new Set<number>();

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

process.once('exit', () => {
  for (const pid of groups) signalGroup(pid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const TAIL_BYTES = 8192;
/** supergateway documents that it needs more than five seconds to stop its children gracefully. */
const GRACE_MS = 7000;

export interface Launched {
  readonly pid: number;
  /** Resolves when the process has ended, however it ended. */
  readonly exited: Promise<void>;
  /** The last few KiB the process wrote (stdout and stderr), to explain a failure. */
  output(): string;
  /** The first line the process writes to stdout (how Toolgate and the floor announce their URL). */
  firstLine(timeoutMs?: number): Promise<string>;
  /** SIGTERM, a grace period, then SIGKILL for whatever is left in the group. */
  stop(): Promise<void>;
}

export function launch(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Launched {
  // stdin is ignored: supergateway stops when a pipe on its stdin closes. Output is always drained, so a chatty
  // process never blocks on a full pipe.
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  const pid = child.pid;
  groups.add(pid);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const describe = () => `${command} ${args.join(' ')}`;

  return {
    pid,
    exited,
    output: () => tail,
    firstLine: (timeoutMs = 60_000) =>
      new Promise<string>((resolve, reject) => {
        let line = '';
        const timer = setTimeout(() => reject(new Error(`no output from ${describe()} within ${timeoutMs} ms\n${tail}`)), timeoutMs);
        const onData = (chunk: Buffer) => {
          line += chunk.toString('utf8');
          const end = line.indexOf('\n');
          if (end < 0) return;
          clearTimeout(timer);
          child.stdout.off('data', onData);
          resolve(line.slice(0, end));
        };
        child.stdout.on('data', onData);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${describe()} exited before it was ready\n${tail}`));
        });
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, GRACE_MS).unref())]);
      }
      signalGroup(pid, 'SIGKILL');
      groups.delete(pid);
    },
  };
}

export interface Memory {
  rssMiB: number;
  /** VmHWM: the peak resident set size since the process started. */
  peakMiB: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** What the bench reads from /proc/<pid>/stat; undefined once the process has gone. */
export interface ProcessStat {
  /** The command name, as /proc shows it (`postgres`, `redis-server`). */
  comm: string;
  ppid: number;
  /** utime + stime, in clock ticks, of all the process's threads. */
  cpuTicks: number;
  /** cutime + cstime: the same for its children that have exited and been waited for. */
  childrenTicks: number;
}

export function statOf(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count the fields after its closing one.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]), childrenTicks: Number(fields[13]) + Number(fields[14]) };
}

/**
 * A process and all its live descendants: a target and whatever it spawned (upstreams, shells). Followed by
 * parent rather than by process group, since supergateway puts each upstream it spawns in a group of its own.
 */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of processIds()) {
    const ppid = statOf(name)?.ppid;
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), name]);
  }
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0; ) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** The summed RSS of a process and its descendants (supergateway, for one, spawns an upstream per session). */
export function treeRssMiB(pid: number): { processes: number; rssMiB: number } {
  const rss = processTree(pid).map((member) => {
    try {
      const { rssMiB } = memoryOf(member);
      return Number.isFinite(rssMiB) ? rssMiB : 0; // a zombie has no VmRSS
    } catch {
      return 0; // gone meanwhile
    }
  });
  return { processes: rss.length, rssMiB: rss.reduce((sum, x) => sum + x, 0) };
}

/** A port that was free a moment ago, for the peers, which cannot be told to pick one and report it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** Every process the machine shows in /proc. */
export function processIds(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}
