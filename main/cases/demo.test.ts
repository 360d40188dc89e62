import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeServices } from '../app/services.js';
import { projectRoot } from '../app/paths.js';
import { demoCasesFile, ensureDemo } from './demo.js';
import { testContext } from './testing/fixtures.js';

const CT = join(projectRoot(), 'test-data/deb/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm');
const ctx = testContext();
afterAll(() => closeServices(ctx));

describe('first launch', () => {
  it('imports the demo studies and creates the demo cases once, marked synthetic, with key images read from the files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medrwr-demo-'));
    const spec = join(dir, 'cases.json');
    writeFileSync(
      spec,
      JSON.stringify([
        { title: 'Demo 1', question: 'Which finding?', options: [{ letter: 'A', text: 'Cyst' }, { letter: 'B', text: 'Mass' }], images: [{ file: CT }] },
        { title: 'Demo 2 (ambiguous)', question: 'Which one?', options: [{ letter: 'A', text: 'X' }, { letter: 'B', text: 'Y' }], images: [{ file: CT, window: { center: 50, width: 350 } }] },
      ]),
    );
    const { created } = await ensureDemo(ctx, spec);
    expect(created).toHaveLength(2);
    const store = ctx.services.cases;
    expect(store.listCases().map((c) => c.title)).toEqual(['Demo 1', 'Demo 2 (ambiguous)']);
    const first = store.getCase(created[0]!);
    expect(first.synthetic).toBe(true);
    expect(first.keyImages[0]).toMatchObject({ sopInstanceUid: '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322', frame: 0 });
    expect(store.getCase(created[1]!).keyImages[0]!.window).toEqual({ center: 50, width: 350 });
    expect(await ensureDemo(ctx, spec)).toEqual({ created: [] }); // once
  });

  it('does nothing when the app runs without the demo (medrwr serve --no-demo)', async () => {
    const ctx = { ...testContext(), demo: false };
    expect(await ensureDemo(ctx, demoCasesFile(ctx.services.paths))).toEqual({ created: [] });
    expect(ctx.services.cases.listCases()).toEqual([]);
  });
});
