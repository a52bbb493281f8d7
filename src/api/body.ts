import { bodyParser } from '@koa/bodyparser';
import type { Next } from 'koa';
import { AppError } from '../errors.ts';
import type { AppContext } from './middleware.ts';

const PARSED_METHODS = ['POST', 'PUT', 'PATCH'];

/**
 * A body of another media type than JSON. It stands in `ctx.request.body` unread, and `parse`
 * refuses it with 415 when a handler asks for the body, so a route that does not exist or
 * a caller that is not allowed still gets its 404, 405 or 401 first.
 */
export class UnsupportedBody {
  readonly contentType: string;
  constructor(contentType: string) {
    this.contentType = contentType;
  }
}

/**
 * Request bodies are JSON (UTF-8, optionally gzip, deflate or br encoded), at most `limit`.
 * Every way a body can be wrong is a 4xx in the error shape: another media type is 415, an
 * unknown Content-Encoding 415, bytes that do not decode with their Content-Encoding 400,
 * invalid JSON 400, too large 413.
 */
export function jsonBody(options: { limit: string }) {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: options.limit,
    encoding: 'utf-8',
    parsedMethods: PARSED_METHODS,
    onError: (error) => { throw bodyError(error, options.limit); },
  });
  return async (ctx: AppContext, next: Next) => {
    // ctx.is is null without a body, false for a body of another type; an empty body
    // (Content-Length: 0, what a client sends for a PUT or POST without one) is no body either
    const empty = ctx.get('content-length') === '0' && !ctx.get('content-type');
    if (PARSED_METHODS.includes(ctx.method) && !empty && ctx.is('application/json', '+json') === false) {
      ctx.request.body = new UnsupportedBody(ctx.get('content-type'));
      return next();
    }
    return parse(ctx, next);
  };
}

function bodyError(error: unknown, limit: string): unknown {
  const { status, code } = error as { status?: number; code?: unknown };
  if (error instanceof SyntaxError) {
    return new AppError(400, 'VALIDATION_FAILED', `the request body is not valid JSON (an object): ${error.message}`, {});
  }
  if (status === 413) return new AppError(413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${limit}`, { limit });
  if (status === 415) return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', (error as Error).message, {});
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError(status, 'BAD_REQUEST', (error as Error).message, {});
  // zlib's errors carry no HTTP status: the bytes are not what their Content-Encoding says
  if (typeof code === 'string' && /^(Z_|ERR_)/.test(code) && (error as { errno?: unknown }).errno !== undefined) {
    return new AppError(400, 'BAD_REQUEST', 'the request body could not be decoded with its Content-Encoding', {});
  }
  return error;
}
