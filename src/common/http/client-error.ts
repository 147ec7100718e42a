import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, problemType } from '../errors/problem';

/** Node's own answers to requests it cannot parse, by error code; anything else is a 400. */
const ANSWERS: Record<string, { status: number; code: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    detail: 'The request headers are larger than the server accepts',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    code: 'chunk_extensions_too_large',
    detail: 'The chunk extensions are larger than the server accepts',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request_timeout',
    detail: 'The request was not received in time',
  },
};

const MALFORMED = {
  status: 400,
  code: 'malformed_request',
  detail: 'The request is not valid HTTP',
};

/** The raw HTTP response for a request node:http refused before any route saw it. */
export function clientErrorResponse(errorCode: string | undefined): string {
  const answer = (errorCode && ANSWERS[errorCode]) || MALFORMED;
  const title = STATUS_CODES[answer.status] ?? 'Error';
  const problem: ProblemDetails = {
    type: problemType(answer.code),
    title,
    status: answer.status,
    detail: answer.detail,
    code: answer.code,
  };
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${answer.status} ${title}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * Answers what node:http refuses itself (oversized headers → 431, a malformed request → 400, a
 * request timeout → 408) with a problem+json body like every other error, instead of node's bare one.
 */
export function answerClientErrorsWithProblems(server: Server): void {
  // Like node's default handler, never write into a socket while a response is on its way there
  // (a pipelined request after a slow one): the two answers would interleave.
  const answering = new WeakMap<Duplex, number>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    response.once('close', () => answering.set(socket, (answering.get(socket) ?? 1) - 1));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code !== 'ECONNRESET' && socket.writable && !answering.get(socket)) {
      socket.end(clientErrorResponse(error.code));
      return;
    }
    socket.destroy();
  });
}
