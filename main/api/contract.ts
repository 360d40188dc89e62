import type { z } from 'zod';
import { appMethods } from './app.js';
import { casesMethods } from './cases.js';
import { kbMethods } from './kb.js';
import { measurementsMethods } from './measurements.js';
import { pacsMethods } from './pacs.js';
import { settingsMethods } from './settings.js';
import { studiesMethods } from './studies.js';

/** Every request the app answers, over Electron IPC and over the loopback web transport alike. */
export const methods = {
  ...appMethods,
  ...casesMethods,
  ...kbMethods,
  ...measurementsMethods,
  ...pacsMethods,
  ...settingsMethods,
  ...studiesMethods,
};

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Params<M extends MethodName> = z.input<Methods[M]['params']>;
export type Result<M extends MethodName> = z.output<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

export const DISCLAIMER = 'Decision support, not for primary diagnosis';
