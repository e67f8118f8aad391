/** The demo district that `deno task demo` and the embedded environment share. */
import { type DemoDistrict, type DemoOptions, generateDistrict } from "./generate.ts";
import { type PlantedFinding, plantProblems } from "./plant.ts";

/** A generated district with its planted problems and the findings they must produce. */
export interface PlantedDistrict extends DemoDistrict {
  planted: PlantedFinding[];
}

/**
 * Generates the district and plants its known problems. Deterministic: the
 * demo export written by one process matches the embedded database built by
 * another.
 *
 * @example
 * const { roster, platform, planted } = demoDistrict();
 */
export function demoDistrict(options: DemoOptions = {}): PlantedDistrict {
  const district = generateDistrict(options);
  const planted = plantProblems(district);
  return { ...district, planted };
}
