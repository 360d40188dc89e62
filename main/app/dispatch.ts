import { ApiError } from '../api/errors.js';
import { isMethodName, methods, type MethodName } from '../api/contract.js';
import type { AppContext } from './context.js';
import { handlers, type Handler } from './handlers.js';
import { isShuttingDown, ShuttingDown } from './services.js';

/**
 * The one boundary both transports cross: validates the params against the contract, runs the handler and
 * checks its result, so a transport never calls a service with unchecked input.
 */
export async function dispatch(ctx: AppContext, name: string, rawParams: unknown): Promise<unknown> {
  if (!isMethodName(name)) throw new ApiError('unknown_method', `Unknown method "${name}".`);
  if (isShuttingDown(ctx)) throw new ApiError('unavailable', 'The workstation is shutting down; try again when it has restarted.');
  const spec = methods[name];
  const parsed = spec.params.safeParse(rawParams ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`);
    throw new ApiError('bad_request', `Invalid params for ${name}: ${issues.join('; ')}`, issues);
  }
  const handler = handlers[name] as Handler<MethodName>;
  try {
    const result = await handler(parsed.data as never, ctx);
    return spec.result.parse(result);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof ShuttingDown) throw new ApiError('unavailable', err.message);
    ctx.logger.log('error', `${name} failed`, { error: String(err instanceof Error ? (err.stack ?? err.message) : err) });
    throw new ApiError('internal', `${name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
