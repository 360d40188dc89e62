import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PacsNode, RemoteSeries, RemoteStudy } from '../api/pacs.js';
import type { PatientSummary } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { freePort, startOrthanc, skipWithoutOrthanc, type RunningOrthanc } from '../../test/support/orthanc.js';
import { syntheticStudy } from '../../test/support/synthetic-dicom.js';
import { PACS_NODES_FILE } from './nodes.js';
import { retrieveDir } from './retrieve.js';
import { stow } from './stow.js';
import { retrieveVia } from './testing/retrieve.js';

const contexts: AppContext[] = [];
function newContext(): AppContext {
  const ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-pacs-')), transport: 'web' });
  contexts.push(ctx);
  return ctx;
}

async function addNode(ctx: AppContext, url: string, extra: object = {}): Promise<PacsNode> {
  return (await dispatch(ctx, 'pacs.saveNode', { name: 'Test PACS', url, auth: { kind: 'none' }, ...extra })) as PacsNode;
}
const query = async (ctx: AppContext, q: object) => ((await dispatch(ctx, 'pacs.queryStudies', q)) as { studies: RemoteStudy[] }).studies;
const localPatients = async (ctx: AppContext) => ((await dispatch(ctx, 'studies.list', {})) as { patients: PatientSummary[] }).patients;
const countLocalInstances = (patients: PatientSummary[]) => patients.flatMap((p) => p.studies.flatMap((s) => s.series.map((se) => se.instanceCount))).reduce((a, b) => a + b, 0);
const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile());

const JANE = { patientName: 'DOE^JANE', patientId: 'PID-JANE', birthDate: '19700101', accessionNumber: 'ACC-J1', studyDate: '20240105', modality: 'CT', series: 2, instancesPerSeries: 3 };
const JOHN = { patientName: 'DOE^JOHN', patientId: 'PID-JOHN', birthDate: '19550620', accessionNumber: 'ACC-J2', studyDate: '20230610', modality: 'MR', series: 1, instancesPerSeries: 2 };
const BIG = { patientName: 'ROE^RICHARD', patientId: 'PID-BIG', birthDate: '19800202', accessionNumber: 'ACC-BIG', studyDate: '20220202', modality: 'CT', series: 2, instancesPerSeries: 60, size: 128 };

describe.skipIf(skipWithoutOrthanc)('PACS over DICOMweb against a real Orthanc', () => {
  let orthanc: RunningOrthanc;
  let secured: RunningOrthanc;
  const jane = syntheticStudy(JANE);
  const john = syntheticStudy(JOHN);
  const big = syntheticStudy(BIG);
  let ctx: AppContext;
  let node: PacsNode;

  beforeAll(async () => {
    [orthanc, secured] = await Promise.all([startOrthanc(), startOrthanc({ auth: { username: 'reader', password: 's3cret-pw' } })]);
    await orthanc.store([...jane.files, ...john.files, ...big.files]);
    await secured.store(john.files);
    ctx = newContext();
    node = await addNode(ctx, orthanc.dicomWeb + '/');
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) {
      await closeServices(c);
      rmSync(c.dataDir, { recursive: true, force: true });
    }
    await Promise.all([orthanc?.stop(), secured?.stop()]);
  });

  it('runs Orthanc where nothing of it listens beyond 127.0.0.1', () => {
    expect(orthanc.isolated, 'user namespaces are unavailable here (unshare -rn), and Orthanc 1.10 cannot bind to loopback only').toBe(true);
    expect(readFileSync(`/proc/${orthanc.pid}/cmdline`, 'utf8')).toContain('Orthanc');
    // Orthanc itself is in its own network namespace (loopback only) ...
    expect(statSync(`/proc/${orthanc.pid}/ns/net`).ino).not.toBe(statSync('/proc/self/ns/net').ino);
    // ... and here only the forwarder listens, on 127.0.0.1
    const listening = ['/proc/net/tcp', '/proc/net/tcp6']
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(1))
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[3] === '0A')
      .map((c) => c[1]!);
    const port = orthanc.port.toString(16).toUpperCase().padStart(4, '0');
    expect(listening.filter((a) => a.endsWith(`:${port}`))).toEqual([`0100007F:${port}`]);
    expect(listening.some((a) => a.endsWith(':1F6A'))).toBe(false); // Orthanc's own 8042 is not on this machine's interfaces
  });

  it('stores a node without echoing its secret and keeps it through a change', async () => {
    const saved = (await dispatch(ctx, 'pacs.saveNode', { name: 'Secured', url: secured.dicomWeb, auth: { kind: 'basic', username: 'reader', password: 's3cret-pw' }, timeoutMs: 5000 })) as PacsNode;
    expect(saved.auth).toEqual({ kind: 'basic', username: 'reader', hasSecret: true });
    expect(JSON.stringify(saved)).not.toContain('s3cret-pw');
    expect(JSON.stringify(await dispatch(ctx, 'pacs.nodes', {}))).not.toContain('s3cret-pw');
    expect(statSync(join(ctx.dataDir, PACS_NODES_FILE)).mode & 0o777).toBe(0o600);
    // a change that leaves the password out keeps it: the node still authenticates
    await dispatch(ctx, 'pacs.saveNode', { id: saved.id, name: 'Secured (renamed)', url: secured.dicomWeb, auth: { kind: 'basic', username: 'reader' }, timeoutMs: 5000 });
    const found = await query(ctx, { nodeId: saved.id, patientName: 'DOE*' });
    expect(found.map((s) => s.studyInstanceUid)).toEqual([john.studyUid]);
    await expect(dispatch(ctx, 'pacs.saveNode', { name: 'x', url: 'ftp://pacs/dicom-web', auth: { kind: 'none' } })).rejects.toThrow(/must be an http\(s\) URL/);
  });

  it('verify says what answered', async () => {
    const v = (await dispatch(ctx, 'pacs.verify', { nodeId: node.id })) as { answered: string; status: number };
    expect(v.status).toBe(200);
    expect(v.answered).toContain(`${orthanc.dicomWeb} answered QIDO-RS (HTTP 200`);
  });

  it('finds studies by patient-name wildcard, ID, birth date, accession, date range and modality', async () => {
    const uids = async (q: object) => (await query(ctx, { nodeId: node.id, ...q })).map((s) => s.studyInstanceUid).sort();
    expect(await uids({ patientName: 'DOE^J*' })).toEqual([jane.studyUid, john.studyUid].sort());
    expect(await uids({ patientName: 'DOE^JA?E' })).toEqual([jane.studyUid]);
    expect(await uids({ patientId: 'PID-JOHN' })).toEqual([john.studyUid]);
    expect(await uids({ birthDate: '19700101' })).toEqual([jane.studyUid]);
    expect(await uids({ accessionNumber: 'ACC-J2' })).toEqual([john.studyUid]);
    expect(await uids({ studyDateFrom: '20240101', studyDateTo: '20241231' })).toEqual([jane.studyUid]);
    expect(await uids({ studyDateFrom: '20220101', studyDateTo: '20231231' })).toEqual([big.studyUid, john.studyUid].sort());
    expect(await uids({ modality: 'MR' })).toEqual([john.studyUid]);
    expect(await uids({ patientName: 'NOBODY*' })).toEqual([]);
    const [row] = await query(ctx, { nodeId: node.id, accessionNumber: 'ACC-J1' });
    expect(row).toMatchObject({ patientName: 'DOE^JANE', patientId: 'PID-JANE', date: '20240105', modalities: ['CT'], seriesCount: 2, instanceCount: 6, nodeId: node.id, localInstances: 0 });
    const { series } = (await dispatch(ctx, 'pacs.querySeries', { nodeId: node.id, studyInstanceUid: jane.studyUid })) as { series: RemoteSeries[] };
    expect(series.map((s) => [s.seriesInstanceUid, s.seriesNumber, s.modality, s.instanceCount])).toEqual([
      [jane.seriesUids[0], 1, 'CT', 3],
      [jane.seriesUids[1], 2, 'CT', 3],
    ]);
  });

  it('retrieves a study with progress, indexes it like an import, and a second retrieve fetches nothing', async () => {
    const r = await retrieveVia(ctx, { nodeId: node.id, studyInstanceUid: jane.studyUid });
    const report = await r.finished();
    expect(report).toMatchObject({ state: 'completed', total: 6, done: 6, fetched: 6, alreadyLocal: 0, imported: 6, error: null });
    expect(report.bytes).toBeGreaterThan(6 * 64 * 64 * 2);
    const progress = r.events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ done: 6, total: 6 });
    const labels = progress.map((e) => (e.type === 'progress' ? e.label : ''));
    expect(labels.at(-2)).toMatch(/^Retrieving from Test PACS: \d+\.\d MB$/);
    expect(labels.at(-1)).toBe('Indexing 6 instances from Test PACS');
    const study = (await localPatients(ctx)).find((p) => p.patientId === 'PID-JANE')!.studies[0]!;
    expect(study.studyInstanceUid).toBe(jane.studyUid);
    expect(study.series.map((s) => s.instanceCount)).toEqual([3, 3]);
    expect(await dispatch(ctx, 'series.thumbnail', { seriesInstanceUid: study.series[0]!.seriesInstanceUid })).toEqual({ thumbnail: expect.stringMatching(/^data:image\/png;base64,/) });
    const again = await (await retrieveVia(ctx, { nodeId: node.id, studyInstanceUid: jane.studyUid })).finished();
    expect(again).toMatchObject({ state: 'completed', total: 6, fetched: 0, alreadyLocal: 6, imported: 0 });
    expect((await query(ctx, { nodeId: node.id, accessionNumber: 'ACC-J1' }))[0]!.localInstances).toBe(6);
  });

  it('retrieves one series only', async () => {
    const c = newContext();
    const n = await addNode(c, orthanc.dicomWeb);
    const report = await (await retrieveVia(c, { nodeId: n.id, studyInstanceUid: jane.studyUid, seriesInstanceUid: jane.seriesUids[1]! })).finished();
    expect(report).toMatchObject({ state: 'completed', total: 3, fetched: 3, imported: 3 });
    expect((await localPatients(c))[0]!.studies[0]!.series.map((s) => s.seriesInstanceUid)).toEqual([jane.seriesUids[1]]);
  });

  it('cancels a large retrieve, indexes nothing, and resumes it without duplicates', async () => {
    const c = newContext();
    const n = await addNode(c, orthanc.dicomWeb);
    // Cancelled from inside the step that reports the first instance on disk (the cancel aborts synchronously), while
    // the rest of the 120 (~60 MB) is still streaming: a poll from the test could come only after the last byte.
    let cancel: Promise<unknown> | undefined;
    const first = await retrieveVia(c, { nodeId: n.id, studyInstanceUid: big.studyUid }, (e) => {
      if (!cancel && e.type === 'progress' && e.done >= 1) cancel = dispatch(c, 'pacs.cancelRetrieve', { taskId: e.taskId });
    });
    await expect.poll(() => cancel !== undefined, { timeout: 30_000 }).toBe(true);
    expect(await cancel).toEqual({ cancelled: true });
    const partial = await first.finished();
    expect(partial.state).toBe('cancelled');
    expect(partial.fetched).toBeGreaterThanOrEqual(1);
    expect(partial.fetched).toBeLessThan(120);
    expect(first.events.at(-1)).toMatchObject({ type: 'done', status: 'cancelled' });
    expect(await localPatients(c)).toEqual([]); // a cancelled retrieve indexes nothing
    const onDisk = filesUnder(retrieveDir(c, big.studyUid));
    expect(onDisk.filter((f) => f.endsWith('.dcm'))).toHaveLength(partial.fetched);

    const resumed = await (await retrieveVia(c, { nodeId: n.id, studyInstanceUid: big.studyUid })).finished();
    expect(resumed).toMatchObject({ state: 'completed', total: 120, done: 120, alreadyLocal: partial.fetched, fetched: 120 - partial.fetched, imported: 120 });
    const files = filesUnder(retrieveDir(c, big.studyUid));
    expect(files).toHaveLength(120);
    expect(files.every((f) => f.endsWith('.dcm'))).toBe(true); // no .part left behind
    expect(countLocalInstances(await localPatients(c))).toBe(120);
  });

  it('a cancel that comes while the retrieve indexes answers false and the study lands whole', async () => {
    const c = newContext();
    const n = await addNode(c, orthanc.dicomWeb);
    let cancel: Promise<unknown> | undefined;
    const r = await retrieveVia(c, { nodeId: n.id, studyInstanceUid: jane.studyUid }, (e) => {
      if (!cancel && e.type === 'progress' && e.label.startsWith('Indexing')) cancel = dispatch(c, 'pacs.cancelRetrieve', { taskId: e.taskId });
    });
    expect(await r.finished()).toMatchObject({ state: 'completed', fetched: 6, imported: 6 });
    expect(await cancel).toEqual({ cancelled: false });
    expect(countLocalInstances(await localPatients(c))).toBe(6);
  });

  it('a 401 says the credentials were refused and leaves the local studies untouched', async () => {
    const before = await localPatients(ctx);
    const bad = (await dispatch(ctx, 'pacs.saveNode', { name: 'Secured', url: secured.dicomWeb, auth: { kind: 'basic', username: 'reader', password: 'wrong' } })) as PacsNode;
    await expect(dispatch(ctx, 'pacs.verify', { nodeId: bad.id })).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/refused our credentials \(HTTP 401\)/) });
    await expect(query(ctx, { nodeId: bad.id, patientName: '*' })).rejects.toThrow(/HTTP 401/);
    const failed = await (await retrieveVia(ctx, { nodeId: bad.id, studyInstanceUid: john.studyUid })).finished();
    expect(failed).toMatchObject({ state: 'failed', fetched: 0, error: { code: 'unauthorized' } });
    expect(await localPatients(ctx)).toEqual(before);
    const bearer = (await dispatch(ctx, 'pacs.saveNode', { name: 'Bearer', url: secured.dicomWeb, auth: { kind: 'bearer', token: 'not-a-token' } })) as PacsNode;
    expect(bearer.auth).toEqual({ kind: 'bearer', hasSecret: true });
    await expect(dispatch(ctx, 'pacs.verify', { nodeId: bearer.id })).rejects.toThrow(/HTTP 401/);
  });

  it('a refused connection says nothing is listening', async () => {
    const before = await localPatients(ctx);
    const closedPort = await freePort();
    const n = await addNode(ctx, `http://127.0.0.1:${closedPort}/dicom-web`);
    await expect(dispatch(ctx, 'pacs.verify', { nodeId: n.id })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(new RegExp(`refused the connection: nothing is listening at 127\\.0\\.0\\.1:${closedPort}`)) });
    const failed = await (await retrieveVia(ctx, { nodeId: n.id, studyInstanceUid: jane.studyUid })).finished();
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'refused' } });
    expect(await localPatients(ctx)).toEqual(before);
  });
});

/** A loopback HTTP server whose answer each test chooses: the failures a real archive will not produce on demand. */
describe('PACS failures from a misbehaving server', () => {
  let server: Server;
  let url = '';
  let answer: (path: string, res: ServerResponse) => void = () => undefined;
  let ctx: AppContext;
  beforeAll(async () => {
    server = createServer((req, res) => answer(req.url ?? '', res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
    ctx = newContext();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of contexts) {
      await closeServices(c);
      rmSync(c.dataDir, { recursive: true, force: true });
    }
  });

  const STUDY = '1.2.3.4';

  it('a 500 names the server error', async () => {
    answer = (_p, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('database is locked');
    const n = await addNode(ctx, url);
    await expect(query(ctx, { nodeId: n.id, patientName: '*' })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/failed with a server error \(HTTP 500\): "database is locked"/),
    });
  });

  it('a malformed QIDO reply is named as such', async () => {
    const n = await addNode(ctx, url);
    answer = (_p, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login page</html>');
    await expect(query(ctx, { nodeId: n.id })).rejects.toThrow(/sent a QIDO-RS reply that is not JSON/);
    answer = (_p, res) => res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('{"studies": []}');
    await expect(query(ctx, { nodeId: n.id })).rejects.toThrow(/not a DICOM JSON list of datasets/);
    answer = (_p, res) => res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify([{ '0020000D': { vr: 'UI', Value: ['../../etc'] } }]));
    await expect(query(ctx, { nodeId: n.id })).rejects.toThrow(/0020000D is not a DICOM UID/);
  });

  it('a server that never answers times out with the node timeout in the message', async () => {
    answer = () => undefined; // hold the request open
    const n = await addNode(ctx, url, { timeoutMs: 1000 });
    await expect(query(ctx, { nodeId: n.id })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/did not answer within 1 s/) });
  });

  it('a retrieve that fails half-way keeps the local studies and says why', async () => {
    const before = await localPatients(ctx);
    answer = (path, res) => {
      if (path.includes('/instances?')) {
        const rows = ['1.2.3.4.5.1', '1.2.3.4.5.2'].map((sop) => ({ '0020000E': { vr: 'UI', Value: ['1.2.3.4.5'] }, '00080018': { vr: 'UI', Value: [sop] } }));
        res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify(rows));
      } else res.writeHead(503).end();
    };
    const n = await addNode(ctx, url);
    const report = await (await retrieveVia(ctx, { nodeId: n.id, studyInstanceUid: STUDY })).finished();
    expect(report).toMatchObject({ state: 'failed', total: 2, fetched: 0, imported: 0, error: { code: 'server_error', message: expect.stringMatching(/HTTP 503/) } });
    expect(await localPatients(ctx)).toEqual(before);
  });

  it('an instance that is not multipart DICOM is refused', async () => {
    answer = (path, res) => {
      if (path.includes('/instances?')) res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify([{ '0020000E': { vr: 'UI', Value: ['1.2.3.4.5'] }, '00080018': { vr: 'UI', Value: ['1.2.3.4.5.1'] } }]));
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
    const n = await addNode(ctx, url);
    const report = await (await retrieveVia(ctx, { nodeId: n.id, studyInstanceUid: STUDY })).finished();
    expect(report.error).toMatchObject({ code: 'malformed', message: expect.stringMatching(/not multipart\/related DICOM \(application\/json\)/) });
  });
});

describe('STOW-RS replies', () => {
  it('a node that accepts only part of what was sent says which instance it refused and why', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const reply = { '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.9'] }, '00081197': { vr: 'US', Value: [272] } }] } };
        res.writeHead(202, { 'content-type': 'application/dicom+json' }).end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const node = { id: 'n', name: 'Partial', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`, auth: { kind: 'none' as const }, timeoutMs: 5000 };
    await expect(stow(node, [Buffer.from('x')])).rejects.toThrow(/"Partial" .* refused 1 of 1 instance\(s\): 1\.2\.3\.9 \(failure reason 272\)/);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
