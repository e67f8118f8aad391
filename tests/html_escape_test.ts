import { assertEquals } from "./helpers/assert.ts";
import { escapeHtml, html } from "../lib/html.ts";

Deno.test("a page shows a name's control and bidi characters as escapes, so it cannot reorder or hide text; lines stay", () => {
  // U+202E reverses what follows on screen; ESC and BEL act in some viewers; C1's NEL breaks a line in others.
  assertEquals(escapeHtml("Ana\u202eziuR \x1b[2J\x07\u0085 <b>"), "Ana\\u202eziuR \\x1b[2J\\x07\\x85 &lt;b&gt;");
  assertEquals(escapeHtml("UPDATE students\n\tSET campus_id = 2;\r\n"), "UPDATE students\n\tSET campus_id = 2;\r\n");
  assertEquals(html`<td>${"Lucas\u2066Campbell\u2069"}</td>`.value, "<td>Lucas\\u2066Campbell\\u2069</td>");
});
