/** Turns breakdown keys ("src:mailchimp:created", "status:mailchimp:subscribed") into tables per source. */
export interface BreakdownTables {
  /** source → outcome/consent → count */
  bySource: Map<string, Map<string, number>>;
  /** source → source status → count */
  byStatus: Map<string, Map<string, number>>;
}

function add(table: Map<string, Map<string, number>>, source: string, column: string, n: number): void {
  const row = table.get(source) ?? new Map<string, number>();
  row.set(column, (row.get(column) ?? 0) + n);
  table.set(source, row);
}

export function breakdownTables(breakdown: Record<string, number>): BreakdownTables {
  const bySource = new Map<string, Map<string, number>>();
  const byStatus = new Map<string, Map<string, number>>();
  for (const [key, n] of Object.entries(breakdown)) {
    const [kind, source, ...rest] = key.split(':');
    const column = rest.join(':');
    if (!source || !column) continue;
    if (kind === 'src') add(bySource, source, column, n);
    else if (kind === 'status') add(byStatus, source, column, n);
  }
  return { bySource, byStatus };
}
