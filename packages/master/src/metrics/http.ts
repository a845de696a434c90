/**
 * The /metrics endpoint: node's http server, bounded. Only GET (and HEAD) of /metrics is answered; headers are
 * limited to 8 KiB, a request must arrive within 5 s, a connection idles 5 s at most, 32 connections at once. A
 * request body is never read: a request that has one, or another method, is answered and its connection closed.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { CONTENT_TYPE, exposition } from './exposition';
import type { MetricsRegistry } from './registry';

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
}

const LIMITS = { maxHeaderSize: 8192, requestTimeout: 5000, headersTimeout: 5000, keepAliveTimeout: 5000, maxConnections: 32 };

function answer(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}, close = false): void {
  res.writeHead(status, { 'Content-Type': status === 200 ? CONTENT_TYPE : 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...(close ? { Connection: 'close' } : {}), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export class MetricsServer {
  private constructor(private readonly server: http.Server) {}

  static listen(reg: MetricsRegistry, o: MetricsServerOptions): Promise<MetricsServer> {
    const server = http.createServer({ maxHeaderSize: LIMITS.maxHeaderSize, requestTimeout: LIMITS.requestTimeout, headersTimeout: LIMITS.headersTimeout, keepAliveTimeout: LIMITS.keepAliveTimeout }, (req, res) => {
      const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
      if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'only GET /metrics is served\n', { Allow: 'GET, HEAD' }, true);
      if ((req.url ?? '').split('?')[0] !== '/metrics') return answer(res, 404, 'not found: the metrics are at /metrics\n', {}, true);
      let text: string;
      try {
        text = exposition(reg.all());
      } catch (e) {
        return answer(res, 500, `metrics: ${(e as Error).message}\n`, {}, true);
      }
      answer(res, 200, text, {}, hasBody);
    });
    server.maxConnections = LIMITS.maxConnections;
    server.setTimeout(LIMITS.requestTimeout * 2);
    // A malformed request, headers over the limit, or too slow: answered (when the socket still takes it) and closed.
    server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
      const status = e.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : e.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      if (!socket.writable) return socket.destroy();
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
    });
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`metrics: cannot listen on ${o.host}:${o.port} (metrics_host, metrics_port): ${e.code ?? e.message}`)));
      server.listen(o.port, o.host, () => resolve(new MetricsServer(server)));
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
