import { useServices } from '../services/context.js';
import type { Client } from './client.js';

/** The contract client, from the renderer's services. */
export function useClient(): Client {
  return useServices().client;
}
