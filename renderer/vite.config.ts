import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  // Cornerstone's dicom-image-loader starts its decoder as a module worker (`new Worker(new URL(…), { type:
  // 'module' })`) and finds its WASM codecs with `new URL('<package>/…wasm', import.meta.url)`; Vite bundles both
  // as same-origin files under assets/, which our CSP allows (worker-src 'self', script-src 'wasm-unsafe-eval').
  worker: { format: 'es' },
  resolve: {
    // vtk.js imports xmlbuilder2 (Node-only) for XML meshes a stack viewer never reads; see the shim.
    alias: { xmlbuilder2: fileURLToPath(new URL('src/viewer/shims/xmlbuilder2.ts', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // vtk.js (through Cornerstone core) makes the main chunk large; it is loaded from disk, never a network.
    chunkSizeWarningLimit: 8000,
  },
});
