export * from './contract.js';
export * from './define.js';
export * from './errors.js';
export * from './events.js';
export * from './app.js';
export * from './run-events.js';
export * from './cases.js';
export * from './settings.js';
