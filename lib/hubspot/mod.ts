/**
 * HubSpot: read a support ticket, post a note with the report attached, list
 * a customer's open tickets. Uses @hubspot/api-client for the CRM, with our
 * own retry (the client's retries ignore Retry-After and are process-wide),
 * and fetch for the file upload (the client's upload wants a Node stream).
 * Its errors carry whole responses: only status and category are kept.
 */
import { Client } from "@hubspot/api-client";
import type { CredentialResolver } from "../credentials/resolver.ts";
import { registerSecret } from "../credentials/redact.ts";
import { retryAfterMs } from "../sources/http/client.ts";
import type { Report } from "../diagnostics/findings.ts";
import { findingsByCode } from "../report/group.ts";

import { HubSpotError } from "./errors.ts";

export { HubSpotError };

/** A support ticket, as far as the tools need it. */
export interface Ticket {
  id: string;
  subject: string;
  status: string;
  companyIds: string[];
}

/** Options of {@link connectHubSpot}. */
export interface HubSpotOptions {
  /** The API's base URL; default https://api.hubapi.com (HUBSPOT_BASE_PATH overrides, e.g. a fake on loopback). */
  basePath?: string;
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A connected HubSpot account. */
export class HubSpot {
  /** API calls made, retries included. */
  calls = 0;

  constructor(
    readonly client: Client,
    readonly accessToken: string,
    readonly basePath: string,
    readonly options: HubSpotOptions,
  ) {}

  /** Runs a call, retrying 429 (honouring Retry-After) and 5xx with backoff. */
  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const retries = this.options.retries ?? 4;
    const sleep = this.options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    for (let attempt = 0;; attempt++) {
      this.calls++;
      try {
        return await fn();
      } catch (e) {
        const err = e as {
          code?: number;
          headers?: Record<string, string>;
          body?: { category?: string; message?: string };
        };
        const status = typeof err.code === "number" ? err.code : 0;
        if ((status === 429 || status >= 500) && attempt < retries) {
          await sleep(retryAfterMs(err.headers?.["retry-after"] ?? null) ?? 500 * 2 ** attempt);
          continue;
        }
        const category = err.body?.category ? ` ${err.body.category}` : "";
        throw new HubSpotError(
          status === 401
            ? `HubSpot ${what}: 401${category}: check the hubspot credential (private-app token or OAuth refresh token)`
            : status
            ? `HubSpot ${what}: HTTP ${status}${category}`
            : `HubSpot ${what}: ${(e as Error).message?.split("\n")[0] ?? "failed"}`,
        );
      }
    }
  }

  /**
   * Reads a ticket with its company associations.
   *
   * @example
   * const ticket = await hubspot.ticket("4711");
   */
  async ticket(id: string): Promise<Ticket> {
    const t = await this.#call(
      `reading ticket ${id}`,
      () => this.client.crm.tickets.basicApi.getById(id, ["subject", "hs_pipeline_stage"], undefined, ["companies"]),
    );
    return {
      id: t.id,
      subject: t.properties.subject ?? "",
      status: t.properties.hs_pipeline_stage ?? "",
      companyIds: (t.associations?.companies?.results ?? []).map((r) => r.id),
    };
  }

  /**
   * The open tickets of a company (pipeline stage not closed).
   *
   * @example
   * await hubspot.openTickets("1234567")
   */
  async openTickets(companyId: string): Promise<Ticket[]> {
    const page = await this.#call(
      `searching tickets of company ${companyId}`,
      () =>
        this.client.crm.tickets.searchApi.doSearch({
          filterGroups: [{
            filters: [
              { propertyName: "associations.company", operator: "EQ" as never, value: companyId },
              { propertyName: "hs_pipeline_stage", operator: "NEQ" as never, value: "4" },
            ],
          }],
          properties: ["subject", "hs_pipeline_stage"],
          limit: 100,
          after: undefined as never,
          sorts: ["-createdate"],
        }),
    );
    return page.results.map((t) => ({
      id: t.id,
      subject: t.properties.subject ?? "",
      status: t.properties.hs_pipeline_stage ?? "",
      companyIds: [companyId],
    }));
  }

  /**
   * Uploads a file (private) and returns its id.
   *
   * @example
   * const fileId = await hubspot.upload("report.json", JSON.stringify(report));
   */
  async upload(name: string, content: string, type = "application/json"): Promise<string> {
    return await this.#call(`uploading ${name}`, async () => {
      const form = new FormData();
      form.set("file", new Blob([content], { type }), name);
      form.set("fileName", name);
      form.set("folderPath", "/customer-data-tools");
      form.set("options", JSON.stringify({ access: "PRIVATE", overwrite: false }));
      const response = await fetch(`${this.basePath}/files/v3/files`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.accessToken}` },
        body: form,
        signal: AbortSignal.timeout(60_000),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        throw Object.assign(new Error("upload failed"), {
          code: response.status,
          headers: Object.fromEntries(response.headers),
          body,
        });
      }
      return String(body.id);
    });
  }

  /**
   * Posts a note on a ticket, with files attached.
   *
   * @example
   * await hubspot.note("4711", "<p>…</p>", [fileId]);
   */
  async note(ticketId: string, html: string, attachmentIds: string[] = []): Promise<string> {
    const note = await this.#call(
      `posting a note on ticket ${ticketId}`,
      () =>
        this.client.crm.objects.notes.basicApi.create({
          properties: {
            hs_timestamp: new Date().toISOString(),
            hs_note_body: html,
            ...(attachmentIds.length ? { hs_attachment_ids: attachmentIds.join(";") } : {}),
          },
          // 228: HubSpot's note-to-ticket association.
          associations: [{
            to: { id: ticketId },
            types: [{ associationCategory: "HUBSPOT_DEFINED" as never, associationTypeId: 228 }],
          }],
        }),
    );
    return note.id;
  }
}

/**
 * Connects with the `hubspot` credential: a private-app access token, or an
 * OAuth client id, secret and refresh token (exchanged for an access token).
 *
 * @example
 * const hubspot = await connectHubSpot(resolver, Deno.env.toObject());
 */
export async function connectHubSpot(
  resolver: CredentialResolver,
  env: Record<string, string | undefined>,
  options: HubSpotOptions = {},
): Promise<HubSpot> {
  const basePath = (options.basePath ?? env.HUBSPOT_BASE_PATH ?? "https://api.hubapi.com").replace(/\/+$/, "");
  const { fields } = await resolver.require("hubspot");
  let accessToken = fields.accessToken ?? fields.token;
  if (!accessToken) {
    if (!fields.clientId || !fields.clientSecret || !fields.refreshToken) {
      throw new HubSpotError("the hubspot credential needs accessToken, or clientId, clientSecret and refreshToken");
    }
    const response = await fetch(`${basePath}/oauth/v1/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: fields.clientId,
        client_secret: fields.clientSecret,
        refresh_token: fields.refreshToken,
      }).toString(),
      signal: AbortSignal.timeout(30_000),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || !body.access_token) {
      throw new HubSpotError(
        `HubSpot OAuth: the refresh token was refused (HTTP ${response.status}); check the hubspot credential`,
      );
    }
    accessToken = String(body.access_token);
  }
  registerSecret(accessToken);
  const client = new Client({ accessToken, basePath, numberOfApiCallRetries: 0 });
  return new HubSpot(client, accessToken, basePath, options);
}

/** A cheap call for check-connections. */
export async function hubspotCheck(
  resolver: CredentialResolver,
  env: Record<string, string | undefined>,
): Promise<string> {
  const hubspot = await connectHubSpot(resolver, env, { retries: 1 });
  await hubspot.client.crm.tickets.basicApi.getPage(1).catch((e) => {
    throw new HubSpotError(`HubSpot: HTTP ${(e as { code?: number }).code ?? "error"}`);
  });
  return `${hubspot.basePath} answered`;
}

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/**
 * The note posted on a ticket: summary by code, the top findings, and the
 * command that reproduces the run. HTML, every value escaped.
 *
 * @example
 * noteBody(report, "deno task diagnose --customer lincoln-usd --ticket 4711")
 */
export function noteBody(report: Report, command: string, top = 10): string {
  const groups = findingsByCode(report);
  const rows = groups.map((g) =>
    `<li><code>${escape(g.code)}</code> (${g.severities.join("/")}): ${g.findings.length}</li>`
  ).join("");
  const firsts = report.findings.filter((f) => f.severity === "error").concat(
    report.findings.filter((f) => f.severity !== "error"),
  )
    .slice(0, top).map((f) => `<li>${escape(f.message)}</li>`).join("");
  return [
    `<p><strong>Customer Data Tools</strong>: ${escape(report.customer)} (${escape(report.environment)}), ${
      escape(report.generatedAt)
    }: ` +
    `${report.summary.error} errors, ${report.summary.warning} warnings.</p>`,
    rows ? `<ul>${rows}</ul>` : "<p>No findings: the roster and the platform agree.</p>",
    firsts ? `<p>First findings:</p><ol>${firsts}</ol>` : "",
    `<p>Reproduce: <code>${escape(command)}</code>. The full report is attached.</p>`,
  ].join("");
}

/**
 * A warning when a ticket is not associated with the customer's HubSpot company.
 *
 * @example
 * ticketCompanyWarning(ticket, settings) // "ticket 4711 belongs to company 99, not lincoln-usd's 1234"
 */
export function ticketCompanyWarning(
  ticket: Ticket,
  settings: { customer_id: string; hubspot_company_id?: string },
): string | undefined {
  if (!settings.hubspot_company_id) {
    return `${settings.customer_id} has no hubspot_company_id in its settings; the ticket's company is not checked`;
  }
  if (ticket.companyIds.includes(settings.hubspot_company_id)) return undefined;
  return `ticket ${ticket.id} belongs to ${
    ticket.companyIds.length ? `company ${ticket.companyIds.join(", ")}` : "no company"
  }, not ${settings.customer_id}'s ${settings.hubspot_company_id}`;
}
