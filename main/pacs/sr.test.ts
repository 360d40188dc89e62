import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PacsNode, RemoteSeries } from '../api/pacs.js';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { dciodvfy, skipWithoutDciodvfy } from '../../test/support/dciodvfy.js';
import { skipWithoutOrthanc, startOrthanc, type RunningOrthanc } from '../../test/support/orthanc.js';
import { syntheticStudy } from '../../test/support/synthetic-dicom.js';
import { readPart10 } from '../dicom/dcmjs.js';
import { pacsGet } from './http.js';
import { multipartParts } from './multipart.js';
import { findNode } from './nodes.js';
import { sendSr } from './stow.js';
import { buildSr, COMPREHENSIVE_SR, NO_VALID_ANSWER, type SrInput } from './sr.js';

/** dciodvfy's errors on a file, after checking it recognised a Comprehensive SR. */
function dciodvfyErrors(bytes: Buffer): string[] {
  const { iod, errors } = dciodvfy(bytes);
  expect(iod).toBe('ComprehensiveSR');
  return errors;
}

const study = syntheticStudy({ patientName: 'SR^PATIENT^Ü', patientId: 'PID-SR', birthDate: '19610707', accessionNumber: 'ACC-SR', studyDate: '20250301', modality: 'CT', series: 1, instancesPerSeries: 2 });
const keySop = readPart10(study.files[1]!).SOPInstanceUID as string;

function demoInput(over: Partial<SrInput> = {}): SrInput {
  return {
    study: { studyInstanceUid: study.studyUid, patientName: 'SR^PATIENT^Ü', patientId: 'PID-SR', patientBirthDate: '19610707', patientSex: 'O', accessionNumber: 'ACC-SR', studyDate: '20250301', studyTime: '101500', studyId: '1' },
    question: 'Which finding best explains the image?',
    options: [
      { letter: 'A', text: 'Pneumothorax' },
      { letter: 'B', text: 'Pleural effusion (Erguss)' },
    ],
    answer: { letter: 'B', text: 'Pleural effusion (Erguss)' },
    confidence: 0.83,
    evidence: [{ text: 'Blunting of the costophrenic angle is the earliest sign of effusion.', source: 'Demo KB: pleural effusion', passageId: 'demo:17' }],
    keyImages: [{ seriesInstanceUid: study.seriesUids[0]!, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: keySop }],
    provenance: { model: 'medrwr-tiny', modelVersion: '0.1.0', knowledgeBase: 'kb/demo/index' },
    decisionSupportLabel: 'Decision support, not for primary diagnosis',
    at: new Date('2026-01-02T03:04:05Z'),
    ...over,
  };
}

/** dcmjs may give a one-item sequence as the item itself. */
const first = <T>(v: T | T[] | undefined): T | undefined => (Array.isArray(v) ? v[0] : v);

/** The SR's content tree as "concept: value" lines, children indented. */
function contentOf(ds: Record<string, unknown>, depth = 0): string[] {
  const items = (ds.ContentSequence ?? []) as Record<string, unknown>[];
  return items.flatMap((item) => {
    const meaning = first(item.ConceptNameCodeSequence as { CodeMeaning: string }[])?.CodeMeaning;
    const value =
      item.ValueType === 'TEXT'
        ? String(item.TextValue)
        : item.ValueType === 'IMAGE'
          ? first(item.ReferencedSOPSequence as { ReferencedSOPInstanceUID: string }[])?.ReferencedSOPInstanceUID
          : item.ValueType === 'NUM'
            ? String(Number(first(item.MeasuredValueSequence as { NumericValue: string }[])?.NumericValue))
            : String(item.ValueType);
    return [`${'  '.repeat(depth)}${meaning}: ${value}`, ...contentOf(item, depth + 1)];
  });
}

describe.skipIf(skipWithoutDciodvfy)('the result as a DICOM Comprehensive SR', () => {
  it('validates with dciodvfy without errors, with and without a valid answer', () => {
    expect(dciodvfyErrors(buildSr(demoInput()).bytes)).toEqual([]);
    expect(dciodvfyErrors(buildSr(demoInput({ answer: null, confidence: null, keyImages: [], evidence: [] })).bytes)).toEqual([]);
  });

  it('the validator does catch a broken SR (a frame number on a single-frame image)', () => {
    const bad = demoInput({ keyImages: [{ ...demoInput().keyImages[0]!, frame: 1 }] });
    expect(dciodvfyErrors(buildSr(bad).bytes).join('\n')).toMatch(/ReferencedFrameNumber/);
  });
});

describe('the SR content', () => {
  it('holds the question, options, answer, confidence, cited evidence, key images, provenance and the label', () => {
    const ds = readPart10(buildSr(demoInput()).bytes);
    expect(ds).toMatchObject({ SOPClassUID: COMPREHENSIVE_SR, Modality: 'SR', StudyInstanceUID: study.studyUid, PatientID: 'PID-SR', CompletionFlag: 'COMPLETE', VerificationFlag: 'UNVERIFIED', ValueType: 'CONTAINER' });
    expect(contentOf(ds)).toEqual([
      'Question: Which finding best explains the image?',
      'Answer option: A. Pneumothorax',
      'Answer option: B. Pleural effusion (Erguss)',
      'Answer: B. Pleural effusion (Erguss)',
      'Confidence: 83',
      'Cited evidence: Blunting of the costophrenic angle is the earliest sign of effusion.',
      '  Evidence source: Demo KB: pleural effusion',
      '  Passage identifier: demo:17',
      `Illustration of Finding: ${keySop}`,
      'Algorithm Name: medrwr-tiny',
      'Algorithm Version: 0.1.0',
      'Knowledge base: kb/demo/index',
      'Decision support label: Decision support, not for primary diagnosis',
    ]);
    expect(contentOf(readPart10(buildSr(demoInput({ answer: null, confidence: null })).bytes))).toContain(`Answer: ${NO_VALID_ANSWER}`);
  });
});

describe('reading an SR back', () => {
  it('non-ASCII text in nested content items survives the round trip (UTF-8, which dcmjs alone misreads in sequences)', () => {
    const ds = readPart10(buildSr(demoInput({ question: 'Erguss “rechts” – Größe?' })).bytes);
    expect(contentOf(ds)[0]).toBe('Question: Erguss “rechts” – Größe?');
    expect(String((ds.PatientName as { Alphabetic: string }[])[0]!.Alphabetic)).toBe('SR^PATIENT^Ü');
  });
});

describe.skipIf(skipWithoutOrthanc)('sending the SR to a PACS (STOW-RS)', () => {
  let orthanc: RunningOrthanc;
  let ctx: AppContext;
  beforeAll(async () => {
    orthanc = await startOrthanc({ auth: { username: 'writer', password: 'pw' } });
    await orthanc.store(study.files);
    ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-sr-ctx-')), transport: 'web' });
  });
  afterAll(async () => {
    if (ctx) {
      await closeServices(ctx);
      rmSync(ctx.dataDir, { recursive: true, force: true });
    }
    await orthanc?.stop();
  });

  it('is stored in the study of its key images and comes back with the same content', async () => {
    const node = (await dispatch(ctx, 'pacs.saveNode', { name: 'Orthanc', url: orthanc.dicomWeb, auth: { kind: 'basic', username: 'writer', password: 'pw' } })) as PacsNode;
    const input = demoInput();
    const sent = await sendSr(ctx, node.id, input);
    const { series } = (await dispatch(ctx, 'pacs.querySeries', { nodeId: node.id, studyInstanceUid: study.studyUid })) as { series: RemoteSeries[] };
    expect(series.find((s) => s.seriesInstanceUid === sent.seriesInstanceUid)).toMatchObject({ modality: 'SR', instanceCount: 1 });
    const res = await pacsGet(findNode(ctx.dataDir, node.id), `/studies/${study.studyUid}/series/${sent.seriesInstanceUid}/instances/${sent.sopInstanceUid}`, 'multipart/related; type="application/dicom"; transfer-syntax=*');
    const back = readPart10(multipartParts(res.headers.get('content-type')!, res.body)![0]!);
    expect(back.SOPInstanceUID).toBe(sent.sopInstanceUid);
    expect(contentOf(back)).toEqual(contentOf(readPart10(buildSr(input).bytes)));
  });
});
