import { ApiError } from '../api/errors.js';
import type { Handlers } from '../app/handlers.js';
import { pacsGet } from './http.js';
import { parseQidoReply } from './dicom-json.js';
import { deleteNode, findNode, publicNode, readNodes, saveNode } from './nodes.js';
import { queryStudies, querySeries, where } from './qido.js';
import { cancelRetrieve, retrieveReport, startRetrieve } from './retrieve.js';
import { sendCase } from './stow.js';

type PacsMethod = 'pacs.nodes' | 'pacs.saveNode' | 'pacs.deleteNode' | 'pacs.verify' | 'pacs.queryStudies' | 'pacs.querySeries' | 'pacs.retrieve' | 'pacs.retrieveReport' | 'pacs.cancelRetrieve' | 'pacs.sendCase';

export const pacsHandlers: Pick<Handlers, PacsMethod> = {
  'pacs.nodes': (_p, ctx) => ({ nodes: readNodes(ctx.dataDir).map(publicNode) }),
  'pacs.saveNode': (p, ctx) => saveNode(ctx.dataDir, p),
  'pacs.deleteNode': ({ nodeId }, ctx) => ({ deleted: deleteNode(ctx.dataDir, nodeId) }),
  'pacs.verify': async ({ nodeId }, ctx) => {
    const node = findNode(ctx.dataDir, nodeId);
    const t0 = performance.now();
    const res = await pacsGet(node, '/studies?limit=1', 'application/dicom+json');
    parseQidoReply(res.body, where(node)); // a 200 that is not DICOM JSON is not a DICOMweb server
    const ms = Math.round(performance.now() - t0);
    const server = res.headers.get('server');
    return { answered: `${node.url} answered QIDO-RS (HTTP ${res.status}${server ? `, server "${server}"` : ''}) in ${ms} ms.`, server, status: res.status, ms };
  },
  'pacs.queryStudies': async (p, ctx) => ({ studies: await queryStudies(ctx, p) }),
  'pacs.querySeries': async ({ nodeId, studyInstanceUid }, ctx) => ({ series: await querySeries(ctx, nodeId, studyInstanceUid) }),
  'pacs.retrieve': ({ nodeId, studyInstanceUid, seriesInstanceUid }, ctx) => ({ taskId: startRetrieve(ctx, nodeId, studyInstanceUid, seriesInstanceUid ?? null) }),
  'pacs.retrieveReport': ({ taskId }, ctx) => retrieveReport(ctx, taskId) ?? unknownTask(taskId),
  'pacs.sendCase': ({ nodeId, caseId, runId }, ctx) => sendCase(ctx, nodeId, { caseId, runId }),
  'pacs.cancelRetrieve': async ({ taskId }, ctx) => ({ cancelled: (await cancelRetrieve(ctx, taskId)) ?? unknownTask(taskId) }),
};

function unknownTask(taskId: string): never {
  throw new ApiError('not_found', `No retrieve task ${taskId} in this session.`);
}
