import { describe, expect, it } from 'vitest';
import { decodeStepTransfer, kvCacheBytes, REAL_MODEL_STEP } from './transfer-bytes.js';

describe('host↔device bytes per decoding step', () => {
  it('costs the real model 57,344 bytes of fp16 KV cache per token (real-model.md)', () => {
    expect(kvCacheBytes(REAL_MODEL_STEP, 1)).toBe(57_344);
  });

  it('at a 2,000-token context: WebGPU moves only the step inputs and logits, CUDA-style copying the whole cache both ways', () => {
    const webgpu = decodeStepTransfer(REAL_MODEL_STEP, 2000, true);
    const cuda = decodeStepTransfer(REAL_MODEL_STEP, 2000, false);
    // up: id 8 + embedding 7,168 + mask 2,001×8 + positions 24; down: embedding 7,168 + logits 152,064×2
    expect(webgpu).toEqual({ upBytes: 8 + 7168 + 16_008 + 24, downBytes: 7168 + 304_128, totalBytes: 23_208 + 311_296, kvBytes: 0 });
    expect(cuda.kvBytes).toBe(57_344 * 2000 + 57_344 * 2001);
    expect(cuda.totalBytes).toBe(webgpu.totalBytes + cuda.kvBytes);
    expect(cuda.totalBytes / webgpu.totalBytes).toBeGreaterThan(600);
  });

  it('grows with the context only when the cache is copied', () => {
    expect(decodeStepTransfer(REAL_MODEL_STEP, 4000, false).kvBytes).toBe(2 * decodeStepTransfer(REAL_MODEL_STEP, 2000, false).kvBytes - 57_344 * 1);
    expect(decodeStepTransfer(REAL_MODEL_STEP, 4000, true).totalBytes - decodeStepTransfer(REAL_MODEL_STEP, 2000, true).totalBytes).toBe(2000 * 8);
  });

  it('refuses a context that is not a whole number of tokens', () => {
    expect(() => decodeStepTransfer(REAL_MODEL_STEP, -1, true)).toThrow(/whole number of tokens/);
    expect(() => decodeStepTransfer(REAL_MODEL_STEP, 1.5, false)).toThrow(/whole number of tokens/);
  });
});
