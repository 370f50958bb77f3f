// A one-machine Slurm cluster for the tests, from Debian's slurm-wlm and munge, started as this
// process's children in a folder of its own and stopped by the test: a private munged (its own
// key and socket), slurmctld and slurmd on free ports, no cgroups (linuxproc tracking, no task
// plugin), the node as large as `slurmd -C` says. Root without systemd is enough.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const PROGRAMS = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'sinfo'];

/** Why no cluster can start here (a program missing), or null. */
export function slurmMissing(): string | null {
  const missing = PROGRAMS.filter((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0);
  return missing.length
    ? `Slurm is not installed (no ${missing.join(', ')}: apt-get install slurm-wlm munge, as .ci/run does)`
    : null;
}

export interface SlurmCluster {
  /** The environment its commands need (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  /** The folder its configuration, state and logs are in. */
  dir: string;
  /** `sbatch ARGS` run to its end (with --wait, the jobs' end). */
  sbatch(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string };
  /** The daemons' logs, for a failure's message. */
  logs(): string;
  /** Stops every daemon it started and waits for them to exit. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the cluster in `dir` (its folders mode 0755, as munged demands of its socket's) and
 * waits until its node is idle.
 */
export async function startSlurm(dir: string, env: NodeJS.ProcessEnv): Promise<SlurmCluster> {
  const children: ChildProcess[] = [];
  const daemon = (program: string, args: string[], clusterEnv: NodeJS.ProcessEnv) => {
    const out = openSync(join(dir, `${program}.out`), 'a');
    const child = spawn(program, args, { env: clusterEnv, stdio: ['ignore', out, out] });
    children.push(child);
    return child;
  };
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  const logs = () =>
    ['munged.out', 'slurmctld.out', 'slurmd.out', 'slurmctld.log', 'slurmd.log']
      .filter((f) => existsSync(join(dir, f)))
      .map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');
  try {
    const socketDir = join(dir, 'munge');
    for (const d of [dir, socketDir, join(dir, 'state'), join(dir, 'spool')]) {
      mkdirSync(d, { recursive: true });
      chmodSync(d, 0o755);
    }
    const key = join(dir, 'munge.key');
    execFileSync('mungekey', ['--create', '--keyfile', key]);
    const socket = join(socketDir, 'munge.socket');
    daemon(
      'munged',
      [
        '--foreground',
        '--force',
        `--socket=${socket}`,
        `--key-file=${key}`,
        `--pid-file=${join(dir, 'munged.pid')}`,
      ].concat([`--log-file=${join(dir, 'munged.log')}`, `--seed-file=${join(dir, 'munged.seed')}`]),
      env,
    );
    const node = 'node0';
    const hardware = execFileSync('slurmd', ['-C'], { encoding: 'utf8' });
    const cpus = Number(/CPUs=(\d+)/.exec(hardware)![1]);
    const memory = Number(/RealMemory=(\d+)/.exec(hardware)![1]);
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const conf = join(dir, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=webgpu-transfer-test',
        'SlurmctldHost=localhost(127.0.0.1)',
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmdSpoolDir=${join(dir, 'spool')}`,
        `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
        `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
        // No cgroups here: processes tracked by their parents, no task containment.
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'MpiDefault=none',
        'SchedulerType=sched/builtin',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'ReturnToService=2',
        `NodeName=${node} NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory} State=UNKNOWN`,
        `PartitionName=test Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    const clusterEnv = { ...env, SLURM_CONF: conf };
    // munged answers once its socket exists.
    await until(() => existsSync(socket), 'munged made no socket', logs, children);
    daemon('slurmctld', ['-D', '-c', '-f', conf], clusterEnv);
    daemon('slurmd', ['-D', '-N', node, '-f', conf], clusterEnv);
    const state = () => spawnSync('sinfo', ['-h', '-o', '%T', '-n', node], { env: clusterEnv, encoding: 'utf8' });
    await until(() => state().stdout.trim() === 'idle', 'the node never became idle', logs, children);
    return {
      env: clusterEnv,
      dir,
      logs,
      stop,
      sbatch: (args, cwd) => spawnSync('sbatch', args, { env: clusterEnv, cwd, encoding: 'utf8' }),
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Polls `ready` until it holds; fails with `what` and the logs where a daemon exits, or after
 * three minutes (a guard: on an idle machine each state comes within seconds).
 */
async function until(ready: () => boolean, what: string, logs: () => string, children: ChildProcess[]): Promise<void> {
  const deadline = performance.now() + 180_000;
  while (!ready()) {
    const died = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (died || performance.now() > deadline)
      throw new Error(`${what}${died ? ` (${died.spawnfile} exited)` : ''}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
