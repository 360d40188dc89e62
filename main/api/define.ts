import type { z } from 'zod';

/** One request of the contract: its params schema, its result schema and a line for the docs. */
export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly params: P;
  readonly result: R;
  readonly summary: string;
}

export function method<P extends z.ZodType, R extends z.ZodType>(params: P, result: R, summary: string): MethodSpec<P, R> {
  return { params, result, summary };
}
