import { createContext, useContext } from 'react';
import type { Services } from './services.js';

/** The renderer's services, built once at startup (services.ts) and provided at the root (main.tsx). */
export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesContext');
  return services;
}
