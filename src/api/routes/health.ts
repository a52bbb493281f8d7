import Router from '@koa/router';
import { type AppContext, type AppState } from '../middleware.ts';

/** GET /api/health: 200 when every probe of the engine's dependencies answers, 503 naming the ones that did not. */
export function healthRoutes(health: Record<string, () => Promise<unknown>>) {
  const router = new Router<AppState, AppContext>({ prefix: '/api' });
  router.get('/health', async (ctx) => {
    const checks = await Promise.all(Object.entries(health).map(async ([name, probe]) => {
      try { await probe(); return [name, 'ok'] as const; } catch (error) { return [name, String((error as Error).message)] as const; }
    }));
    const ok = checks.every(([, state]) => state === 'ok');
    ctx.status = ok ? 200 : 503;
    ctx.body = { ok, checks: Object.fromEntries(checks) };
  });
  return router;
}
