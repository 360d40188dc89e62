import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyPackage } from '../../engine/integrity.js';
import { GRAPHS, loadModelPackage, ModelPackageError, packagePath, type ModelPackage } from '../../engine/manifest.js';
import { chooseVariant, packageVariants, variantBytes } from '../../engine/variants.js';
import { UsageError, type Command } from '../command.js';
import { hasPythonModule, missingPython, runPythonModule } from '../python.js';

const USAGE = `medrwr model verify DIR
       medrwr model info DIR [--json]
       medrwr model quantize DIR --dtype q4[,q4f16,fp16] [--block-size 32] [--embed gbq|fp16] [--accuracy-level 0-4]
                             [--calibrate TEXTS.txt] [--uniform]
       medrwr model convert HF_DIR --out DIR [--dtype q4,q4f16,fp16,fp32]
  verify    the manifest, every path in it, every file's sha256 in full (every variant)
  info      id, licence, source, protocol, and each dtype variant with its size
  quantize  adds dtype variants made from the package's fp32 graphs (Python: numpy, onnx); --calibrate: the decoder's
            4-bit weights rounded with GPTQ on these texts, one a line (small models only); q4 keeps the embedding table,
            lm_head and the decoder's first and last eighth of layers at 8 bits (mixed precision); --uniform: all 4-bit
  convert   a Hugging Face Qwen2.5-VL folder to a package (Python: torch, numpy, onnx), then quantizes it`;

const QUANT_DTYPES = ['q4', 'q4f16', 'fp16'];
const CONVERTER = 'models.convert.qwen25vl';
const QUANTIZER = 'models.convert.quantize_package';

function fail(message: string): number {
  process.stdout.write(`NOT OK: ${message}\n`);
  return 1;
}

function withPackage(dir: string, work: (pkg: ModelPackage) => Promise<number> | number): Promise<number> | number {
  try {
    return work(loadModelPackage(dir));
  } catch (err) {
    if (!(err instanceof ModelPackageError)) throw err;
    return fail(err.message);
  }
}

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
    return fail(err.message);
  }
}

const mb = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);

/** What a package holds: identity, licence, source, protocol, variants with sizes, and what `auto` picks. */
function describe(pkg: ModelPackage) {
  const m = pkg.manifest;
  const fp32 = packageVariants(m).includes('fp32') ? variantBytes(pkg, 'fp32') : null;
  const variants = packageVariants(m).map((dtype) => {
    const bytes = variantBytes(pkg, dtype);
    const graphs = Object.fromEntries(
      GRAPHS.map((g) => {
        const ref = m.files[g][dtype]!;
        const size = [ref.path, ...(ref.data ?? []).map((d) => d.path)].reduce((n, p) => n + statSync(packagePath(pkg.dir, p)).size, 0);
        return [g, { path: ref.path, bytes: size, externalData: (ref.data ?? []).map((d) => d.path) }];
      }),
    );
    return { dtype, bytes, ratioToFp32: fp32 ? bytes / fp32 : null, quantization: m.quantization?.[dtype] ?? null, graphs };
  });
  return {
    dir: pkg.dir,
    id: m.id,
    version: m.version,
    name: m.name,
    format: m.format,
    architecture: m.architecture,
    synthetic: m.synthetic,
    licence: m.licence,
    source: m.source ?? null,
    manifestSha256: pkg.sha256,
    protocol: { maxRounds: m.protocol.max_rounds, k: m.protocol.k, cdirThreshold: m.protocol.cdir_threshold, stopStrings: m.protocol.stop_strings },
    text: { layers: m.text_config.num_hidden_layers, hidden: m.text_config.hidden_size, vocab: m.text_config.vocab_size },
    variants,
    auto: { cpu: chooseVariant(m, 'auto', 'cpu'), gpu: chooseVariant(m, 'auto', 'webgpu') },
  };
}

function info(argv: string[]): Promise<number> | number {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('give one model package folder');
  return withPackage(positionals[0]!, (pkg) => {
    const d = describe(pkg);
    if (values.json) {
      process.stdout.write(JSON.stringify(d, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `${d.id} ${d.version}: ${d.name}`,
      `  folder        ${d.dir}`,
      `  format        ${d.format}, ${d.architecture}${d.synthetic ? ', synthetic' : ''}; text ${d.text.layers} layers, hidden ${d.text.hidden}, vocabulary ${d.text.vocab}`,
      `  licence       ${d.licence}`,
      `  source        ${d.source ? Object.entries(d.source).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : 'not recorded'}`,
      `  protocol      ${d.protocol.maxRounds} rounds, k ${d.protocol.k}, CDIR below ${d.protocol.cdirThreshold}, stops at ${d.protocol.stopStrings.join(' ')}`,
      `  manifest      sha256 ${d.manifestSha256}`,
      '  variants:',
      ...d.variants.map((v) => {
        const q = v.quantization ? ` (${Object.entries(v.quantization).map(([k, x]) => `${k} ${quantizationValue(x)}`).join(', ')})` : '';
        const ratio = v.ratioToFp32 !== null && v.dtype !== 'fp32' ? `, ${v.ratioToFp32.toFixed(2)}× fp32` : '';
        const ext = Object.values(v.graphs).some((g) => g.externalData.length) ? ', external data' : '';
        return `    ${v.dtype.padEnd(6)} ${mb(v.bytes).padStart(10)}${ratio}${ext}${q}`;
      }),
      `  auto runs     ${d.auto.cpu} on the CPU, ${d.auto.gpu} on a GPU provider`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  });
}

/** A manifest's quantization entry for one line: mixed precision (a rule and lists of weights) as its count of 8-bit weights. */
function quantizationValue(x: unknown): string {
  if (typeof x !== 'object' || x === null) return String(x);
  const wide = (x as { '8-bit'?: Record<string, unknown> })['8-bit'];
  if (!wide) return JSON.stringify(x);
  return `${Object.values(wide).reduce((n: number, l) => n + (Array.isArray(l) ? l.length : 0), 0)} weights at 8 bits`;
}

function dtypeList(value: string | undefined, allowed: readonly string[]): string[] {
  if (!value) throw new UsageError('--dtype is required');
  const list = value.split(',').map((d) => d.trim()).filter(Boolean);
  const bad = list.filter((d) => !allowed.includes(d));
  if (bad.length || list.length === 0) throw new UsageError(`--dtype takes a comma-separated list of ${allowed.join(', ')}; got "${value}"`);
  return [...new Set(list)];
}

async function quantizeInto(dir: string, dtypes: string[], extra: string[]): Promise<number> {
  const problem = missingPython(['numpy', 'onnx']);
  if (problem) return fail(problem);
  const code = await runPythonModule(QUANTIZER, [resolve(dir), '--dtype', dtypes.join(','), ...extra]);
  if (code !== 0) return fail(`quantizing ${dir} failed (exit ${code}); the package is as it was`);
  return withPackage(dir, async (pkg) => {
    await verifyPackage(pkg); // the manifest just written lists what was written
    const d = describe(pkg);
    for (const v of d.variants.filter((x) => dtypes.includes(x.dtype))) process.stdout.write(`${v.dtype}: ${mb(v.bytes)}${v.ratioToFp32 !== null ? ` (${v.ratioToFp32.toFixed(2)}× fp32)` : ''}\n`);
    process.stdout.write(`OK: ${pkg.manifest.id} now has ${d.variants.map((v) => v.dtype).join(', ')}; auto runs ${d.auto.cpu} on the CPU, ${d.auto.gpu} on a GPU provider.\n`);
    return 0;
  });
}

async function quantize(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dtype: { type: 'string' }, 'block-size': { type: 'string' }, embed: { type: 'string' }, 'accuracy-level': { type: 'string' }, calibrate: { type: 'string' }, uniform: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('give one model package folder');
  const dtypes = dtypeList(values.dtype, QUANT_DTYPES);
  const extra: string[] = [];
  if (values['block-size'] !== undefined) {
    const b = Number(values['block-size']);
    if (!Number.isInteger(b) || b < 16 || b > 256 || (b & (b - 1)) !== 0) throw new UsageError(`--block-size must be a power of 2 from 16 to 256, got "${values['block-size']}"`);
    extra.push('--block-size', String(b));
  }
  if (values.embed !== undefined) {
    if (values.embed !== 'gbq' && values.embed !== 'fp16') throw new UsageError(`--embed must be gbq or fp16, got "${values.embed}"`);
    extra.push('--embed', values.embed);
  }
  if (values['accuracy-level'] !== undefined) {
    if (!/^[0-4]$/.test(values['accuracy-level'])) throw new UsageError(`--accuracy-level must be 0 to 4, got "${values['accuracy-level']}"`);
    extra.push('--accuracy-level', values['accuracy-level']);
  }
  if (values.calibrate !== undefined) {
    if (!existsSync(values.calibrate) || !statSync(values.calibrate).isFile()) throw new UsageError(`--calibrate ${values.calibrate}: no such text file`);
    extra.push('--calibrate', resolve(values.calibrate));
  }
  if (values.uniform) extra.push('--uniform');
  return withPackage(positionals[0]!, (pkg) => quantizeInto(pkg.dir, dtypes, extra));
}

async function convert(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, dtype: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('give one Hugging Face model folder (HF_DIR)');
  if (!values.out) throw new UsageError('--out DIR is required');
  const dtypes = values.dtype ? dtypeList(values.dtype, ['fp32', ...QUANT_DTYPES]) : ['fp32', 'q4'];
  const hf = resolve(positionals[0]!);
  if (!existsSync(hf) || !statSync(hf).isDirectory()) return fail(`${hf} is not a folder: give the Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.json)`);
  if (!hasPythonModule(CONVERTER)) {
    return fail(`the Qwen2.5-VL converter (Python module ${CONVERTER}) is not in this install, so nothing was converted. Use a build that includes models/convert/qwen25vl.`);
  }
  const problem = missingPython(['torch', 'numpy', 'onnx']);
  if (problem) return fail(problem);
  const out = resolve(values.out);
  const code = await runPythonModule(CONVERTER, [hf, '--out', out]);
  if (code !== 0) return fail(`converting ${hf} failed (exit ${code}); see the message above`);
  const quant = dtypes.filter((d) => d !== 'fp32');
  if (quant.length === 0) return withPackage(out, async (pkg) => (await verifyPackage(pkg), process.stdout.write(`OK: ${pkg.manifest.id} written to ${out}.\n`), 0));
  return quantizeInto(out, quant, []);
}

export const model: Command = {
  name: 'model',
  summary: 'Model packages: verify, describe, quantize (q4, q4f16, fp16), convert a Hugging Face Qwen2.5-VL checkpoint.',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'verify') return verify(rest);
    if (sub === 'info') return info(rest);
    if (sub === 'quantize') return quantize(rest);
    if (sub === 'convert') return convert(rest);
    throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'give a subcommand');
  },
};
