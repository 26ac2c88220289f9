// How results are printed: aligned tables (and field lists) for people, the API's JSON for scripts (--output json).
import type { CliIo } from './io.ts';

export type OutputFormat = 'table' | 'json';

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '-';
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.map(cell).join(',');
  return String(v);
};

export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

/** One resource as "field  value" lines, in the order given. */
export function renderFields(fields: readonly [string, unknown][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`).join('\n') + '\n';
}

export class Printer {
  constructor(
    private readonly io: CliIo,
    readonly format: OutputFormat,
  ) {}

  /** A list: the wire objects as a JSON array, or a table. */
  list<T>(items: readonly T[], columns: readonly Column<T>[]): void {
    this.io.out(this.format === 'json' ? `${JSON.stringify(items, null, 2)}\n` : renderTable(columns, items));
  }

  /** One resource: the wire object as JSON, or its fields. */
  one<T>(item: T, fields: (item: T) => [string, unknown][]): void {
    this.io.out(this.format === 'json' ? `${JSON.stringify(item, null, 2)}\n` : renderFields(fields(item)));
  }

  /** A line for people (nothing in JSON mode, where stdout is only JSON). */
  note(text: string): void {
    if (this.format === 'table') this.io.out(`${text}\n`);
  }
}
