import { clientErrorResponse } from './client-error';

function parse(raw: string): {
  statusLine: string;
  headers: string;
  body: Record<string, unknown>;
} {
  const [head, body] = raw.split('\r\n\r\n');
  const [statusLine, ...headers] = head.split('\r\n');
  return { statusLine, headers: headers.join('\n'), body: JSON.parse(body) };
}

describe('clientErrorResponse', () => {
  it('answers oversized headers with a problem+json 431', () => {
    const raw = clientErrorResponse('HPE_HEADER_OVERFLOW');
    const { statusLine, headers, body } = parse(raw);
    expect(statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(headers).toContain('Content-Type: application/problem+json');
    expect(headers).toContain('Connection: close');
    expect(headers).toContain(`Content-Length: ${Buffer.byteLength(raw.split('\r\n\r\n')[1])}`);
    expect(body).toMatchObject({
      status: 431,
      code: 'headers_too_large',
      title: expect.any(String),
    });
  });

  it('answers any other parse error with a 400', () => {
    expect(parse(clientErrorResponse('HPE_INVALID_METHOD')).body).toMatchObject({
      status: 400,
      code: 'malformed_request',
    });
    expect(parse(clientErrorResponse(undefined)).statusLine).toBe('HTTP/1.1 400 Bad Request');
  });
});
