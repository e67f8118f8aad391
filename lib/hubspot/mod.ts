/**
 * HubSpot: read a support ticket, post a note with the report attached, list
 * a customer's open tickets. Uses @hubspot/api-client for the CRM, with our
 * own retry (the client's retries ignore Retry-After and are process-wide),
 * and fetch for the file upload (the client's upload wants a Node stream).
 * Its errors carry whole responses: only status and category are kept.
 *
 * Every call is bounded: the client sends without an AbortSignal, so its
 * requests go through an HTTP agent whose sockets are destroyed when a call
 * runs past its timeout or the run's time budget, or its answer past a size
 * cap. A server that never answers, stops mid-body or trickles ends the call
 * with a clear error instead of hanging the run.
 */
import { Client } from "@hubspot/api-client";
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { CredentialResolver } from "../credentials/resolver.ts";
import { registerSecret } from "../credentials/redact.ts";
import { readBounded, retryAfterMs } from "../sources/http/client.ts";
import type { Report } from "../model/findings.ts";
import { findingsByCode } from "../report/group.ts";
import { printable } from "../text.ts";

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
  /** One call, answer included (`CDT_HUBSPOT_TIMEOUT_MS`, default 30 s). */
  timeoutMs?: number;
  /** All HubSpot calls of one run together, retries and waits included (`CDT_HUBSPOT_DEADLINE_MS`, default 5 min). */
  deadlineMs?: number;
  /** The largest answer read (`CDT_HUBSPOT_MAX_BODY_BYTES`, default 16 MiB). */
  maxBodyBytes?: number;
}

/** The defaults of the HubSpot bounds. */
export const HUBSPOT_LIMITS = { timeoutMs: 30_000, deadlineMs: 5 * 60_000, maxBodyBytes: 16 * 1024 * 1024 };

/**
 * Time spent in HubSpot during one run, against its budget. Calls run one at
 * a time; the budget counts only time inside calls, so a long diagnosis
 * between reading the ticket and posting the note costs nothing.
 */
export class HubSpotBudget {
  #spent = 0;
  #since: number | undefined;

  constructor(readonly timeoutMs: number, readonly deadlineMs: number, readonly maxBodyBytes: number) {}

  /** Milliseconds the current (or next) request may take. */
  allowance(): number {
    const inCall = this.#since === undefined ? 0 : performance.now() - this.#since;
    return Math.max(0, Math.min(this.timeoutMs, this.deadlineMs - this.#spent - inCall));
  }

  /** Whether the run's budget is gone. */
  exhausted(): boolean {
    const inCall = this.#since === undefined ? 0 : performance.now() - this.#since;
    return this.#spent + inCall >= this.deadlineMs;
  }

  /** Runs `fn` as time spent in HubSpot. */
  async spend<T>(fn: () => Promise<T>): Promise<T> {
    this.#since = performance.now();
    try {
      return await fn();
    } finally {
      this.#spent += performance.now() - this.#since;
      this.#since = undefined;
    }
  }

  /**
   * The time limit of one request, armed now: how long it may take (the
   * call's timeout, or what is left of the budget if less), and why it is cut
   * if it runs that long. The reason is decided here, by which limit is the
   * shorter, not when the timer fires: a timer may fire a fraction of a
   * millisecond before the budget's last instant, or late on a busy machine.
   */
  arm(): { ms: number; signal(): AbortSignal; reason: string } {
    const inCall = this.#since === undefined ? 0 : performance.now() - this.#since;
    const left = this.deadlineMs - this.#spent - inCall;
    const ms = Math.max(0, Math.min(this.timeoutMs, left));
    const reason = left < this.timeoutMs
      ? `the run's HubSpot time budget of ${this.deadlineMs / 1000} s (CDT_HUBSPOT_DEADLINE_MS) ran out`
      : `no complete answer within ${this.timeoutMs / 1000} s (CDT_HUBSPOT_TIMEOUT_MS)`;
    return { ms, reason, signal: () => AbortSignal.timeout(ms) };
  }
}

/**
 * An HTTP agent whose every socket lives at most as long as the budget
 * allows for one request, and reads at most the size cap: the API client has
 * no signal of its own to abort with.
 */
function boundedAgent(budget: HubSpotBudget, secure: boolean): http.Agent {
  const Base = secure ? https.Agent : http.Agent;
  class BoundedAgent extends Base {
    // deno-lint-ignore no-explicit-any
    override createConnection(options: any, callback?: any): Socket {
      // deno-lint-ignore no-explicit-any
      const socket = (super.createConnection as any)(options, callback) as Socket;
      const cut = budget.arm();
      const timer = setTimeout(() => socket.destroy(new Error(cut.reason)), cut.ms);
      let bytes = 0;
      socket.on("data", (chunk: Uint8Array) => {
        bytes += chunk.length;
        if (bytes > budget.maxBodyBytes) {
          socket.destroy(
            new Error(
              `the answer is larger than ${budget.maxBodyBytes} bytes (CDT_HUBSPOT_MAX_BODY_BYTES); not read`,
            ),
          );
        }
      });
      socket.once("close", () => clearTimeout(timer));
      return socket;
    }
  }
  // One socket per request, so each request's timer starts with it.
  return new BoundedAgent({ keepAlive: false });
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
    readonly budget: HubSpotBudget = new HubSpotBudget(
      options.timeoutMs ?? HUBSPOT_LIMITS.timeoutMs,
      options.deadlineMs ?? HUBSPOT_LIMITS.deadlineMs,
      options.maxBodyBytes ?? HUBSPOT_LIMITS.maxBodyBytes,
    ),
  ) {}

  /** Runs a call, retrying 429 (honouring Retry-After) and 5xx with backoff, within the run's time budget. */
  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const retries = this.options.retries ?? 4;
    const sleep = this.options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const outOfTime = () =>
      new HubSpotError(
        `HubSpot ${what}: the run's HubSpot time budget of ${
          this.budget.deadlineMs / 1000
        } s (CDT_HUBSPOT_DEADLINE_MS) ran out`,
      );
    for (let attempt = 0;; attempt++) {
      if (this.budget.exhausted()) throw outOfTime();
      this.calls++;
      try {
        return await this.budget.spend(fn);
      } catch (e) {
        const err = e as {
          code?: number;
          headers?: Record<string, string>;
          body?: { category?: string; message?: string };
        };
        const status = typeof err.code === "number" ? err.code : 0;
        if ((status === 429 || status >= 500) && attempt < retries) {
          const delay = retryAfterMs(err.headers?.["retry-after"] ?? null) ?? 500 * 2 ** attempt;
          if (delay >= this.budget.allowance()) throw outOfTime();
          await this.budget.spend(() => sleep(delay));
          continue;
        }
        const category = err.body?.category ? ` ${err.body.category}` : "";
        throw new HubSpotError(
          status === 401
            ? `HubSpot ${what}: 401${category}: check the hubspot credential (private-app token or OAuth refresh token)`
            : status
            ? `HubSpot ${what}: HTTP ${status}${category}`
            : `HubSpot ${what}: ${oneLine((e as Error).message?.split("\n")[0] ?? "failed")}`,
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
      let response: Response;
      let text: string;
      const cut = this.budget.arm();
      try {
        response = await fetch(`${this.basePath}/files/v3/files`, {
          method: "POST",
          headers: { authorization: `Bearer ${this.accessToken}` },
          body: form,
          signal: cut.signal(),
          redirect: "manual",
        });
        text = await readBounded(response, this.budget.maxBodyBytes, "POST /files/v3/files", {
          advice:
            "HubSpot answers an upload in a few kilobytes: raise CDT_HUBSPOT_MAX_BODY_BYTES only if it is really so",
        });
      } catch (e) {
        const err = e as Error;
        const timeout = err.name === "TimeoutError" || err.name === "AbortError";
        throw new Error(timeout ? cut.reason : err.message);
      }
      const body = (() => {
        try {
          return JSON.parse(text);
        } catch {
          return {};
        }
      })();
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
  const budget = new HubSpotBudget(
    options.timeoutMs ?? positive(env, "CDT_HUBSPOT_TIMEOUT_MS") ?? HUBSPOT_LIMITS.timeoutMs,
    options.deadlineMs ?? positive(env, "CDT_HUBSPOT_DEADLINE_MS") ?? HUBSPOT_LIMITS.deadlineMs,
    options.maxBodyBytes ?? positive(env, "CDT_HUBSPOT_MAX_BODY_BYTES") ?? HUBSPOT_LIMITS.maxBodyBytes,
  );
  const { fields } = await resolver.require("hubspot");
  let accessToken = fields.accessToken ?? fields.token;
  if (!accessToken) {
    if (!fields.clientId || !fields.clientSecret || !fields.refreshToken) {
      throw new HubSpotError("the hubspot credential needs accessToken, or clientId, clientSecret and refreshToken");
    }
    const { response, body } = await budget.spend(async () => {
      const cut = budget.arm();
      try {
        const response = await fetch(`${basePath}/oauth/v1/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "refresh_token",
            client_id: fields.clientId,
            client_secret: fields.clientSecret,
            refresh_token: fields.refreshToken,
          }).toString(),
          signal: cut.signal(),
          // The form holds the client secret: it goes to the token URL and nowhere it redirects.
          redirect: "manual",
        });
        const text = await readBounded(response, 1024 * 1024, "POST /oauth/v1/token", {
          advice: "A token response is a few kilobytes: check that the HubSpot token URL is HubSpot's own",
        });
        let body: { access_token?: unknown } = {};
        try {
          body = JSON.parse(text);
        } catch { /* reported below as a refusal */ }
        return { response, body };
      } catch (e) {
        const err = e as Error;
        const timeout = err.name === "TimeoutError" || err.name === "AbortError";
        throw new HubSpotError(
          `HubSpot OAuth: the token request failed (${timeout ? cut.reason : oneLine(err.message)})`,
        );
      }
    });
    if (!response.ok || !body.access_token) {
      throw new HubSpotError(
        `HubSpot OAuth: the refresh token was refused (HTTP ${response.status}); check the hubspot credential`,
      );
    }
    accessToken = String(body.access_token);
  }
  registerSecret(accessToken);
  const client = new Client({
    accessToken,
    basePath,
    numberOfApiCallRetries: 0,
    httpAgent: boundedAgent(budget, basePath.startsWith("https:")),
  });
  return new HubSpot(client, accessToken, basePath, options, budget);
}

/** A cheap call for check-connections. */
export async function hubspotCheck(
  resolver: CredentialResolver,
  env: Record<string, string | undefined>,
): Promise<string> {
  const hubspot = await connectHubSpot(resolver, env, { retries: 1 });
  await hubspot.budget.spend(() => hubspot.client.crm.tickets.basicApi.getPage(1)).catch((e) => {
    const code = (e as { code?: number }).code;
    throw new HubSpotError(
      `HubSpot: ${code ? `HTTP ${code}` : oneLine((e as Error).message?.split("\n")[0] ?? "error")}`,
    );
  });
  return `${hubspot.basePath} answered`;
}

/** A positive whole number from an environment variable, or undefined when unset. */
function positive(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new HubSpotError(`${name} must be a positive whole number, not ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return Number(raw);
}

/** Remote text in our messages: control characters become spaces. */
// deno-lint-ignore no-control-regex
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();

const escape = (s: string) =>
  printable(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

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
