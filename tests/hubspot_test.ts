import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { startFakeHubSpot } from "./fakes/hubspot.ts";
import { withCustomer } from "./helpers/customer.ts";
import { Report } from "../lib/model/findings.ts";
import { HubSpotBudget } from "../lib/hubspot/mod.ts";

const TOKEN = "pat-na1-0123456789abcdef";
const dbTest = { sanitizeOps: false, sanitizeResources: false };
const tickets = [
  { id: "4711", subject: "Parent cannot see child", stage: "1", companyId: "1234" },
  { id: "4712", subject: "Empty class", stage: "2", companyId: "1234" },
  { id: "4713", subject: "Closed", stage: "4", companyId: "1234" },
  { id: "5000", subject: "Another district", stage: "1", companyId: "999" },
];

async function run(script: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL(`../tools/${script}.ts`, import.meta.url).pathname, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test({
  name: "diagnose --ticket reads the ticket, posts a note with the summary and the report attached, and retries a 429",
  ...dbTest,
  fn: async () => {
    const fake = await startFakeHubSpot({ token: TOKEN, tickets, fail429: [1] });
    try {
      await withCustomer({ settings: { hubspot_company_id: "1234" } }, async (c) => {
        const env = { ...c.env, HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_PATH: fake.basePath };
        const r = await run("diagnose", [
          "--customer",
          c.customerId,
          "--settings-dir",
          c.settingsDir,
          "--format",
          "json",
          "--ticket",
          "4711",
        ], env);
        assertEquals(r.code, 0, r.stderr);
        assertMatch(r.stderr, /ticket 4711: Parent cannot see child \(stage 1\)/);
        assert(!r.stderr.includes("warning: ticket"), "the ticket belongs to the customer's company");
        assertMatch(r.stderr, /posted note note-1 on ticket 4711 with the report attached/);
        const report = Report.parse(JSON.parse(r.stdout));
        assertEquals(fake.files.length, 1);
        assertEquals(Report.parse(JSON.parse(fake.files[0].content)).summary, report.summary);
        assertEquals(JSON.parse(fake.files[0].options).access, "PRIVATE");
        const note = fake.notes[0];
        assertEquals(note.properties.hs_attachment_ids, "file-1");
        assertEquals(note.associations, [{
          to: { id: "4711" },
          types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 228 }],
        }]);
        assertMatch(note.properties.hs_note_body, /<code>parent_link\.mismatch<\/code>/);
        assertMatch(
          note.properties.hs_note_body,
          /Reproduce: <code>deno task diagnose --customer lincoln-usd .*--ticket 4711<\/code>/,
        );
        assert(!JSON.stringify(fake.notes).includes(TOKEN));
      });
    } finally {
      await fake.stop();
    }
  },
});

Deno.test({
  name: "a ticket of another company is warned about; --dry-run prints the note and calls nothing",
  ...dbTest,
  fn: async () => {
    const fake = await startFakeHubSpot({ token: TOKEN, tickets });
    try {
      await withCustomer({ settings: { hubspot_company_id: "1234" } }, async (c) => {
        const env = { ...c.env, HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_BASE_PATH: fake.basePath };
        const other = await run("diagnose", [
          "--customer",
          c.customerId,
          "--settings-dir",
          c.settingsDir,
          "--format",
          "json",
          "--ticket",
          "5000",
        ], env);
        assertEquals(other.code, 0, other.stderr);
        assertMatch(other.stderr, /warning: ticket 5000 belongs to company 999, not lincoln-usd's 1234/);
        const calls = fake.calls;
        const dry = await run("diagnose", [
          "--customer",
          c.customerId,
          "--settings-dir",
          c.settingsDir,
          "--format",
          "json",
          "--ticket",
          "4711",
          "--dry-run",
        ], env);
        assertEquals(dry.code, 0, dry.stderr);
        assertMatch(
          dry.stderr,
          /--dry-run: the note for ticket 4711 would be:\n<p><strong>Customer Data Tools<\/strong>/,
        );
        assertEquals(fake.calls, calls);
      });
    } finally {
      await fake.stop();
    }
  },
});

Deno.test({
  name: "a refused token fails after the local report is out, and never prints the token",
  ...dbTest,
  fn: async () => {
    const fake = await startFakeHubSpot({ token: TOKEN, tickets });
    try {
      await withCustomer({ settings: { hubspot_company_id: "1234" } }, async (c) => {
        const env = { ...c.env, HUBSPOT_ACCESS_TOKEN: "pat-wrong-token-123456", HUBSPOT_BASE_PATH: fake.basePath };
        const r = await run("diagnose", [
          "--customer",
          c.customerId,
          "--settings-dir",
          c.settingsDir,
          "--format",
          "json",
          "--ticket",
          "4711",
        ], env);
        assertEquals(r.code, 1);
        assertMatch(
          r.stderr,
          /warning: HubSpot reading ticket 4711: 401 INVALID_AUTHENTICATION: check the hubspot credential/,
        );
        assertMatch(r.stderr, /error: HubSpot uploading cdt-lincoln-usd-.*\.json: 401/);
        assert(Report.parse(JSON.parse(r.stdout)).findings.length > 0, "the report is out before HubSpot fails");
        assert(!r.stderr.includes("pat-wrong-token-123456"));
      });
    } finally {
      await fake.stop();
    }
  },
});

Deno.test({
  name: "deno task ticket lists the company's open tickets, with an OAuth refresh token",
  ...dbTest,
  fn: async () => {
    const fake = await startFakeHubSpot({ token: TOKEN, tickets });
    try {
      await withCustomer({ settings: { hubspot_company_id: "1234" } }, async (c) => {
        const env = {
          HUBSPOT_CLIENT_ID: "app",
          HUBSPOT_CLIENT_SECRET: "app-secret-123",
          HUBSPOT_REFRESH_TOKEN: `refresh-${TOKEN}`,
          HUBSPOT_BASE_PATH: fake.basePath,
        };
        const r = await run("ticket", ["--customer", c.customerId, "--settings-dir", c.settingsDir, "--json"], env);
        assertEquals(r.code, 0, r.stderr);
        assertEquals(JSON.parse(r.stdout).map((t: { id: string }) => t.id), ["4711", "4712"]);
      });
    } finally {
      await fake.stop();
    }
  },
});

Deno.test("a HubSpot request's time limit names the limit that is shorter when it is armed, not when its timer fires", async () => {
  const budget = new HubSpotBudget(800, 1200, 1024);
  const first = budget.arm();
  assertEquals(first.ms, 800);
  assertEquals(first.reason, "no complete answer within 0.8 s (CDT_HUBSPOT_TIMEOUT_MS)");
  await budget.spend(() => new Promise((r) => setTimeout(r, 820)));
  await budget.spend(() => {
    const cut = budget.arm();
    assert(cut.ms > 0 && cut.ms < 400, `what is left of the budget: ${cut.ms} ms`);
    // Read long before the budget's last instant (as a timer that fires a hair early would): still the budget's.
    assertEquals(cut.reason, "the run's HubSpot time budget of 1.2 s (CDT_HUBSPOT_DEADLINE_MS) ran out");
    return Promise.resolve();
  });
});
