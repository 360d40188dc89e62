import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway Orthanc with the DICOMweb plugin, for tests and benchmarks (Debian's `orthanc`, `orthanc-dicomweb`).
 *
 * Orthanc 1.10 has no bind-address option: it listens on every interface. So it runs in its own network namespace
 * (`unshare -rn`, which has only a loopback device), where a tiny forwarder relays a Unix socket to it; on this side a
 * forwarder listens on a free 127.0.0.1 port. Nothing of it is reachable beyond 127.0.0.1, and its DICOM (DIMSE)
 * server is off: the app speaks DICOMweb only. Where user namespaces are unavailable (some containers) it runs
 * unisolated with RemoteAccessAllowed false, says so, and the test that checks the listening sockets fails.
 */

export const ORTHANC_BIN = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export const haveOrthanc = existsSync(ORTHANC_BIN) && existsSync(DICOMWEB_PLUGIN);
if (!haveOrthanc && process.env.CI !== 'true') {
  process.stderr.write('SKIPPING the PACS tests: Orthanc or its DICOMweb plugin is not installed (apt-get install orthanc orthanc-dicomweb).\n');
}

/** Under CI the PACS tests must run: a missing Orthanc fails them instead of skipping. */
export const skipWithoutOrthanc = !haveOrthanc && process.env.CI !== 'true';

export interface OrthancAuth {
  username: string;
  password: string;
}

export interface RunningOrthanc {
  /** http://127.0.0.1:PORT, Orthanc's REST root. */
  origin: string;
  /** The DICOMweb root the app is configured with: `${origin}/dicom-web`. */
  dicomWeb: string;
  port: number;
  auth: OrthancAuth | null;
  /** In its own network namespace (false only where user namespaces are unavailable: see the warning it prints). */
  isolated: boolean;
  /** PID of the Orthanc process tree's leader (unshare or Orthanc itself). */
  pid: number;
  /** Stores DICOM Part 10 files through the REST API; returns their Orthanc instance ids. */
  store(files: readonly Buffer[]): Promise<string[]>;
  output(): string;
  stop(): Promise<void>;
}

const INNER_HTTP_PORT = 8042;

/** Starts an Orthanc on loopback and waits until its REST API answers; `stop()` ends it and removes its storage. */
export async function startOrthanc(opts: { auth?: OrthancAuth } = {}): Promise<RunningOrthanc> {
  if (!haveOrthanc) throw new Error(`Orthanc is not installed (${ORTHANC_BIN}, ${DICOMWEB_PLUGIN}): apt-get install orthanc orthanc-dicomweb`);
  const isolated = canIsolate();
  if (!isolated) process.stderr.write('WARNING: user namespaces are unavailable (unshare -rn failed): Orthanc runs unisolated, bound to all interfaces but refusing non-loopback clients (RemoteAccessAllowed false).\n');
  const dir = mkdtempSync(join(tmpdir(), 'orthanc-'));
  const storage = join(dir, 'db');
  mkdirSync(storage);
  const auth = opts.auth ?? null;
  const config = {
    Name: 'MEDRWR-TEST',
    StorageDirectory: storage,
    IndexDirectory: storage,
    Plugins: [DICOMWEB_PLUGIN],
    HttpPort: isolated ? INNER_HTTP_PORT : await freePort(),
    HttpServerEnabled: true,
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: auth !== null,
    RegisteredUsers: auth ? { [auth.username]: auth.password } : {},
    HttpThreadsCount: 8,
    StorageCompression: false,
    SaveJobs: false,
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Ssl: false, StudiesMetadata: 'MainDicomTags', SeriesMetadata: 'Full' },
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const sock = join(dir, 'http.sock');
  // The relay reads our stdin pipe: when this process dies, the pipe closes and the relay stops Orthanc.
  const inner = `exec 3<&0; ip link set lo up && ${JSON.stringify(process.execPath)} -e ${shellQuote(RELAY_SCRIPT)} ${JSON.stringify(sock)} ${INNER_HTTP_PORT} <&3 & exec ${ORTHANC_BIN} ${JSON.stringify(configPath)} 3<&-`;
  const child = isolated
    ? spawn('unshare', ['-rn', 'sh', '-c', inner], { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    : spawn(ORTHANC_BIN, [configPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20000)));
  const relay = isolated ? await relayToUnixSocket(sock) : null;
  const port = relay ? (relay.address() as AddressInfo).port : config.HttpPort;
  const origin = `http://127.0.0.1:${port}`;
  const authHeader: Record<string, string> = auth ? { authorization: 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64') } : {};

  const stop = async () => {
    await killTree(child);
    if (relay) await new Promise<void>((resolve) => relay.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilUp(origin, authHeader, child, () => out);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    origin,
    dicomWeb: `${origin}/dicom-web`,
    port,
    auth,
    isolated,
    pid: child.pid!,
    output: () => out,
    stop,
    async store(files) {
      const ids: string[] = [];
      for (const bytes of files) {
        const res = await fetch(`${origin}/instances`, { method: 'POST', headers: { ...authHeader, 'content-type': 'application/dicom' }, body: new Uint8Array(bytes) });
        if (!res.ok) throw new Error(`Orthanc refused an instance: HTTP ${res.status} ${await res.text()}`);
        ids.push(((await res.json()) as { ID: string }).ID);
      }
      return ids;
    },
  };
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

let isolation: boolean | undefined;
function canIsolate(): boolean {
  if (process.env.MEDRWR_TEST_NO_NETNS === '1') return false; // to exercise the fallback where namespaces do work
  isolation ??= spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;
  return isolation;
}

/** Runs inside the namespace: Unix socket (argv[1]) → 127.0.0.1:port (argv[2]). */
const RELAY_SCRIPT = `
const net = require('node:net'); const [sock, port] = process.argv.slice(1);
net.createServer((a) => { const b = net.connect(+port, '127.0.0.1'); a.pipe(b).pipe(a); a.on('close', () => b.destroy()); b.on('close', () => a.destroy()); a.on('error', () => {}); b.on('error', () => {}); }).listen(sock);
process.stdin.resume(); process.stdin.on('end', () => { try { process.kill(process.ppid, 'SIGTERM'); } finally { process.exit(0); } });
`;

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** 127.0.0.1:free port → the Unix socket; connections made before the socket exists fail and are retried by the caller. */
async function relayToUnixSocket(sock: string): Promise<Server> {
  const server = createServer((a: Socket) => {
    const b = connect(sock);
    a.pipe(b).pipe(a);
    // A side that closes (even without an error) takes the other with it, so a refused inner connection is seen here.
    a.on('close', () => b.destroy());
    b.on('close', () => a.destroy());
    a.on('error', () => undefined);
    b.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function waitUntilUp(origin: string, headers: Record<string, string>, child: ChildProcess, out: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited with code ${child.exitCode}:\n${out()}`);
    try {
      const res = await fetch(`${origin}/system`, { headers, signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet (the first attempt can stall while the namespace comes up, hence the per-try timeout)
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Orthanc did not answer within 60 s:\n${out()}`);
}

async function killTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}
