/**
 * Benchmark results: printed as `name: value` lines (the ratio last) and appended to
 * bench/RESULTS.md with the machine and the date, so runs on different machines stay comparable.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface Figure {
  name: string;
  value: number;
  /** Unit shown after the value, e.g. "s", "MB/s", "MB", "bytes". */
  unit?: string;
}

export interface BenchResult {
  bench: string;
  /** Measurements and baselines, in the order they are printed. */
  figures: Figure[];
  /** The figure the goal is about (printed last). */
  ratio: Figure;
  goal: string;
  met: boolean;
  /** How the figures were taken (best of N, which baseline path, ...). */
  notes: string[];
  /** More goals than the main one, each on a figure above: the table at the end of the section. */
  goals?: Goal[];
}

export interface Goal {
  /** The figure's name, e.g. export.parallel_disks_ratio. */
  figure: string;
  /** The goal as text, e.g. "<= 1.2"; "informational" when there is none. */
  goal: string;
  /** undefined: informational (no goal to meet). */
  met?: boolean;
}

/** The goal table's rows: the main goal first, then the others, each with its figure's value. */
export function goalRows(r: BenchResult): Array<{ goal: string; figure: string; value: string; verdict: string }> {
  const all = [r.ratio, ...r.figures];
  const rows = [{ goal: r.goal, figure: r.ratio.name, value: formatValue(r.ratio.value), verdict: r.met ? "met" : "missed" }];
  for (const g of r.goals ?? []) {
    const f = all.find((x) => x.name === g.figure);
    rows.push({ goal: g.goal, figure: g.figure, value: f ? formatValue(f.value) : "?", verdict: g.met === undefined ? "informational" : g.met ? "met" : "missed" });
  }
  return rows;
}

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpu: string;
  node: string;
  platform: string;
}

export function machine(): Machine {
  return {
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** A number as printed: integers as is, others with 3 significant decimals. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);
}

export function formatFigure(f: Figure): string {
  return `${f.name}: ${formatValue(f.value)}${f.unit ? ` ${f.unit}` : ""}`;
}

/** The `name: value` lines of a result, ratio last. */
export function resultLines(r: BenchResult): string[] {
  return [...r.figures.map(formatFigure), formatFigure(r.ratio)];
}

/** The Markdown section appended to RESULTS.md for one benchmark. */
export function markdownSection(r: BenchResult, m: Machine, when: Date): string {
  const lines = [
    `### ${r.bench} — ${when.toISOString().replace(/\.\d+Z$/, "Z")}`,
    "",
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory, Node ${m.node}, ${m.platform}.`,
    "",
    "| figure | value |",
    "|---|---|",
    ...[...r.figures, r.ratio].map((f) => `| ${f.name} | ${formatValue(f.value)}${f.unit ? ` ${f.unit}` : ""} |`),
    "",
    `Goal: ${r.goal} — **${r.met ? "met" : "missed"}**.`,
    ...(r.goals && r.goals.length > 0
      ? ["", "| goal | figure | value | verdict |", "|---|---|---|---|", ...goalRows(r).map((g) => `| ${g.goal} | ${g.figure} | ${g.value} | ${g.verdict} |`)]
      : []),
    ...(r.notes.length > 0 ? ["", ...r.notes.map((n) => `- ${n}`)] : []),
    "",
  ];
  return lines.join("\n") + "\n";
}

/** bench/RESULTS.md in the source tree (this file runs from dist/bench). */
export function resultsFile(): string {
  return process.env.BENCH_RESULTS ?? path.resolve(__dirname, "..", "..", "bench", "RESULTS.md");
}

const HEADER = "# Benchmark results\n\n`npm run bench` appends one section per benchmark run. Ratios compare with baselines measured in the same run, on the same loopback path.\n\n";

export function appendResult(r: BenchResult, file = resultsFile(), when = new Date()): void {
  const prefix = fs.existsSync(file) ? "" : HEADER;
  fs.appendFileSync(file, prefix + markdownSection(r, machine(), when));
}

/** Prints the result's lines and appends it to RESULTS.md. */
export function report(r: BenchResult): void {
  for (const l of resultLines(r)) process.stdout.write(l + "\n");
  process.stdout.write(`goal (${r.goal}): ${r.met ? "met" : "MISSED"}\n`);
  if (r.goals && r.goals.length > 0) for (const g of goalRows(r)) process.stdout.write(`  ${g.verdict.padEnd(13)} ${g.figure} = ${g.value} (${g.goal})\n`);
  appendResult(r);
}
