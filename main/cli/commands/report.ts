import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ReportFormat } from '../../api/cases.js';
import { createAppContext } from '../../app/create.js';
import { closeServices } from '../../app/services.js';
import { exportReport } from '../../reports/export.js';
import { UsageError, type Command } from '../command.js';

export const report: Command = {
  name: 'report',
  summary: 'Export a case report as self-contained HTML, PDF or JSON (optionally de-identified), or as a DICOM SR.',
  usage: 'medrwr report CASE_ID --format html|pdf|json|sr --out FILE [--deidentify] [--run RUN_ID] [--data-dir DIR]\n       medrwr report --list [--data-dir DIR]   (the stored cases and their ids)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { list: { type: 'boolean', default: false }, format: { type: 'string' }, out: { type: 'string' }, deidentify: { type: 'boolean', default: false }, run: { type: 'string' }, 'data-dir': { type: 'string' } },
    });
    if (values.list) return listCases(values['data-dir']);
    if (positionals.length !== 1) throw new UsageError(`give exactly one CASE_ID (got ${positionals.length})`);
    const format = ReportFormat.safeParse(values.format);
    if (!format.success) throw new UsageError(`--format must be html, pdf, json or sr${values.format ? `, not "${values.format}"` : ''}`);
    if (!values.out) throw new UsageError('--out FILE is required');
    const ctx = createAppContext({ dataDir: values['data-dir'], transport: 'web' });
    try {
      const out = await exportReport(ctx, { caseId: positionals[0]!, format: format.data, deidentify: values.deidentify, runId: values.run });
      const path = resolve(values.out);
      writeFileSync(path, Buffer.from(out.data, out.encoding));
      process.stdout.write(`Wrote ${path}\n`);
      return 0;
    } finally {
      await closeServices(ctx);
    }
  },
};

async function listCases(dataDir: string | undefined): Promise<number> {
  const ctx = createAppContext({ dataDir, transport: 'web' });
  try {
    for (const c of ctx.services.cases.listCases()) {
      const answer = c.lastLetter ? ` ${c.lastLetter} ${((c.lastConfidence ?? 0) * 100).toFixed(1)}%` : '';
      process.stdout.write(`${c.id}  ${c.status.padEnd(11)} ${String(c.runs).padStart(2)} run(s)${answer}  ${c.title}${c.synthetic ? ' [synthetic]' : ''}\n`);
    }
    return 0;
  } finally {
    await closeServices(ctx);
  }
}
