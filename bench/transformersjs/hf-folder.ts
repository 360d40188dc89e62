// An HF-style model folder for transformers.js derived from one of our packages (manifest.json): config.json,
// generation_config.json, tokenizer files, preprocessor_config.json, and onnx/*.onnx as symlinks to our graphs (the same
// bytes run in both engines; nothing is copied or committed). Written under .cache/; rebuilt when the manifest changes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { graphFile, GRAPHS, loadModelPackage } from '../../main/engine/manifest.js';

/** transformers.js names a graph's dtype variant by a file-name suffix. */
const SUFFIX: Record<string, string> = { fp32: '', fp16: '_fp16', q4: '_q4', q4f16: '_q4f16', int8: '_int8', uint8: '_uint8' };

export interface HfFolder {
  readonly dir: string;
  readonly dtype: string;
}

export function hfFolder(modelDir: string, outRoot: string, dtype?: string): HfFolder {
  const pkg = loadModelPackage(modelDir);
  const m = pkg.manifest;
  const tokenizerJson = readFileSync(join(modelDir, m.files.tokenizer.path), 'utf8');
  const vocab = JSON.parse(tokenizerJson) as { added_tokens: { id: number; content: string }[] };
  const idOf = (content: string): number => {
    const t = vocab.added_tokens.find((a) => a.content === content);
    if (!t) throw new Error(`${modelDir}: special token ${content} is not in tokenizer.json's added_tokens`);
    return t.id;
  };
  const chosen = graphFile(pkg, 'decoder_model_merged', dtype).dtype;
  const suffix = SUFFIX[chosen];
  if (suffix === undefined) throw new Error(`transformers.js has no file-name suffix for dtype ${chosen}`);
  const tag = createHash('sha256').update(JSON.stringify(m)).update(chosen).digest('hex').slice(0, 12);
  const dir = join(outRoot, `${m.id}-${chosen}-${tag}`);
  if (existsSync(join(dir, 'config.json'))) return { dir, dtype: chosen };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'onnx'), { recursive: true });

  const t = m.text_config;
  const eos = m.special_tokens.eos.map(idOf);
  const textConfig = {
    model_type: 'qwen2_5_vl_text',
    vocab_size: t.vocab_size,
    hidden_size: t.hidden_size,
    num_hidden_layers: t.num_hidden_layers,
    num_attention_heads: t.num_attention_heads,
    num_key_value_heads: t.num_key_value_heads,
    head_dim: t.head_dim,
    rope_theta: t.rope_theta,
    rope_scaling: { type: 'mrope', mrope_section: t.mrope_section },
    max_position_embeddings: t.max_position_embeddings,
    eos_token_id: eos,
  };
  const json = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value, null, 2));
  json('config.json', {
    architectures: ['Qwen2_5_VLForConditionalGeneration'],
    ...textConfig,
    model_type: 'qwen2_5_vl',
    text_config: textConfig,
    vision_config: { ...m.vision_config, model_type: 'qwen2_5_vl' },
    image_token_id: idOf(m.special_tokens.image_pad),
    video_token_id: idOf(m.special_tokens.video_pad),
    vision_start_token_id: idOf(m.special_tokens.vision_start),
    vision_end_token_id: idOf(m.special_tokens.vision_end),
    bos_token_id: idOf(m.special_tokens.endoftext),
    eos_token_id: eos,
    'transformers.js_config': { dtype: chosen },
  });
  json('generation_config.json', { eos_token_id: eos, pad_token_id: idOf(m.special_tokens.endoftext), do_sample: false });
  writeFileSync(join(dir, 'tokenizer.json'), tokenizerJson);
  json('tokenizer_config.json', {
    tokenizer_class: 'Qwen2Tokenizer',
    eos_token: m.special_tokens.im_end,
    pad_token: m.special_tokens.endoftext,
    unk_token: null,
    bos_token: null,
    model_max_length: t.max_position_embeddings,
  });
  const ip = m.image_processor;
  const vc = m.vision_config;
  json('preprocessor_config.json', {
    image_processor_type: 'Qwen2VLImageProcessor',
    processor_class: 'Qwen2_5_VLProcessor',
    do_resize: true,
    do_rescale: true,
    do_normalize: true,
    do_convert_rgb: true,
    resample: 3,
    rescale_factor: ip.rescale_factor,
    image_mean: ip.image_mean,
    image_std: ip.image_std,
    min_pixels: ip.min_pixels,
    max_pixels: ip.max_pixels,
    patch_size: vc.patch_size,
    temporal_patch_size: vc.temporal_patch_size,
    merge_size: vc.spatial_merge_size,
  });
  for (const g of GRAPHS) {
    const f = graphFile(pkg, g, chosen);
    symlinkSync(resolve(f.path), join(dir, 'onnx', `${g}${suffix}.onnx`));
    if (existsSync(`${f.path}_data`)) symlinkSync(resolve(`${f.path}_data`), join(dir, 'onnx', `${g}${suffix}.onnx_data`));
  }
  return { dir, dtype: chosen };
}
