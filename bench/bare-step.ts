import * as ort from 'onnxruntime-node';
import type { ModelRunner } from '../main/engine/model-runner.js';

/**
 * The least any engine on these graphs does per decoded token: embed_tokens, then the decoder, feeds built inline,
 * nothing else. Borrows a prefilled runner's sessions and cache (the runner itself is not used afterwards).
 */
export function bareStepper(runner: ModelRunner): (id: number) => Promise<void> {
  const { embed, decoder } = (runner as unknown as { s: Record<'embed' | 'decoder', { session: ort.InferenceSession }> }).s;
  const layers = runner.manifest.text_config.num_hidden_layers;
  let kv = (runner as unknown as { kv: { feeds(): Record<string, ort.Tensor> } }).kv.feeds();
  let past = runner.length;
  let pos = past + runner.ropeDelta;
  return async (id) => {
    const e = await embed.session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(id)), [1, 1]) });
    const out = await decoder.session.run({
      inputs_embeds: e.inputs_embeds!,
      attention_mask: new ort.Tensor('int64', new BigInt64Array(past + 1).fill(1n), [1, past + 1]),
      position_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(pos), BigInt(pos), BigInt(pos)), [3, 1, 1]),
      ...kv,
    });
    kv = {};
    for (let i = 0; i < layers; i++) for (const k of ['key', 'value']) kv[`past_key_values.${i}.${k}`] = out[`present.${i}.${k}`]!;
    past++;
    pos++;
  };
}
