import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { importCounts, nonImageKinds } from '../../api/studies.js';
import { createAppContext } from '../../app/create.js';
import { closeServices } from '../../app/services.js';
import { cancelImport, importFinished, startImport } from '../../dicom/importer.js';
import { UsageError, type Command } from '../command.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'Import DICOM files, folders (recursive) and DICOMDIRs into the app database (files stay where they are).',
  usage: 'medrwr import PATH... [--json] [--data-dir DIR]',
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
    if (positionals.length === 0) throw new UsageError('give at least one file or folder to import');
    const ctx = createAppContext({ dataDir: values['data-dir'], transport: 'web' });
    try {
      const taskId = startImport(ctx, positionals.map((p) => resolve(p)));
      const onSigint = () => void cancelImport(ctx, taskId); // Ctrl-C stops the import; what it indexed stays
      process.once('SIGINT', onSigint);
      const report = (await importFinished(ctx, taskId))!;
      process.off('SIGINT', onSigint);
      if (values.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        const out = [
          `${report.cancelled ? 'Cancelled after' : 'Examined'} ${report.done} of ${report.total ?? 0} file(s): ${importCounts(report)}.${report.notImages.length ? ` Not images: ${nonImageKinds(report.notImages)}.` : ''}`,
          `Data directory: ${ctx.dataDir} (files are referenced in place, not copied)`,
          ...report.notImages.map((s) => `  not an image ${s.path}: ${s.reason}`),
          ...report.failures.map((f) => `  FAILED  ${f.path}: ${f.reason}`),
        ];
        process.stdout.write(out.join('\n') + '\n');
      }
      return report.state === 'completed' ? 0 : 1;
    } finally {
      await closeServices(ctx);
    }
  },
};
