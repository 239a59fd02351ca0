import { randomUUID } from 'node:crypto';
import type { SandboxResponse } from '../kit.ts';

const TYPE_BASE = 'https://mailchimp.com/developer/marketing/docs/errors/';

/** Mailchimp's error shape: application/problem+json with all five members. */
export function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): SandboxResponse {
  const instance = randomUUID();
  return {
    status,
    headers: {
      'content-type': 'application/problem+json; charset=utf-8',
      'x-request-id': instance,
      link: '<https://us1.api.mailchimp.com/schema/3.0/ProblemDetailDocument.json>; rel="describedBy"',
    },
    body: { type: TYPE_BASE, title, status, detail, instance, ...extra },
  };
}

export const notFound = (): SandboxResponse =>
  problem(404, 'Resource Not Found', 'The requested resource could not be found.');

export const invalidResource = (
  detail: string,
  errors?: { field: string; message: string }[],
): SandboxResponse => problem(400, 'Invalid Resource', detail, errors ? { errors } : {});

export const tooManyRequests = (): SandboxResponse =>
  problem(
    429,
    'Too Many Requests',
    'You have exceeded the limit of 10 simultaneous connections. Please try again once your existing connections have completed.',
  );

export const serverError = (status: number): SandboxResponse =>
  status === 500
    ? problem(
        500,
        'Internal Server Error',
        'An unexpected internal error has occurred. Please contact Support for more information.',
      )
    : problem(
        status,
        status === 502 ? 'Bad Gateway' : 'Service Unavailable',
        'The server is temporarily unable to service your request. Please try again later.',
      );
