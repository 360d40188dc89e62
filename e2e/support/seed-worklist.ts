/**
 * Seeds a data directory with 10,000 synthetic studies (2,500 patients) before the server starts, for the
 * worklist's virtualisation check in e2e/worklist.spec.ts. Usage: tsx e2e/support/seed-worklist.ts DATA_DIR
 */
import { createAppContext } from '../../main/app/create.js';
import { closeServices } from '../../main/app/services.js';
import { seedSyntheticStudies } from '../../main/dicom/testing/synthetic-studies.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: seed-worklist.ts DATA_DIR');
const ctx = createAppContext({ dataDir, transport: 'web' });
try {
  seedSyntheticStudies(ctx, 10_000);
} finally {
  await closeServices(ctx);
}
