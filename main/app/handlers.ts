import type { MethodName, Params, Result } from '../api/contract.js';
import type { AppContext } from './context.js';
import { casesHandlers } from '../cases/handlers.js';
import { measurementsHandlers } from '../cases/measurement-handlers.js';
import { studiesHandlers } from '../dicom/handlers.js';
import { kbHandlers } from '../kb/handlers.js';
import { pacsHandlers } from '../pacs/handlers.js';
import { reportsHandlers } from '../reports/handlers.js';
import { appInfo } from './info.js';

export type Handler<M extends MethodName> = (params: Params<M>, ctx: AppContext) => Promise<Result<M>> | Result<M>;
export type Handlers = { [M in MethodName]: Handler<M> };

/** The implementation of every contract method; each transport reaches them only through `dispatch`. */
export const handlers: Handlers = {
  'app.info': (_params, ctx) => appInfo(ctx),
  ...casesHandlers,
  ...kbHandlers,
  ...measurementsHandlers,
  ...pacsHandlers,
  ...reportsHandlers,
  ...studiesHandlers,
};
