import { parseArgs } from 'node:util';
import { createAppContext } from '../../app/create.js';
import { closeServices } from '../../app/services.js';
import { startBackgroundWork } from '../../app/start.js';
import { startServer } from '../../server/server.js';
import { UsageError, type Command } from '../command.js';
import { rendererBuildDir } from '../../app/paths.js';

export const serve: Command = {
  name: 'serve',
  summary: 'Serve the app in web mode on 127.0.0.1 (HTTP + WebSocket, per-launch token).',
  usage: 'medrwr serve [--port N] [--data-dir DIR] [--no-demo]',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { port: { type: 'string', default: '0' }, 'data-dir': { type: 'string' }, 'no-demo': { type: 'boolean', default: false } }, strict: true });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer 0-65535, got "${values.port}"`);
    const ctx = createAppContext({ dataDir: values['data-dir'], transport: 'web', demo: !values['no-demo'] });
    const server = await startServer(ctx, { port, rendererDir: rendererBuildDir() });
    process.stdout.write(`Med-RwR Workstation (web mode) at ${server.url}\n`);
    process.stdout.write(`Data directory: ${ctx.dataDir}\n`);
    startBackgroundWork(ctx);
    await new Promise<void>((resolve) => {
      const stop = () => void server.close().then(() => closeServices(ctx)).then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
