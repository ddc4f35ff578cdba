// Plain-text tables for people (left-aligned text, right-aligned numbers, like xl's output).

export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[], rightAligned: readonly boolean[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (rightAligned[i] === true ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!)))
        .join(' ')
        .trimEnd(),
    )
    .join('\n');
}
