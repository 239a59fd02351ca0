import { describe, expect, it } from '@jest/globals';
import { histogramSamples, renderPrometheus } from '../../src/monitoring/prometheus.ts';
import { parsePrometheus, sampleValue } from './prom-parse.ts';

describe('renderPrometheus', () => {
  it('renders HELP, TYPE and samples that parse back to the same values', () => {
    const text = renderPrometheus([
      {
        name: 'esp_sync_queue_jobs',
        help: 'Jobs per queue and state.',
        type: 'gauge',
        samples: [
          { labels: { queue: 'hubspot', state: 'waiting' }, value: 3 },
          { labels: { queue: 'runs', state: 'active' }, value: 0 },
        ],
      },
      { name: 'esp_sync_plain_total', help: 'no labels', type: 'counter', samples: [{ value: 7 }] },
    ]);
    const parsed = parsePrometheus(text);
    expect(parsed.types.get('esp_sync_queue_jobs')).toBe('gauge');
    expect(parsed.types.get('esp_sync_plain_total')).toBe('counter');
    expect(sampleValue(parsed, 'esp_sync_queue_jobs', { queue: 'hubspot', state: 'waiting' })).toBe(3);
    expect(sampleValue(parsed, 'esp_sync_plain_total')).toBe(7);
    expect(text).toContain('# HELP esp_sync_queue_jobs Jobs per queue and state.\n');
  });

  it('escapes quotes, backslashes and newlines in label values and help text', () => {
    const text = renderPrometheus([
      {
        name: 'm',
        help: 'line one\nline two \\ end',
        type: 'gauge',
        samples: [{ labels: { q: 'a"b\\c\nd' }, value: 1 }],
      },
    ]);
    expect(text).toContain('m{q="a\\"b\\\\c\\nd"} 1');
    expect(text.split('\n')).toHaveLength(4);
    expect(parsePrometheus(text).samples[0]?.labels.q).toBe('a"b\\c\nd');
  });

  it('renders a cumulative histogram ending in +Inf, _sum and _count', () => {
    const text = renderPrometheus([
      {
        name: 'lat_seconds',
        help: 'latency',
        type: 'histogram',
        samples: histogramSamples({ api: 'hubspot' }, [0.05, 0.1, 0.25], [2, 0, 3], 1.5, 6),
      },
    ]);
    const parsed = parsePrometheus(text);
    const buckets = parsed.samples
      .filter((s) => s.name === 'lat_seconds_bucket')
      .map((s) => [s.labels.le, s.value]);
    expect(buckets).toEqual([
      ['0.05', 2],
      ['0.1', 2],
      ['0.25', 5],
      ['+Inf', 6],
    ]);
    expect(sampleValue(parsed, 'lat_seconds_sum')).toBe(1.5);
    expect(sampleValue(parsed, 'lat_seconds_count')).toBe(6);
  });

  it('the parser rejects malformed lines (so the tests above can fail)', () => {
    expect(() => parsePrometheus('# TYPE m gauge\nm{q=unquoted} 1\n')).toThrow(/bad labels/);
    expect(() => parsePrometheus('m 1\n')).toThrow(/before its TYPE/);
    expect(() => parsePrometheus('# TYPE m gauge\nm one\n')).toThrow(/not a Prometheus line/);
  });
});
