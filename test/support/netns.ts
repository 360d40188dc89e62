import { spawnSync } from 'node:child_process';

// Running a command where the network is only loopback (a fresh Linux network namespace with `lo` up) and recording
// every address it tries to reach (strace of the socket calls that name one).

const TOOLS: Record<string, string> = { unshare: 'util-linux', ip: 'iproute2', strace: 'strace' };
const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
const isRoot = process.getuid?.() === 0;

/**
 * Why commands cannot be isolated here (a missing tool, with its Debian package, or namespaces refused), or
 * undefined when they can. `tools` defaults to all three.
 */
export function isolationUnavailable(tools = Object.keys(TOOLS)): string | undefined {
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { env: { ...process.env, PATH: SBIN_PATH } }).status !== 0);
  if (missing.length > 0) return `missing ${missing.join(', ')} (Debian packages: ${missing.map((t) => TOOLS[t]).join(', ')})`;
  const probe = spawnSync('unshare', [...unshareFlags(), 'true']);
  if (probe.status !== 0) return `cannot create a network namespace: unshare ${unshareFlags().join(' ')}: ${String(probe.stderr).trim()}`;
  return undefined;
}

/** Root makes the namespace directly; anyone else inside a user namespace of their own. */
function unshareFlags(): string[] {
  return isRoot ? ['--net'] : ['--user', '--map-root-user', '--net'];
}

/** `command` wrapped to run in a new network namespace whose only interface is loopback, brought up. */
export function loopbackOnly(command: string[]): string[] {
  return ['unshare', ...unshareFlags(), 'sh', '-c', `PATH="${SBIN_PATH}" ip link set lo up && exec "$@"`, 'sh', ...command];
}

/** `command` run under strace, which writes every connect/send that names an address (all threads and children) to `log`. */
export function traceConnections(command: string[], log: string): string[] {
  return ['strace', '-f', '-qq', '--seccomp-bpf', '-e', 'trace=connect,sendto,sendmsg,sendmmsg', '-e', 'signal=none', '-o', log, ...command];
}

/**
 * The strace lines that try to reach anything but this machine: an IPv4 address outside 127/8, an IPv6 address
 * other than ::1 (or IPv4-mapped loopback), or any other address family. Unix sockets and netlink stay on the machine.
 */
export function egressAttempts(trace: string): string[] {
  return trace.split('\n').filter((line) => line.split('sa_family=').slice(1).some((segment) => !staysLocal(segment)));
}

function staysLocal(segment: string): boolean {
  const family = /^\w+/.exec(segment)?.[0];
  if (family === 'AF_UNIX' || family === 'AF_UNSPEC') return true;
  if (family === 'AF_INET') return /^AF_INET, [^}]*sin_addr=inet_addr\("127\.\d+\.\d+\.\d+"\)/.test(segment);
  if (family === 'AF_INET6') return /inet_pton\(AF_INET6, "(::1|::ffff:127\.\d+\.\d+\.\d+)"/.test(segment);
  return false;
}
