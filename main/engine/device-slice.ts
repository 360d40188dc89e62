import * as ort from 'onnxruntime-node';
import { singleNodeModel } from './onnx-proto.js';

/**
 * Cuts a `[1, heads, length, headDim]` cache tensor to its first `keep` positions on the tensor's own device: a one-node
 * Slice graph on the same provider with its output left there (`gpu-buffer`). This is how the KV cache is rewound to
 * the text before `<query>` without a round trip through host memory.
 */
export class DeviceSlicer {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(ep: string, type: 'float32' | 'float16'): Promise<DeviceSlicer> {
    const model = singleNodeModel(
      'Slice',
      [
        { name: 'data', type, shape: [1, 'heads', 'length', 'head_dim'] },
        { name: 'starts', type: 'int64', shape: [1] },
        { name: 'ends', type: 'int64', shape: [1] },
        { name: 'axes', type: 'int64', shape: [1] },
      ],
      [{ name: 'sliced', type, shape: [1, 'heads', 'kept', 'head_dim'] }],
    );
    const session = await ort.InferenceSession.create(model, { executionProviders: [ep], preferredOutputLocation: 'gpu-buffer', logSeverityLevel: 3 });
    return new DeviceSlicer(session);
  }

  async keep(t: ort.Tensor, keep: number): Promise<ort.Tensor> {
    const one = (n: number) => new ort.Tensor('int64', BigInt64Array.from([BigInt(n)]), [1]);
    const out = await this.session.run({ data: t, starts: one(0), ends: one(keep), axes: one(2) });
    return out.sliced!;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
