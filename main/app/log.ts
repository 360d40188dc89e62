import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** JSON lines in `<dataDir>/logs/medrwr.log`; warnings and errors are echoed to stderr too. */
export function fileLogger(dataDir: string, echo = true): Logger {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'medrwr.log');
  return {
    log(level, message, fields) {
      const line = JSON.stringify({ t: new Date().toISOString(), level, message, ...fields });
      appendFileSync(file, line + '\n');
      if (echo && (level === 'warn' || level === 'error')) process.stderr.write(`[medrwr] ${level}: ${message}\n`);
    },
  };
}
