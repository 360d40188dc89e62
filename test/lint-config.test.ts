import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layer rules in eslint.config.js', () => {
  it('refuses electron in main/', async () => {
    expect(await ruleIds('main/app/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toContain('no-restricted-imports');
  });

  it('refuses Node built-ins in the renderer', async () => {
    expect(await ruleIds('renderer/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('renderer/src/x.ts', "import path from 'path';\nexport const p = path;\n")).toContain('no-restricted-imports');
  });

  it('refuses main/ services in the renderer but allows the contract', async () => {
    expect(await ruleIds('renderer/src/x.ts', "import { dispatch } from '../../main/app/dispatch.js';\nexport const d = dispatch;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('renderer/src/x.ts', "import { methods } from '../../main/api/index.js';\nexport const m = methods;\n")).toEqual([]);
  });

  it('keeps domains from calling back up through the dispatcher or depending on a transport', async () => {
    expect(await ruleIds('main/cases/x.ts', "import { dispatch } from '../app/dispatch.js';\nexport const d = dispatch;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/reports/x.ts', "import { projectRoot } from '../cli/paths.js';\nexport const p = projectRoot;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/dicom/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/cli/x.ts', "import { dispatch } from '../app/dispatch.js';\nexport const d = dispatch;\n")).toEqual([]);
    expect(await ruleIds('main/server/x.ts', "import { dispatch } from '../app/dispatch.js';\nexport const d = dispatch;\n")).toEqual([]);
    expect(await ruleIds('main/kb/handlers.ts', "import type { Handler } from '../app/handlers.js';\nexport type H = Handler<'kb.info'>;\n")).toEqual([]);
  });

  it('lets each folder of main/ import only the folders main/layers.json lists for it', async () => {
    // Cases reach main/dicom only through the studies port; reports reach main/pacs only through the SR writer port.
    expect(await ruleIds('main/cases/x.ts', "import { renderInstance } from '../dicom/instances.js';\nexport const r = renderInstance;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/cases/sub/x.ts', "import { renderInstance } from '../../dicom/instances.js';\nexport const r = renderInstance;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/reports/x.ts', "import { caseSr } from '../pacs/case-sr.js';\nexport const c = caseSr;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/dicom/x.ts', "import { CaseStore } from '../cases/store.js';\nexport const c = CaseStore;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/engine/x.ts', "import { openKnowledgeBase } from '../kb/open.js';\nexport const o = openKnowledgeBase;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/cases/x.ts', "import { runReasoning } from '../reasoning/run.js';\nexport const r = runReasoning;\n")).toEqual([]);
    expect(await ruleIds('main/pacs/x.ts', "import { buildReportModel } from '../reports/model.js';\nexport const b = buildReportModel;\n")).toEqual([]);
  });

  it('lets the composition root (main/app) wire every domain, and domains use only the kernel of main/app', async () => {
    expect(await ruleIds('main/app/x.ts', "import { CaseStore } from '../cases/store.js';\nimport { DicomWorker } from '../dicom/worker/client.js';\nexport const c = [CaseStore, DicomWorker];\n")).toEqual([]);
    expect(await ruleIds('main/cases/x.ts', "import { composeApp } from '../app/compose.js';\nexport const c = composeApp;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/dicom/x.ts', "import { Lifecycle } from '../app/services.js';\nexport const l = Lifecycle;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/dicom/x.ts', "import type { AppContext } from '../app/context.js';\nimport { TaskRegistry } from '../app/tasks.js';\nexport type C = AppContext;\nexport const t = TaskRegistry;\n")).toEqual([]);
  });

  it('lets electron/ import electron', async () => {
    expect(await ruleIds('electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });

  it('keeps the contract (main/api) free of Node and of the rest of main/', async () => {
    expect(await ruleIds('main/api/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/api/x.ts', "import { dispatch } from '../app/dispatch.js';\nexport const d = dispatch;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('main/api/x.ts', "import { z } from 'zod';\nimport { method } from './define.js';\nexport const m = [z, method];\n")).toEqual([]);
  });
});
