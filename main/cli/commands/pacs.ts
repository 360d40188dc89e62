import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { PacsNode, RemoteStudy, RetrieveReport } from '../../api/pacs.js';
import type { AppContext } from '../../app/context.js';
import { createAppContext } from '../../app/create.js';
import { dispatch } from '../../app/dispatch.js';
import { closeServices } from '../../app/services.js';
import { findNode, readNodes } from '../../pacs/nodes.js';
import { stow } from '../../pacs/stow.js';
import { cancelRetrieve, retrieveFinished } from '../../pacs/retrieve.js';
import { UsageError, type Command } from '../command.js';

const USAGE = `medrwr pacs add-node --name NAME --url DICOMWEB_URL [--user U --password-env VAR | --token-env VAR] [--timeout-ms MS]
       medrwr pacs nodes
       medrwr pacs verify --node NODE
       medrwr pacs query --node NODE [--patient-name 'DOE^J*'] [--patient-id ID] [--birth-date YYYYMMDD] [--accession A]
                         [--from YYYYMMDD] [--to YYYYMMDD] [--modality CT] [--series STUDY_UID]
       medrwr pacs retrieve --node NODE --study STUDY_UID [--series SERIES_UID]
       medrwr pacs send --node NODE FILE.dcm...   (STOW-RS, e.g. an SR written by the app)
  (all take [--json] [--data-dir DIR]; NODE is a node's id or name; secrets are read from the named environment variable)`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  'data-dir': { type: 'string' },
  node: { type: 'string' },
  name: { type: 'string' },
  url: { type: 'string' },
  user: { type: 'string' },
  'password-env': { type: 'string' },
  'token-env': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'patient-name': { type: 'string' },
  'patient-id': { type: 'string' },
  'birth-date': { type: 'string' },
  accession: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  modality: { type: 'string' },
  study: { type: 'string' },
  series: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export const pacsCommand: Command = {
  name: 'pacs',
  summary: 'Query, retrieve and send studies with a configured PACS over DICOMweb (QIDO-RS, WADO-RS, STOW-RS); add and verify nodes.',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [sub, ...extra] = positionals;
    if (extra.length > 0 && sub !== 'send') throw new UsageError(`unexpected argument "${extra[0]}"`);
    const ctx = createAppContext({ dataDir: values['data-dir'], transport: 'web' });
    try {
      switch (sub) {
        case 'add-node':
          return print(values, await dispatch(ctx, 'pacs.saveNode', nodeInput(values)), (n) => `Saved node ${(n as PacsNode).name} (${(n as PacsNode).id}). Check it with: medrwr pacs verify --node ${(n as PacsNode).id}`);
        case 'nodes':
          return print(values, await dispatch(ctx, 'pacs.nodes', {}), (r) => (r as { nodes: PacsNode[] }).nodes.map((n) => `${n.id}  ${n.name}  ${n.url}  auth=${n.auth.kind}  timeout=${n.timeoutMs} ms`).join('\n') || 'No PACS nodes configured.');
        case 'verify':
          return print(values, await dispatch(ctx, 'pacs.verify', { nodeId: nodeId(ctx, values) }), (r) => (r as { answered: string }).answered);
        case 'query':
          return await query(ctx, values);
        case 'retrieve':
          return await retrieve(ctx, values);
        case 'send':
          return await send(ctx, values, extra);
        default:
          throw new UsageError(sub === undefined ? 'say what to do: add-node, nodes, verify, query, retrieve or send' : `unknown pacs command "${sub}"`);
      }
    } finally {
      await closeServices(ctx);
    }
  },
};

function nodeInput(v: Values): object {
  if (!v.name || !v.url) throw new UsageError('add-node needs --name and --url');
  const secret = (name: string | undefined) => {
    if (!name) return undefined;
    const s = process.env[name];
    if (!s) throw new UsageError(`the environment variable ${name} is empty or unset`);
    return s;
  };
  const auth = v.user ? { kind: 'basic', username: v.user, password: secret(v['password-env']) } : v['token-env'] ? { kind: 'bearer', token: secret(v['token-env']) } : { kind: 'none' };
  return { name: v.name, url: v.url, auth, ...(v['timeout-ms'] ? { timeoutMs: Number(v['timeout-ms']) } : {}) };
}

function nodeId(ctx: AppContext, v: Values): string {
  if (!v.node) throw new UsageError('give --node (a node id or name; see "medrwr pacs nodes")');
  const nodes = readNodes(ctx.dataDir);
  const node = nodes.find((n) => n.id === v.node) ?? nodes.find((n) => n.name === v.node);
  if (!node) throw new UsageError(`no PACS node "${v.node}"; configured: ${nodes.map((n) => n.name).join(', ') || 'none'}`);
  return node.id;
}

async function query(ctx: AppContext, v: Values): Promise<number> {
  const id = nodeId(ctx, v);
  if (v.series) {
    return print(v, await dispatch(ctx, 'pacs.querySeries', { nodeId: id, studyInstanceUid: v.series }), (r) =>
      (r as { series: { seriesInstanceUid: string; seriesNumber: number | null; modality: string; description: string; instanceCount: number | null }[] }).series
        .map((s) => `${String(s.seriesNumber ?? '-').padStart(4)}  ${s.modality.padEnd(3)}  ${String(s.instanceCount ?? '?').padStart(5)} inst  ${s.seriesInstanceUid}  ${s.description}`)
        .join('\n'),
    );
  }
  const q = { nodeId: id, patientName: v['patient-name'], patientId: v['patient-id'], birthDate: v['birth-date'], accessionNumber: v.accession, studyDateFrom: v.from, studyDateTo: v.to, modality: v.modality };
  return print(v, await dispatch(ctx, 'pacs.queryStudies', q), (r) => {
    const studies = (r as { studies: RemoteStudy[] }).studies;
    const rows = studies.map((s) => `${s.date || '--------'}  ${s.patientName.padEnd(20)} ${s.patientId.padEnd(12)} ${s.accessionNumber.padEnd(10)} ${s.modalities.join('/').padEnd(6)} ${String(s.instanceCount ?? '?').padStart(5)} inst${s.localInstances ? ` (${s.localInstances} local)` : ''}  ${s.studyInstanceUid}`);
    return [`${studies.length} remote stud${studies.length === 1 ? 'y' : 'ies'}:`, ...rows].join('\n');
  });
}

async function retrieve(ctx: AppContext, v: Values): Promise<number> {
  if (!v.study) throw new UsageError('retrieve needs --study STUDY_UID');
  const { taskId } = (await dispatch(ctx, 'pacs.retrieve', { nodeId: nodeId(ctx, v), studyInstanceUid: v.study, ...(v.series ? { seriesInstanceUid: v.series } : {}) })) as { taskId: string };
  const onSigint = () => void cancelRetrieve(ctx, taskId); // Ctrl-C stops; what was fetched stays for a resume
  process.once('SIGINT', onSigint);
  const report = (await retrieveFinished(ctx, taskId)) as RetrieveReport;
  process.off('SIGINT', onSigint);
  print(v, report, () =>
    report.error
      ? `Retrieve failed: ${report.error.message}\n${report.fetched} instance(s) fetched are kept; run the same command again to resume.`
      : `${report.state === 'cancelled' ? 'Cancelled' : 'Retrieved'}: ${report.done} of ${report.total ?? '?'} instance(s) local (${report.fetched} fetched, ${(report.bytes / 1e6).toFixed(1)} MB; ${report.alreadyLocal} already here), ${report.imported} newly indexed.`,
  );
  return report.state === 'completed' ? 0 : 1;
}

async function send(ctx: AppContext, v: Values, files: string[]): Promise<number> {
  if (files.length === 0) throw new UsageError('send needs at least one DICOM file');
  const node = findNode(ctx.dataDir, nodeId(ctx, v));
  const bytes = await Promise.all(files.map((f) => readFile(resolve(f))));
  const notDicom = files.find((_, i) => bytes[i]!.length < 132 || bytes[i]!.toString('latin1', 128, 132) !== 'DICM');
  if (notDicom !== undefined) throw new UsageError(`${notDicom} is not a DICOM Part 10 file (no "DICM" prefix at byte 128)`);
  const result = await stow(node, bytes);
  return print(v, result, () => `Stored ${result.stored} instance(s) on ${node.name}.`);
}

function print(v: Values, result: unknown, text: (r: unknown) => string): number {
  process.stdout.write((v.json ? JSON.stringify(result, null, 2) : text(result)) + '\n');
  return 0;
}
