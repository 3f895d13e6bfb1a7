/** The benchmark results' formatting: `name: value` lines with the ratio last, and the RESULTS.md section. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { appendResult, BenchResult, formatValue, markdownSection, resultLines } from "../../../bench/results";

const result: BenchResult = {
  bench: "demo",
  figures: [
    { name: "demo.ours", value: 1.23456, unit: "s" },
    { name: "demo.calls", value: 11 },
  ],
  ratio: { name: "demo.ratio", value: 0.5 },
  goal: "ratio <= 1",
  met: true,
  notes: ["best of 2"],
};

test("values print as integers, or with three significant decimals", () => {
  expect(formatValue(11)).toBe("11");
  expect(formatValue(1.23456)).toBe("1.235");
  expect(formatValue(123.456)).toBe("123.5");
  expect(formatValue(0.012345)).toBe("0.0123");
});

test("lines are `name: value unit`, the ratio last", () => {
  expect(resultLines(result)).toEqual(["demo.ours: 1.235 s", "demo.calls: 11", "demo.ratio: 0.500"]);
});

test("the RESULTS.md section names the machine and date, every figure, the goal and the notes", () => {
  const md = markdownSection(result, { cores: 2, memoryGiB: 23.4, cpu: "Xeon", node: "v22.0.0", platform: "linux 6" }, new Date("2026-11-24T20:00:00.123Z"));
  expect(md).toContain("### demo — 2026-11-24T20:00:00Z");
  expect(md).toContain("Machine: 2 cores (Xeon), 23.4 GiB memory, Node v22.0.0, linux 6.");
  expect(md).toContain("| demo.ours | 1.235 s |");
  expect(md).toContain("| demo.ratio | 0.500 |");
  expect(md).toContain("Goal: ratio <= 1 — **met**.");
  expect(md).toContain("- best of 2");
});

test("appending creates the file with a header once, then adds sections", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-results-"));
  try {
    const file = path.join(dir, "RESULTS.md");
    appendResult(result, file);
    appendResult(result, file);
    const text = fs.readFileSync(file, "utf8");
    expect(text.match(/^# Benchmark results/gm)).toHaveLength(1);
    expect(text.match(/^### demo/gm)).toHaveLength(2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("further goals end the section as a table of goal, figure, value and verdict; none is informational", () => {
  const withGoals: BenchResult = {
    ...result,
    goals: [
      { figure: "demo.calls", goal: "<= 12", met: true },
      { figure: "demo.ours", goal: "<= 1", met: false },
      { figure: "demo.ours", goal: "informational" },
    ],
  };
  const md = markdownSection(withGoals, { cores: 2, memoryGiB: 1, cpu: "x", node: "v22", platform: "linux" }, new Date());
  expect(md).toContain("| goal | figure | value | verdict |");
  expect(md).toContain("| ratio <= 1 | demo.ratio | 0.500 | met |");
  expect(md).toContain("| <= 12 | demo.calls | 11 | met |");
  expect(md).toContain("| <= 1 | demo.ours | 1.235 | missed |");
  expect(md).toContain("| informational | demo.ours | 1.235 | informational |");
  expect(markdownSection(result, { cores: 2, memoryGiB: 1, cpu: "x", node: "v22", platform: "linux" }, new Date())).not.toContain("| verdict |");
});
