// The bare-metal programs print one result per line, "<id>: <result>", in
// sections headed "== <name>". These helpers split a log into lines keyed by
// id and compare two logs line by line, allowing listed ids to differ.

export interface LogLine {
  /** Text before the first ": " (or the whole line for headers and markers). */
  id: string;
  text: string;
  /** The "== ..." header the line is under ("" before the first). */
  section: string;
}

export function parseLog(text: string): LogLine[] {
  const out: LogLine[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    if (line.startsWith('== ')) section = line;
    const colon = line.indexOf(': ');
    const id = line.startsWith('=') || colon < 0 ? line : line.slice(0, colon);
    out.push({ id, text: line, section });
  }
  return out;
}

export function sectionsOf(text: string): string[] {
  return [...new Set(parseLog(text).map((l) => l.section))];
}

export interface CompareRules {
  /** Ids whose lines may differ (a reference emulator's known deviations). */
  mayDiffer?: ReadonlySet<string>;
  /** Ids whose lines must still differ (known gaps of the emulator under test: fixing one means deleting its entry). */
  mustDiffer?: ReadonlyMap<string, string>;
  /** Only compare lines under this section header. */
  section?: string;
}

/** Returns human-readable problems; empty when the logs agree under the rules. */
export function compareLogs(expectedText: string, actualText: string, rules: CompareRules = {}): string[] {
  const pick = (t: string): LogLine[] =>
    parseLog(t).filter((l) => rules.section === undefined || l.section === rules.section);
  const expected = pick(expectedText);
  const actual = pick(actualText);
  const actualById = new Map(actual.map((l) => [l.id, l]));
  const expectedIds = new Set(expected.map((l) => l.id));
  const problems: string[] = [];
  for (const e of expected) {
    const a = actualById.get(e.id);
    const gap = rules.mustDiffer?.get(e.id);
    if (a === undefined) {
      problems.push(`missing: ${e.text}`);
    } else if (gap !== undefined) {
      if (a.text === e.text) problems.push(`now correct, remove it from the known gaps: ${e.text} (was: ${gap})`);
    } else if (a.text !== e.text && !(rules.mayDiffer?.has(e.id) ?? false)) {
      problems.push(`expected: ${e.text}\n     got: ${a.text}`);
    }
  }
  for (const a of actual) if (!expectedIds.has(a.id)) problems.push(`unexpected line: ${a.text}`);
  const order = (ls: LogLine[]): string => ls.filter((l) => expectedIds.has(l.id) && actualById.has(l.id)).map((l) => l.id).join('\n');
  if (problems.length === 0 && order(expected) !== order(actual)) problems.push('the lines come in a different order');
  return problems;
}

/** Ids that occur more than once (each must be unique for the comparison to mean anything). */
export function duplicateIds(text: string): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const l of parseLog(text)) (seen.has(l.id) ? dup : seen).add(l.id);
  return [...dup];
}
