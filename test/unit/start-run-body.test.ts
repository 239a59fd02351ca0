import { describe, expect, it } from '@jest/globals';
import { startRunBody } from '../../src/dashboard/actions.ts';

describe('the body that starts a run from the dashboard', () => {
  it('ignores fingerprints when asked by either name: ignoreFingerprints, or full like the CLI flag', () => {
    expect(startRunBody.parse({ source: 'all', ignoreFingerprints: true }).ignoreFingerprints).toBe(true);
    expect(startRunBody.parse({ source: 'all', full: true }).ignoreFingerprints).toBe(true);
    expect(
      startRunBody.parse({ source: 'all', ignoreFingerprints: false, full: true }).ignoreFingerprints,
    ).toBe(false);
  });

  it('keeps fingerprints by default and passes no `full` on to the run', () => {
    const body = startRunBody.parse({ source: 'mailchimp' });
    expect(body).toEqual({
      source: 'mailchimp',
      audiences: [],
      ignoreFingerprints: false,
      kind: 'migrate',
      dryRun: false,
    });
  });
});
