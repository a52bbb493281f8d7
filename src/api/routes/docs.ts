import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Router from '@koa/router';
import { z } from 'zod';
import { notFound } from '../../errors.ts';
import { type AppContext, type AppState, parse } from '../middleware.ts';

/** Swagger UI's files, served from the swagger-ui-dist package (no CDN), plus the page's own start-up script. */
export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'docs.js'] as const;
export const DocsAssetParams = z.object({ asset: z.string().max(100) });

const TYPES: Record<string, string> = { '.css': 'text/css', '.js': 'application/javascript', '.png': 'image/png' };

/**
 * The page starts Swagger UI from a script file, not an inline script: the API's content
 * security policy (helmet's default, script-src 'self') allows only scripts of this origin, so
 * the page needs no exception. No validator badge (it would call validator.swagger.io).
 */
const START_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Booking engine API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/docs.js"></script>
</body>
</html>
`;

/** GET /api/openapi.json (the document, see src/api/openapi.ts) and its interactive page at GET /api/docs. */
export function docsRoutes(deps: { document: object }) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const files = new Map<string, Buffer | string>([['docs.js', START_SCRIPT]]);
  const read = (name: string) => {
    let file = files.get(name);
    if (file === undefined && (DOCS_ASSETS as readonly string[]).includes(name)) files.set(name, (file = readFileSync(join(distDir, name))));
    return file;
  };

  router.get('/openapi.json', async (ctx) => {
    ctx.body = deps.document;
  });

  router.get('/docs', async (ctx) => {
    ctx.type = 'html';
    ctx.body = PAGE;
  });

  router.get('/docs/:asset', async (ctx) => {
    const { asset } = parse(DocsAssetParams, ctx.params, 'params');
    const file = read(asset);
    if (file === undefined) throw notFound('Asset', asset);
    ctx.type = TYPES[asset.slice(asset.lastIndexOf('.'))];
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file;
  });
  return router;
}
