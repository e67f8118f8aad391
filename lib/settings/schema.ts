/** The schema of `customer-integration-settings/<customer_id>.json`. */
import { z } from "zod";

/** A customer id: a lower-case slug that is also the settings file's name. */
export const CustomerId = z.string().regex(
  /^[a-z0-9][a-z0-9-]*$/,
  "must be a lower-case slug: letters a-z, digits and '-', starting with a letter or digit",
);

/** How the district sends its roster. */
export const IntegrationType = z.enum(["classlink", "oneroster-csv", "oneroster-rest", "custom-csv"]);
export type IntegrationType = z.infer<typeof IntegrationType>;

/** A OneRoster CSV export on disk; `path` is relative to the settings file unless absolute. */
export const OneRosterCsvSource = z.object({
  kind: z.literal("oneroster-csv"),
  path: z.string().min(1, "must name the export directory or .zip"),
});
export type OneRosterCsvSource = z.infer<typeof OneRosterCsvSource>;

/** Where the roster comes from (more kinds arrive with the live sources). */
export const SourceSettings = z.discriminatedUnion("kind", [OneRosterCsvSource]);
export type SourceSettings = z.infer<typeof SourceSettings>;

/** Known top-level keys; others are kept and warned about. */
export const KNOWN_KEYS = [
  "customer_id",
  "customer_name",
  "integration_type",
  "oneshelf_environment",
  "source",
  "notes",
] as const;

/** One customer's integration settings. */
export const Settings = z.looseObject({
  customer_id: CustomerId,
  customer_name: z.string().trim().min(1, "must not be empty"),
  integration_type: IntegrationType,
  /** Where the customer lives; `embedded` is the demo district only. */
  oneshelf_environment: z.enum(["staging", "production", "embedded"]),
  source: SourceSettings,
  notes: z.string().optional(),
});
export type Settings = z.infer<typeof Settings>;
