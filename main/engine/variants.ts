import { statSync } from 'node:fs';
import { GRAPHS, loadModelPackage, ModelPackageError, packagePath, type Manifest, type ModelPackage } from './manifest.js';
import { providerPlan, type EpChoice, type ExecutionProvider } from './providers.js';

/**
 * A package's dtype variants (transformers.js's names: fp32, fp16, q4 = 4-bit weights with fp32 activations, q4f16 =
 * 4-bit weights with fp16 activations) and which one the engine runs. `auto` takes the best the package has for the
 * provider: on a GPU, fp16 arithmetic and 4-bit weights (bandwidth is what decode spends); on the CPU, 4-bit weights
 * with fp32 arithmetic (ONNX Runtime's CPU kernels compute fp16 through casts, slower than fp32).
 */
export const DTYPE_CHOICES = ['auto', 'fp32', 'fp16', 'q4', 'q4f16'] as const;
export type DtypeChoice = (typeof DTYPE_CHOICES)[number];

export function isDtypeChoice(value: string): value is DtypeChoice {
  return (DTYPE_CHOICES as readonly string[]).includes(value);
}

const PREFERENCE: Record<'gpu' | 'cpu', readonly string[]> = {
  gpu: ['q4f16', 'fp16', 'q4', 'fp32'],
  cpu: ['q4', 'fp32', 'fp16', 'q4f16'],
};

/** The variants every graph of the package has (a variant is usable only whole). */
export function packageVariants(m: Manifest): string[] {
  const [first, ...rest] = GRAPHS.map((g) => Object.keys(m.files[g]));
  return first!.filter((d) => rest.every((r) => r.includes(d)));
}

/** The variant to run on `provider`: the one asked for (which must exist), or for `auto` the preferred one present
 * (`half: false`: the device cannot compute in fp16, so only fp32-arithmetic variants, unless the package has no other). */
export function chooseVariant(m: Manifest, choice: string | undefined, provider: ExecutionProvider, device: { half: boolean } = { half: true }): string {
  const have = packageVariants(m);
  if (have.length === 0) throw new ModelPackageError(`model ${m.id} has no dtype variant that all three graphs share (${GRAPHS.map((g) => `${g}: ${Object.keys(m.files[g]).join(', ')}`).join('; ')})`);
  if (choice && choice !== 'auto') {
    if (!have.includes(choice)) throw new ModelPackageError(`model ${m.id} has no ${choice} variant (it has ${have.join(', ')}); add it with "medrwr model quantize <package> --dtype ${choice}" or choose another`);
    return choice;
  }
  const order = PREFERENCE[provider === 'cpu' ? 'cpu' : 'gpu'].filter((d) => device.half || (d !== 'fp16' && d !== 'q4f16'));
  return order.find((d) => have.includes(d)) ?? have[0]!;
}

/** The variant a load with these options will most likely run (on the first provider of the plan; a provider that then
 * fails to initialise falls back to CPU, whose variant may differ: the engine reports what it really chose). */
export function expectedVariant(m: Manifest, choice: string | undefined, ep: EpChoice): string {
  return chooseVariant(m, choice, providerPlan(ep)[0]!);
}

/** Every file one variant reads: its three graphs, their external data files, the tokenizer. */
export function variantFiles(m: Manifest, dtype: string): { path: string; sha256: string }[] {
  return [
    ...GRAPHS.flatMap((g) => {
      const ref = m.files[g][dtype];
      if (!ref) throw new ModelPackageError(`model ${m.id} has no ${dtype} variant of ${g}`);
      return [{ path: ref.path, sha256: ref.sha256 }, ...(ref.data ?? [])];
    }),
    m.files.tokenizer,
  ];
}

/** Bytes on disk of one variant's files (graphs, external data, tokenizer). */
export function variantBytes(pkg: ModelPackage, dtype: string): number {
  return variantFiles(pkg.manifest, dtype).reduce((n, f) => n + statSync(packagePath(pkg.dir, f.path)).size, 0);
}

/** What Settings and About show of a model folder: the package, the variant it will run on the first provider of the
 * plan, that variant's size, and every variant it has; or why it cannot be used. */
export function modelSummary(dir: string, choice: string, ep: EpChoice) {
  try {
    const pkg = loadModelPackage(dir);
    const provider = providerPlan(ep)[0]!;
    const variant = chooseVariant(pkg.manifest, choice, provider);
    const m = pkg.manifest;
    return { dir: pkg.dir, id: m.id, version: m.version, name: m.name, synthetic: m.synthetic, variant, bytes: variantBytes(pkg, variant), variants: packageVariants(m), provider };
  } catch (err) {
    if (!(err instanceof ModelPackageError)) throw err;
    return { dir, error: err.message };
  }
}
