/**
 * What every diagnostic of one run reads besides the rows: the roster's and
 * the platform's indexes and the guardian mapping, built once per run (each
 * on first use) and handed to every tool, instead of caches kept by modules.
 */
import type { Roster } from "../model/roster.ts";
import type { PlatformSnapshot } from "../model/snapshot.ts";
import { enrollmentIds, indexPlatform, indexSource, type PlatformIndex, type SourceIndex } from "./indexes.ts";
import { type GuardianIndex, indexGuardians } from "./guardians.ts";
import { type PeopleJoin, peopleJoin } from "./people.ts";

/** The indexes of one run over one roster and one platform snapshot. */
export interface DiagnosticContext {
  readonly roster: Roster;
  readonly platform: PlatformSnapshot;
  readonly source: SourceIndex;
  readonly plat: PlatformIndex;
  readonly guardians: GuardianIndex;
  /** Source and platform students and teachers joined by source id, as rows of `roster.users` and of `platform`'s people. */
  readonly people: PeopleJoin;
  /**
   * Lets go of both sides' enrollment indexes, the largest part of a run's indexes (about 200 MB at 1,000,000
   * students), once no tool left to run reads them; asked for again, they are built again.
   */
  releaseEnrollments(): void;
}

/**
 * A run's context; each index is built the first time a tool asks for it. Build it after the rows are final:
 * it does not notice rows added later.
 *
 * @example
 * const ctx = diagnosticContext(roster, platform);
 * findMissingData(roster, platform, ctx); findStudentMismatches(roster, platform, ctx);
 */
export function diagnosticContext(roster: Roster, platform: PlatformSnapshot): DiagnosticContext {
  let source: SourceIndex | undefined;
  let plat: PlatformIndex | undefined;
  let guardians: GuardianIndex | undefined;
  // One numbering of class and person ids for both sides' enrollment keys.
  const ids = enrollmentIds();
  const sourceIndex = () => source ??= indexSource(roster, ids);
  const platformIndex = () => plat ??= indexPlatform(platform, ids);
  const people = peopleJoin(roster, platform, sourceIndex, platformIndex);
  return {
    roster,
    platform,
    get source() {
      return sourceIndex();
    },
    get plat() {
      return platformIndex();
    },
    people,
    get guardians() {
      return guardians ??= indexGuardians(roster, platform);
    },
    releaseEnrollments() {
      source?.releaseEnrollments();
      plat?.releaseEnrollments();
    },
  };
}
