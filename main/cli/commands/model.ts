import { parseArgs } from 'node:util';
import { verifyPackage } from '../../engine/integrity.js';
import { loadModelPackage, ModelPackageError } from '../../engine/manifest.js';
import { UsageError, type Command } from '../command.js';

const USAGE = 'medrwr model verify DIR';

/** `medrwr model verify DIR`: the manifest, every path in it (inside the package, regular files), every file's sha256 in full. */
async function verify(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('give one model package folder');
  try {
    const pkg = loadModelPackage(positionals[0]!);
    const r = await verifyPackage(pkg);
    const m = pkg.manifest;
    process.stdout.write(`OK: ${m.id} ${m.version}: ${r.files} files (${(r.bytes / 1e6).toFixed(1)} MB) match the sha256s of ${pkg.dir}/manifest.json.\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ModelPackageError)) throw err;
    process.stdout.write(`NOT OK: ${err.message}\n`);
    return 1;
  }
}

export const model: Command = {
  name: 'model',
  summary: 'Model packages: verify every file against its manifest.',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'verify') throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'give a subcommand');
    return verify(rest);
  },
};
