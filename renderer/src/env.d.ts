// The build-time variables the renderer reads (Vite replaces them; see services/services.ts).
interface ImportMetaEnv {
  /** '1' in a build for the benchmarks (scripts/bench.mjs): record paint timings. */
  readonly VITE_PAINT_TIMINGS?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
