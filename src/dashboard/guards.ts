import type { RequestHandler } from 'express';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/**
 * Browsers send Basic credentials with any request to this origin, including a form posted from another site;
 * a state-changing request whose Origin (or Referer) names another host is refused. Clients that send neither
 * (curl, scripts) are not browsers acting for someone else and pass.
 */
export function sameOriginOnly(): RequestHandler {
  return (req, res, next) => {
    if (!UNSAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const source = req.headers.origin ?? req.headers.referer;
    if (!source) {
      next();
      return;
    }
    if (hostOf(source) === req.headers.host) {
      next();
      return;
    }
    res.status(403).type('text/plain').send('Cross-site request refused.\n');
  };
}

/** In read-only mode (DASHBOARD_READ_ONLY) nothing may start or retry a run. */
export function refuseWhenReadOnly(readOnly: boolean): RequestHandler {
  return (req, res, next) => {
    if (readOnly && UNSAFE_METHODS.has(req.method)) {
      res.status(403).json({
        error: 'The dashboard is read-only (DASHBOARD_READ_ONLY=true): runs cannot be started here.',
      });
      return;
    }
    next();
  };
}
