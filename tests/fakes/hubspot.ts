/**
 * A fake HubSpot API on 127.0.0.1:0: tickets (read, page, search), notes,
 * file upload, and the OAuth refresh-token exchange. Checks the bearer token,
 * records what was posted, and answers chosen calls with 429 + Retry-After.
 */
import { Hono } from "hono";

/** A ticket the fake knows. */
export interface FakeTicket {
  id: string;
  subject: string;
  stage: string;
  companyId: string;
}

/** A running fake and what it saw. */
export interface FakeHubSpot {
  basePath: string;
  calls: number;
  notes: Array<{ properties: Record<string, string>; associations: unknown }>;
  files: Array<{ name: string; content: string; options: string }>;
  stop(): Promise<void>;
}

const stamp = { createdAt: "2026-11-20T10:00:00Z", updatedAt: "2026-11-20T10:00:00Z", archived: false };

/** Starts the fake. `token` is the valid access token; a refresh token `refresh-<token>` exchanges for it. */
export function startFakeHubSpot(
  options: { token: string; tickets: FakeTicket[]; fail429?: number[] },
): Promise<FakeHubSpot> {
  const state: FakeHubSpot = { basePath: "", calls: 0, notes: [], files: [], stop: () => Promise.resolve() };
  const app = new Hono();
  const ticketJson = (t: FakeTicket) => ({
    id: t.id,
    properties: { subject: t.subject, hs_pipeline_stage: t.stage },
    associations: { companies: { results: [{ id: t.companyId, type: "ticket_to_company" }] } },
    ...stamp,
  });
  app.post("/oauth/v1/token", async (c) => {
    const form = new URLSearchParams(await c.req.text());
    if (form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== `refresh-${options.token}`) {
      return c.json({ status: "BAD_REFRESH_TOKEN" }, 400);
    }
    return c.json({ access_token: options.token, refresh_token: form.get("refresh_token"), expires_in: 1800 });
  });
  app.use("*", async (c, next) => {
    state.calls++;
    if (c.req.header("authorization") !== `Bearer ${options.token}`) {
      return c.json({
        status: "error",
        message: "Authentication credentials not found.",
        category: "INVALID_AUTHENTICATION",
      }, 401);
    }
    if (options.fail429?.includes(state.calls)) {
      return c.json(
        { status: "error", message: "You have reached your secondly limit.", category: "RATE_LIMITS" },
        429,
        { "retry-after": "1" },
      );
    }
    await next();
  });
  app.get("/crm/v3/objects/tickets/:id", (c) => {
    const t = options.tickets.find((x) => x.id === c.req.param("id"));
    return t
      ? c.json(ticketJson(t))
      : c.json({ status: "error", message: "not found", category: "OBJECT_NOT_FOUND" }, 404);
  });
  app.get("/crm/v3/objects/tickets", (c) => c.json({ results: options.tickets.slice(0, 1).map(ticketJson) }));
  app.post("/crm/v3/objects/tickets/search", async (c) => {
    const body = await c.req.json();
    const filters = body.filterGroups?.[0]?.filters ?? [];
    const company = filters.find((f: { propertyName: string }) => f.propertyName === "associations.company")?.value;
    const results = options.tickets.filter((t) => t.companyId === company && t.stage !== "4").map(ticketJson);
    return c.json({ total: results.length, results });
  });
  app.post("/files/v3/files", async (c) => {
    const form = await c.req.formData();
    const file = form.get("file") as File;
    state.files.push({
      name: String(form.get("fileName")),
      content: await file.text(),
      options: String(form.get("options")),
    });
    return c.json({ id: `file-${state.files.length}`, name: String(form.get("fileName")), ...stamp });
  });
  app.post("/crm/v3/objects/notes", async (c) => {
    const body = await c.req.json();
    state.notes.push(body);
    return c.json({ id: `note-${state.notes.length}`, properties: body.properties, ...stamp }, 201);
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  state.basePath = `http://127.0.0.1:${server.addr.port}`;
  state.stop = () => server.shutdown();
  return Promise.resolve(state);
}
