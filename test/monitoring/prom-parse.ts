/** A strict parser of Prometheus text format 0.0.4, enough to prove /metrics output is well formed. */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface ParsedMetrics {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: ParsedSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(\\{(.*)\\})? (-?[0-9.eE+-]+|\\+Inf|-Inf|NaN)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`bad labels in line: ${line}`);
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    rest = rest.slice(m[0].length);
  }
  return labels;
}

function familyOf(sample: string, types: Map<string, string>): string | undefined {
  if (types.has(sample)) return sample;
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  return types.get(base) === 'histogram' ? base : undefined;
}

export function parsePrometheus(text: string): ParsedMetrics {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: ParsedSample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = HELP_LINE.exec(line))) {
      if (help.has(m[1]!)) throw new Error(`duplicate HELP for ${m[1]}`);
      help.set(m[1]!, m[2]!);
    } else if ((m = TYPE_LINE.exec(line))) {
      if (types.has(m[1]!)) throw new Error(`duplicate TYPE for ${m[1]}`);
      types.set(m[1]!, m[2]!);
    } else if ((m = SAMPLE_LINE.exec(line))) {
      if (!familyOf(m[1]!, types)) throw new Error(`sample before its TYPE: ${line}`);
      const raw = m[4]!;
      const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
      if (raw !== 'NaN' && Number.isNaN(value)) throw new Error(`bad value: ${line}`);
      samples.push({ name: m[1]!, labels: parseLabels(m[3] ?? '', line), value });
    } else {
      throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`);
    }
  }
  return { types, help, samples };
}

export function sampleValue(
  parsed: ParsedMetrics,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return parsed.samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}
