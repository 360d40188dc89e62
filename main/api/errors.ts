import { z } from 'zod';

/** Error codes every transport carries unchanged, so the UI can say what to do. */
export const ErrorCode = z.enum([
  'bad_request', // params failed the schema
  'unknown_method',
  'not_found',
  'unauthorized',
  'forbidden',
  'conflict',
  'unavailable', // a model, index or database is missing or cannot be opened
  'integrity', // a package's content does not match its manifest (bit rot, tampering): nothing from it is trusted
  'cancelled',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiErrorBody = z.object({ code: ErrorCode, message: z.string(), details: z.unknown().optional() });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** Thrown by handlers and clients; `message` is written for the person reading it. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toBody(): ApiErrorBody {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
  static fromBody(body: ApiErrorBody): ApiError {
    return new ApiError(body.code, body.message, body.details);
  }
}
