import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError } from '../../api/errors.js';
import { createAppContext } from '../../app/create.js';
import { resolveDataDir } from '../../app/data-dir.js';
import { closeServices } from '../../app/services.js';
import { checkDatabase, repairDatabase, type Damage } from '../../cases/check.js';
import { APP_DB_FILE } from '../../db/database.js';
import { UsageError, type Command } from '../command.js';

const USAGE = `medrwr db check [--repair] [--json] [--data-dir DIR]
  Reads every case, run and event the app would read and lists what cannot be read back, with what --repair does.
  --repair moves each damaged value whole into the database's quarantine table, then marks or clears it (never a
  silent delete; each repair is in the audit log). Exit status: 0 sound, 1 damage left, 2 usage.`;

export const dbCommand: Command = {
  name: 'db',
  summary: 'Check the app database for damaged rows (db check), and quarantine them (--repair).',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { repair: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } },
    });
    if (positionals[0] !== 'check' || positionals.length !== 1) throw new UsageError(positionals.length ? `unknown db command "${positionals.join(' ')}"` : 'give a db command: check');
    const dataDir = resolveDataDir(values['data-dir']);
    if (!existsSync(join(dataDir, APP_DB_FILE))) throw new ApiError('not_found', `No app database in ${dataDir} (${APP_DB_FILE}); give --data-dir DIR.`);
    const ctx = createAppContext({ dataDir, transport: 'web' });
    try {
      const db = ctx.services.db;
      const before = checkDatabase(db);
      const repair = values.repair && before.damaged.length ? repairDatabase(db) : null;
      const integrityOk = before.integrity.length === 1 && before.integrity[0] === 'ok';
      const left = repair ? repair.left : before.damaged;
      if (values.json) {
        process.stdout.write(JSON.stringify({ database: join(dataDir, APP_DB_FILE), integrity: before.integrity, damaged: before.damaged, repaired: repair?.repaired ?? [], left }, null, 2) + '\n');
      } else {
        process.stdout.write(`${join(dataDir, APP_DB_FILE)}: SQLite check ${integrityOk ? 'ok' : before.integrity.join('; ')}\n`);
        process.stdout.write(before.damaged.length ? `${before.damaged.length} damaged value(s):\n` : 'No damaged rows.\n');
        for (const d of before.damaged) process.stdout.write(describe(d));
        if (repair) {
          for (const r of repair.repaired) process.stdout.write(`repaired ${place(r)}: ${r.repair}; the stored text is in quarantine #${r.quarantineId}\n`);
          for (const l of repair.left) process.stdout.write(`not repaired ${place(l)}: nothing to rebuild it from; it stays reported\n`);
        } else if (before.damaged.length) process.stdout.write('Run "medrwr db check --repair" to quarantine them.\n');
      }
      return integrityOk && left.length === 0 ? 0 : 1;
    } finally {
      await closeServices(ctx);
    }
  },
};

function place(d: Damage): string {
  return `${d.table}.${d.column} ${Object.entries(d.key).map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

function describe(d: Damage): string {
  return `  ${place(d)}${d.caseId ? ` (case ${d.caseId})` : ''}: ${d.reason}\n    stored: ${JSON.stringify(d.raw)}\n    repair: ${d.repair ?? 'none possible'}\n`;
}
