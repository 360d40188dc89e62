import { net, protocol } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppContext } from '../main/app/context.js';
import { viewerFileOf } from '../main/dicom/instances.js';
import { CONTENT_SECURITY_POLICY } from '../main/server/csp.js';
import { INSTANCE_FILES_PREFIX } from '../main/server/instance-files.js';
import { percentDecode } from '../main/server/request-target.js';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://medrwr`;

/** Must run before `app.ready`: our scheme behaves like https (same-origin fetch, workers, wasm streaming). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
  ]);
}

/**
 * Serves the renderer build and the indexed DICOM files under one origin, so the renderer uses the same relative
 * URLs (`/files/instances/<uid>`) as in web mode; nothing outside those two places can be read.
 */
export function serveAppScheme(ctx: AppContext, rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'medrwr') return new Response('not found', { status: 404 });
    const pathname = percentDecode(url.pathname);
    if (pathname === undefined) return new Response('malformed percent-encoding', { status: 400 });
    if (pathname.startsWith(INSTANCE_FILES_PREFIX)) {
      const served = await viewerFileOf(ctx, pathname.slice(INSTANCE_FILES_PREFIX.length));
      if (!served) return new Response('no such instance', { status: 404 });
      // A compressed file whose frame table would mislead the loader comes rewritten (see viewerFileOf).
      if (served.bytes) return new Response(Buffer.from(served.bytes), { status: 200, headers: { 'content-type': 'application/dicom' } });
      const file = await net.fetch(pathToFileURL(served.path).href);
      return new Response(file.body, { status: file.status, headers: { 'content-type': 'application/dicom' } });
    }
    const rel = normalize(pathname).replace(/^([/\\])+/, '') || 'index.html';
    const full = join(rendererDir, rel);
    if (!full.startsWith(rendererDir + sep)) return new Response('forbidden', { status: 403 });
    const file = await net.fetch(pathToFileURL(full).href);
    // webRequest header hooks do not see custom schemes, so the policy is set here.
    const headers = new Headers(file.headers);
    headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
    return new Response(file.body, { status: file.status, headers });
  });
}
