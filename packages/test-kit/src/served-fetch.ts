import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A `fetch` that serves the files of `dir` under `url` (which ends in `/`) and answers 404 for
 * anything else: a weights folder as a CDN would serve it, without a network.
 */
export async function servedFetch(dir: string, url: string): Promise<typeof fetch> {
  if (!url.endsWith('/')) throw new Error(`servedFetch: url must end in '/'; received ${JSON.stringify(url)}`);
  const files = new Map<string, Uint8Array>();
  for (const name of await readdir(dir)) files.set(`${url}${name}`, await readFile(join(dir, name)));
  return (async (request: string | URL | Request) => {
    const body = files.get(request instanceof Request ? request.url : String(request));
    return body === undefined ? new Response('', { status: 404 }) : new Response(body);
  }) as typeof fetch;
}
