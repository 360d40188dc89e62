import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { closeServices } from '../app/services.js';
import { importFinished, startImport } from '../dicom/importer.js';
import dicomParser from 'dicom-parser';
import { corpus, PYDICOM, skipWithoutTestData } from '../dicom/testing/corpus.js';
import { withWrongOffsetTable } from '../dicom/testing/offset-tables.js';
import { startServer, type RunningServer } from './server.js';

const CT_SMALL = join(PYDICOM, 'CT_small.dcm');
const CT_SMALL_UID = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322';

describe.skipIf(skipWithoutTestData)('GET /files/instances/<uid>', () => {
  let ctx: AppContext;
  let server: RunningServer;
  let xaPath: string;
  beforeAll(async () => {
    ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-files-')), transport: 'web' });
    xaPath = join(ctx.dataDir, 'xa-wrong-table.dcm');
    writeFileSync(xaPath, withWrongOffsetTable(readFileSync(corpus.xaCine96)));
    await importFinished(ctx, startImport(ctx, [CT_SMALL, xaPath]));
    const rendererDir = mkdtempSync(join(tmpdir(), 'medrwr-renderer-'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
    server = await startServer(ctx, { port: 0, rendererDir });
  });
  afterAll(async () => {
    await server.close();
    await closeServices(ctx);
  });
  const get = (uid: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${server.port}/files/instances/${uid}`, { headers });

  it('streams the stored file with the token', async () => {
    const res = await get(CT_SMALL_UID, { 'x-medrwr-token': server.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/dicom');
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(CT_SMALL))).toBe(true);
  });

  it("sends a compressed file whose offset table is wrong rewritten, so that the viewer's loader finds every frame", async () => {
    const uid = dicomParser.parseDicom(readFileSync(xaPath)).string('x00080018')!.replace(/\0/g, '');
    const res = await get(uid, { 'x-medrwr-token': server.token });
    expect(res.status).toBe(200);
    const served = new Uint8Array(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(served.length);
    const original = dicomParser.parseDicom(readFileSync(corpus.xaCine96));
    const ds = dicomParser.parseDicom(served);
    // What the loader does with a non-empty offset table (dicom-image-loader's getEncapsulatedImageFrame).
    for (const f of [0, 50, 95]) {
      const got = dicomParser.readEncapsulatedImageFrame(ds, ds.elements['x7fe00010']!, f);
      const want = dicomParser.readEncapsulatedImageFrame(original, original.elements['x7fe00010']!, f);
      expect(Buffer.from(got).equals(Buffer.from(want)), `frame ${f + 1}`).toBe(true);
    }
  });

  it('refuses a request without the token or from another origin', async () => {
    expect((await get(CT_SMALL_UID)).status).toBe(401);
    expect((await get(CT_SMALL_UID, { 'x-medrwr-token': server.token, origin: 'http://evil.example' })).status).toBe(403);
  });

  it('answers 404 with a reason for an unknown instance', async () => {
    const res = await get('1.2.3', { 'x-medrwr-token': server.token });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'not_found', message: 'No instance 1.2.3 in the database.' });
  });
});
