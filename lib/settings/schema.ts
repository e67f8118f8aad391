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

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) URL");
/** The name of a credential; its secrets live in the environment (or the vault), never here. */
const credentialName = z.string().regex(
  /^[A-Za-z0-9][A-Za-z0-9/_.-]*$/,
  "must name a credential, such as lincoln-usd/classlink",
);

/** A OneRoster REST 1.1 or 1.2 server. */
export const OneRosterRestSource = z.object({
  kind: z.literal("oneroster-rest"),
  version: z.enum(["1.1", "1.2"]),
  /** …/ims/oneroster/v1p1 or …/ims/oneroster/rostering/v1p2 */
  baseUrl: httpUrl,
  /** The OAuth 2 token URL (1.2). */
  tokenUrl: httpUrl.optional(),
  credentials: credentialName,
  auth: z.enum(["oauth1", "oauth2", "bearer"]).optional(),
  signatureMethod: z.enum(["HMAC-SHA256", "HMAC-SHA1"]).optional(),
  clientAuth: z.enum(["basic", "form"]).optional(),
  scope: z.string().optional(),
  pageSize: z.number().int().min(1).max(10_000).optional(),
  concurrency: z.number().int().min(1).max(16).optional(),
}).refine((s) => s.version !== "1.2" || s.auth === "bearer" || s.auth === "oauth1" || !!s.tokenUrl, {
  message: "is required for OneRoster 1.2 (the OAuth 2 token URL)",
  path: ["tokenUrl"],
});

/** ClassLink's Roster Server: OneRoster 1.1 REST at a per-tenant URL, OAuth 1.0a (or a proxy's bearer token). */
export const ClassLinkSource = z.object({
  kind: z.literal("classlink"),
  version: z.literal("1.1").default("1.1"),
  /** https://{tenant}-{region}-v2.oneroster.com/ims/oneroster/v1p1 */
  baseUrl: httpUrl,
  credentials: credentialName,
  auth: z.enum(["oauth1", "bearer"]).optional(),
  signatureMethod: z.enum(["HMAC-SHA256", "HMAC-SHA1"]).optional(),
  pageSize: z.number().int().min(1).max(10_000).optional(),
  concurrency: z.number().int().min(1).max(16).optional(),
});

/** One custom file and how its columns map onto OneRoster's. */
export const CustomFile = z.object({
  /** The file's name, relative to the source's `path`. */
  file: z.string().min(1),
  /** OneRoster column → the file's header, e.g. {"sourcedId": "StudentID", "givenName": "First Name"}. */
  columns: z.record(z.string(), z.string()),
  /** OneRoster column → a constant, for what the file does not say (e.g. {"role": "student"}). */
  defaults: z.record(z.string(), z.string()).optional(),
});
export type CustomFile = z.infer<typeof CustomFile>;

/** A district's own CSV export, mapped onto the OneRoster model. */
export const CustomCsvSource = z.object({
  kind: z.literal("custom-csv"),
  /** The folder holding the files (relative to the settings file unless absolute). */
  path: z.string().min(1),
  files: z.object({
    orgs: z.union([CustomFile, z.array(CustomFile)]).optional(),
    users: z.union([CustomFile, z.array(CustomFile)]),
    classes: z.union([CustomFile, z.array(CustomFile)]).optional(),
    enrollments: z.union([CustomFile, z.array(CustomFile)]).optional(),
  }),
});
export type CustomCsvSource = z.infer<typeof CustomCsvSource>;

/** Where the roster comes from. */
export const SourceSettings = z.discriminatedUnion("kind", [
  OneRosterCsvSource,
  OneRosterRestSource,
  ClassLinkSource,
  CustomCsvSource,
]);
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
  /** The customer's company in HubSpot, to check tickets belong to it. */
  hubspot_company_id: z.string().regex(/^\d+$/, "must be HubSpot's numeric company id").optional(),
});
export type Settings = z.infer<typeof Settings>;
