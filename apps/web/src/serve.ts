/**
 * A static file server on 127.0.0.1 for the page and the models it loads: the browser test starts
 * one, and `pnpm --filter web start` serves the built page to look at. It serves only files under
 * the folders it is given, and sends the cross-origin isolation headers that let wasm use threads.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
};

export interface StaticServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Paths requested so far, in order (what the page fetched). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves `mounts` (URL prefix such as `/` or `/models/` → folder) on 127.0.0.1, on `port` (default:
 * any free one). A path outside every folder, or a missing file, is a 404.
 */
export async function serveStatic(mounts: Record<string, string>, port = 0): Promise<StaticServer> {
  const roots = Object.entries(mounts)
    .map(([prefix, dir]) => [prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    const mount = roots.find(([prefix]) => path.startsWith(prefix));
    const file = mount ? normalize(join(mount[1], path.slice(mount[0].length) || 'index.html')) : undefined;
    const inside = file !== undefined && mount !== undefined && (file === mount[1] || file.startsWith(mount[1] + sep));
    let size = -1;
    try {
      const stat = inside ? statSync(file) : undefined;
      if (stat?.isFile()) size = stat.size;
    } catch {
      // missing: a 404 below
    }
    if (!inside || size < 0) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

if (require.main === module) {
  const dir = resolve(process.argv[2] ?? join(__dirname, '..', 'dist'));
  const port = Number(process.env.PORT ?? 8080);
  serveStatic({ '/': dir }, port).then((s) => console.log(`web: serving ${dir} at ${s.url}/ (Ctrl-C stops)`));
}
