import { parseArgs } from 'node:util';
import { describeDiagnosis, diagnose } from '../../engine/doctor.js';
import { ModelPackageError } from '../../engine/manifest.js';
import { UsageError, type Command } from '../command.js';

export const doctor: Command = {
  name: 'doctor',
  summary: 'What this machine can run: execution providers that work here, GPU and driver, CPU features, memory, and whether a model fits.',
  usage: 'medrwr doctor [--model DIR] [--dtype fp32|fp16|q4|q4f16] [--context N] [--json]',
  async run(argv) {
    const { values } = parseArgs({ args: argv, strict: true, options: { model: { type: 'string' }, dtype: { type: 'string' }, context: { type: 'string' }, json: { type: 'boolean', default: false } } });
    const context = values.context === undefined ? undefined : Number(values.context);
    if (context !== undefined && !(Number.isInteger(context) && context > 0)) throw new UsageError(`--context must be a positive whole number of tokens, not "${values.context}"`);
    let d;
    try {
      d = await diagnose({ modelDir: values.model, dtype: values.dtype, context });
    } catch (err) {
      if (!(err instanceof ModelPackageError)) throw err;
      process.stderr.write(`medrwr doctor: ${err.message}\n`);
      return 1;
    }
    process.stdout.write(values.json ? JSON.stringify(d, null, 2) + '\n' : describeDiagnosis(d) + '\n');
    return 0;
  },
};
