/** Compares what a demo planted with what a diagnosis found. */
import type { Finding } from "../model/findings.ts";
import type { PlantedFinding } from "./plant.ts";

/** The outcome of {@link plantedCheck}. */
export interface PlantedCheck {
  ok: boolean;
  missed: PlantedFinding[];
  unexpected: Finding[];
  message: string;
}

const key = (f: { code: string; entity: Record<string, string | number> }) => `${f.code} ${JSON.stringify(f.entity)}`;

/**
 * Every planted finding must be found, and nothing else.
 *
 * @example
 * plantedCheck(district.planted, report.findings).ok // true
 */
export function plantedCheck(planted: readonly PlantedFinding[], findings: readonly Finding[]): PlantedCheck {
  const found = new Set(findings.map(key));
  const expected = new Set(planted.map(key));
  const missed = planted.filter((p) => !found.has(key(p)));
  const unexpected = findings.filter((f) => !expected.has(key(f)));
  const codes = new Set(planted.map((p) => p.code)).size;
  const ok = missed.length === 0 && unexpected.length === 0;
  const message = ok
    ? `Demo check: all ${planted.length} planted findings (${codes} codes) were found, and nothing else.`
    : `Demo check FAILED: ${missed.length} planted findings missed, ${unexpected.length} unexpected.\n` +
      [...missed.map((m) => `  missed ${key(m)} (${m.why})`), ...unexpected.map((u) => `  unexpected ${key(u)}`)].join(
        "\n",
      );
  return { ok, missed, unexpected, message };
}
