import { appVersion } from '../app/version.js';
import { ApiError } from '../api/errors.js';
import { UsageError, type Command } from './command.js';
import { report } from './commands/report.js';
import { importCommand } from './commands/import.js';
import { serve } from './commands/serve.js';
import { kb } from './commands/kb.js';
import { ask } from './commands/ask.js';
import { evalCommand } from './commands/eval.js';
import { doctor } from './commands/doctor.js';
import { model } from './commands/model.js';
import { dbCommand } from './commands/db.js';
import { pacsCommand } from './commands/pacs.js';

const COMMANDS: Command[] = [serve, report, importCommand, kb, model, ask, evalCommand, pacsCommand, dbCommand, doctor];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `medrwr ${appVersion()}: Med-RwR Workstation. Decision support, not for primary diagnosis.`,
    '',
    'Usage: medrwr <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options: --help, --version. Run "medrwr <command> --help" for a command\'s options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(help() + '\n');
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(appVersion() + '\n');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    process.stderr.write(`medrwr: unknown command "${first}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`medrwr ${command.name}: ${err.message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    if (err instanceof ApiError) {
      process.stderr.write(`medrwr ${command.name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
