import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';

/**
 * Requests that Node's HTTP parser refuses never reach Koa: headers too large (431), a method
 * token it does not know, a broken request line or header (400). Node would answer them with
 * an empty body; this answers them in the error shape `{ error: { code, message, details } }`.
 * CONNECT (a proxy tunnel) is refused the same way with 405. Call it once per HTTP server.
 */
export function answerRefusedRequests(server: Server, log: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message] = describe(error.code);
    log.debug({ err: error, status }, 'HTTP parser refused a request');
    socket.end(errorResponse(status, code, message));
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.end(errorResponse(405, 'METHOD_NOT_ALLOWED', 'the CONNECT method is not allowed: this is not a proxy', 'GET, HEAD, POST, OPTIONS'));
  });
}

function describe(parserCode: string | undefined): [number, ErrorCode, string] {
  switch (parserCode) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'HEADERS_TOO_LARGE', 'the request headers are too large'];
    case 'HPE_INVALID_METHOD':
      return [400, 'BAD_REQUEST', 'the request method is not one this server knows'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'BAD_REQUEST', 'the request took too long to arrive'];
    default:
      return [400, 'BAD_REQUEST', 'the request is not valid HTTP/1.1'];
  }
}

function errorResponse(status: number, code: ErrorCode, message: string, allow?: string): string {
  const body = JSON.stringify({ error: { code, message, details: {} } });
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
    ...(allow ? [`Allow: ${allow}`] : []),
    '',
    body,
  ].join('\r\n');
}
