// npm run bench: runs every benchmark under bench/ in turn (each prints its figures and the machine).
import { readdirSync } from 'node:fs';
import { runSteps } from './run-steps.mjs';

const benches = readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).sort();
if (benches.length === 0) {
  process.stdout.write('no benchmarks yet\n');
} else {
  // The workspace bench reads paint timings, which only a renderer built with VITE_PAINT_TIMINGS=1 records.
  runSteps([['build (with paint timings)', 'VITE_PAINT_TIMINGS=1 node scripts/build.mjs'], ...benches.map((f) => [f, `node --import tsx bench/${f}`])]);
}
